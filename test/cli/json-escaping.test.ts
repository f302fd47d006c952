import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/corpus.js';
import { run } from '../helpers/run.js';

/**
 * Every command's --json goes through the escaping writer: a C1 control (U+009B, CSI on some
 * terminals) or a bidi override (U+202E) in a file name, a folder name or EXIF comes out as a
 * \u escape, and parses back to the same text. The library, cache and photos all live under
 * a folder whose own name carries both, so every path any command prints carries them too.
 */
const CRAFTED = '\u009b31m\u202e';
/** Raw characters a terminal may act on (JSON's \u escapes are plain ASCII and do not match). */
const RAW_UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const ESCAPED = '\\u009b31m\\u202e';

let home: string;
let env: NodeJS.ProcessEnv;
let lib: string;
let photos: string;

async function tt(...args: string[]) {
  const r = await run(process.execPath, [BIN, '--library', lib, ...args], { env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The output is terminal-safe, says the crafted text as escapes, and parses back to it. */
function expectEscaped(stdout: string, carriesCrafted = true): unknown[] {
  expect(stdout).not.toMatch(RAW_UNSAFE);
  const values = stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown);
  expect(values.length).toBeGreaterThan(0);
  if (carriesCrafted) {
    expect(stdout).toContain(ESCAPED);
    expect(JSON.stringify(values)).toContain(CRAFTED);
  }
  return values;
}

beforeAll(async () => {
  home = mkdtempSync(path.join(os.tmpdir(), `termtable-json-${CRAFTED}-`));
  env = { ...process.env, XDG_DATA_HOME: path.join(home, 'data'), XDG_CACHE_HOME: path.join(home, 'cache'), XDG_CONFIG_HOME: path.join(home, 'config') };
  lib = path.join(home, 'lib.db');
  photos = path.join(home, `photos ${CRAFTED}`);
  mkdirSync(photos);
  const jpeg = await sharp({ create: { width: 320, height: 200, channels: 3, background: '#557799' } })
    .withExif({ IFD0: { Make: 'Crafted', ImageDescription: `desc ${CRAFTED} end` } })
    .jpeg()
    .toBuffer();
  writeFileSync(path.join(photos, `good ${CRAFTED}.jpg`), jpeg);
  writeFileSync(path.join(photos, 'plain.jpg'), jpeg);
  // Cut in half: imported, but its thumbnails fail (generate-cache's and thumb's failures).
  writeFileSync(path.join(photos, `cut ${CRAFTED}.jpg`), jpeg.subarray(0, jpeg.length >> 1));
  // A FIFO sidecar: refused with an import error that names it.
  execFileSync('mkfifo', [path.join(photos, `plain.jpg.xmp`)]);
}, 60_000);
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('--json of every command escapes control and bidi characters', { timeout: 240_000 }, () => {
  let ids: Record<string, number>;

  it('import', async () => {
    const out = await tt('import', photos, '--json');
    expect(out.code, out.stderr).not.toBeNull();
    const [summary] = expectEscaped(out.stdout) as Array<{ imported: number; errors: Array<{ path: string }> }>;
    expect(summary!.imported).toBe(3);
    expect(summary!.errors.some((e) => e.path.includes(CRAFTED))).toBe(true);
    const list = await tt('list', '--json');
    ids = Object.fromEntries(
      (expectEscaped(list.stdout) as Array<{ filename: string; id: number }>).map((r) => [r.filename.split(' ')[0]!, r.id]),
    );
  });

  it('generate-cache', async () => {
    const out = await tt('generate-cache', '--max-mip', '0', '--json');
    expect(out.code).toBe(1); // the cut JPEG failed
    const [summary] = expectEscaped(out.stdout) as Array<{ failed: Array<{ path: string }> }>;
    expect(summary!.failed.map((f) => path.basename(f.path))).toEqual([`cut ${CRAFTED}.jpg`]);
  });

  it('thumb, made and failed', async () => {
    const made = await tt('thumb', String(ids.good), '--level', '0', '--json');
    expect(made.code, made.stderr).toBe(0);
    expectEscaped(made.stdout);
    const failed = await tt('thumb', String(ids.cut), '--level', '0', '--json');
    expect(failed.code).toBe(1);
    expectEscaped(failed.stdout);
  });

  it('cache stats', async () => {
    const out = await tt('cache', 'stats', '--json');
    expect(out.code, out.stderr).toBe(0);
    expectEscaped(out.stdout);
  });

  it('set, history and sync', async () => {
    expect((await tt('set', String(ids.good), '--rating', '4', '--json')).code).toBe(0);
    expect((await tt('set', String(ids.cut), '--reject', '--json')).code).toBe(0);
    // History descriptions are made safe when recorded; the output is still checked raw-free.
    const history = await tt('history', '--json');
    expect(history.code, history.stderr).toBe(0);
    expectEscaped(history.stdout, false);
    const sync = await tt('sync', '--json');
    expectEscaped(sync.stdout, false);
  });

  it('export --dry-run', async () => {
    const out = await tt('export', path.join(home, `out ${CRAFTED}`), '--dry-run', '--json');
    expect(out.code, out.stderr).toBe(0);
    const [summary] = expectEscaped(out.stdout) as Array<{ plan: Array<{ from: string; to: string }> }>;
    expect(summary!.plan.some((p) => p.from.includes(`good ${CRAFTED}.jpg`))).toBe(true);
  });

  it('trash-rejects --dry-run', async () => {
    const out = await tt('trash-rejects', '--dry-run', '--json');
    expect(out.code, out.stderr).toBe(0);
    const [summary] = expectEscaped(out.stdout) as Array<{ plan: Array<{ from: string }> }>;
    expect(summary!.plan.some((p) => p.from.includes(`cut ${CRAFTED}.jpg`))).toBe(true);
    expect(readFileSync(path.join(photos, `cut ${CRAFTED}.jpg`)).length).toBeGreaterThan(0); // a dry run moves nothing
  });
});

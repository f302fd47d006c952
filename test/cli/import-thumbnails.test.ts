import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { mipmapDir } from '../../src/config/paths.js';
import { BIN } from '../helpers/corpus.js';
import { run } from '../helpers/run.js';

const home = mkdtempSync(path.join(os.tmpdir(), 'tt-import-thumbs-'));
const env = {
  ...process.env,
  XDG_DATA_HOME: path.join(home, 'data'),
  XDG_CACHE_HOME: path.join(home, 'cache'),
  XDG_CONFIG_HOME: path.join(home, 'config'),
};
const photos = path.join(home, 'photos');

/** The real binary, awaited: a worker blocked in spawnSync under load misses vitest's RPC deadline. */
function tt(...args: string[]) {
  return run(process.execPath, [BIN, ...args], { env, timeout: 120_000 });
}

async function listIds(library: string): Promise<number[]> {
  const out = (await tt('--library', library, 'list', '--json')).stdout.trim().split('\n');
  return out.map((l) => (JSON.parse(l) as { id: number }).id);
}

function cacheDirOf(library: string): string {
  const prev = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = env.XDG_CACHE_HOME;
  try {
    return mipmapDir(library);
  } finally {
    if (prev === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = prev;
  }
}

beforeAll(async () => {
  mkdirSync(photos, { recursive: true });
  for (const [i, colour] of [{ r: 200, g: 40, b: 40 }, { r: 40, g: 160, b: 60 }, { r: 30, g: 60, b: 200 }].entries()) {
    await sharp({ create: { width: 1600, height: 1000, channels: 3, background: colour } })
      .jpeg()
      .toFile(path.join(photos, `img-${i}.jpg`));
  }
  writeFileSync(path.join(photos, 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 1, 2, 3]));
});

// Each test drives the real binary: generous on a loaded machine (see vitest.config.ts).
describe('termtable import makes the grid thumbnails', { timeout: 240_000 }, () => {
  it('writes mip0-mip2 of every new image to the disk cache, and a failure is not an import error', async () => {
    const library = path.join(home, 'with.db');
    const run = await tt('--library', library, 'import', photos);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^thumbnails: generated 3, already present 0, failed 1 /m);
    const dir = cacheDirOf(library);
    const ids = await listIds(library);
    expect(ids).toHaveLength(4);
    for (const level of [0, 1, 2]) {
      const files = readdirSync(path.join(dir, String(level))).filter((f) => f.endsWith('.jpg'));
      expect(files).toHaveLength(3);
      for (const f of files) {
        const meta = await sharp(path.join(dir, String(level), f)).metadata();
        expect(Math.max(meta.width!, meta.height!)).toBe([128, 256, 512][level]);
      }
    }
    expect(existsSync(path.join(dir, '3'))).toBe(false);

    // A re-import of unchanged files has nothing new to make.
    const again = await tt('--library', library, 'import', photos);
    expect(again.stdout).not.toMatch(/thumbnails:/);
  });

  it('keeps the --json summary to the import object alone', async () => {
    const library = path.join(home, 'json.db');
    const run = await tt('--library', library, 'import', photos, '--json');
    expect(run.status).toBe(0);
    const summary = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(Object.keys(summary)).toEqual(['imported', 'updated', 'unchanged', 'skipped', 'sidecarsUpdated', 'errors']);
  });

  it('makes none with --no-thumbnails', async () => {
    const library = path.join(home, 'without.db');
    const run = await tt('--library', library, 'import', '--no-thumbnails', photos);
    expect(run.status, run.stderr).toBe(0);
    expect(existsSync(path.join(cacheDirOf(library), '0'))).toBe(false);
  });
});

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCacheFile, writeCacheFile } from '../../src/cache/cache-file.js';
import type { CachedThumb } from '../../src/cache/entry.js';
import { decodeDiskFile } from '../../src/cache/disk-cache.js';
import { LEVELS } from '../../src/cache/types.js';
import { libraryHash } from '../../src/config/paths.js';
import { Library } from '../../src/db/library.js';
import { BIN, corpus, REPO_ROOT } from '../helpers/corpus.js';
import { run } from '../helpers/run.js';

/**
 * --json of set, remove and purge; remove and purge drop the removed images' thumbnails; list
 * --json never carries a raw control or bidi character from a file name or EXIF; --version.
 */
let home: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'termtable-cli-json-'));
  env = { ...process.env, XDG_DATA_HOME: path.join(home, 'data'), XDG_CACHE_HOME: path.join(home, 'cache'), XDG_CONFIG_HOME: path.join(home, 'config') };
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

async function tt(...args: string[]) {
  const r = await run(process.execPath, [BIN, ...args], { env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const jsonLines = (stdout: string) => stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
/** Raw characters a terminal may act on (JSON's \u escapes are plain ASCII and do not match). */
const RAW_UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const photo = (file: string) => sharp({ create: { width: 320, height: 200, channels: 3, background: '#557799' } }).jpeg().toFile(file);

/** A JPEG whose EXIF Model holds a C1 CSI (U+009B) and a bidi override (U+202E), as UTF-8 bytes. */
async function c1ExifPhoto(file: string): Promise<void> {
  const jpeg = await sharp({ create: { width: 320, height: 200, channels: 3, background: '#997755' } })
    .withExif({ IFD0: { Make: 'Crafted', Model: 'Cam@@31m@@@gpj' } })
    .jpeg()
    .toBuffer();
  const at = jpeg.indexOf('Cam@@31m@@@gpj');
  Buffer.from([0xc2, 0x9b]).copy(jpeg, at + 3);
  Buffer.from([0xe2, 0x80, 0xae]).copy(jpeg, at + 8);
  writeFileSync(file, jpeg);
}

describe('JSON of the culling commands', { timeout: 240_000 }, () => {
  const lib = () => path.join(home, 'lib.db');
  const disk = () => path.join(home, 'cache', 'termtable', `mipmaps-${libraryHash(lib())}.d`);
  const cacheFile = () => path.join(home, 'cache', 'termtable', `mipmaps-${libraryHash(lib())}.cache`);
  const thumbsOf = (id: number) => LEVELS.filter((l) => existsSync(path.join(disk(), String(l), `${id}.jpg`)));
  let dir: string;
  let ids: Record<string, number>;
  const crafted = 'c\u009b31m\u202egpj\u2066.jpg';

  beforeAll(async () => {
    dir = path.join(home, 'photos');
    mkdirSync(dir);
    await photo(path.join(dir, 'a.jpg'));
    await photo(path.join(dir, 'b.jpg'));
    await photo(path.join(dir, crafted));
    await c1ExifPhoto(path.join(dir, 'd.jpg'));
    const good = readFileSync(path.join(dir, 'a.jpg'));
    writeFileSync(path.join(dir, 'e.jpg'), good.subarray(0, good.length >> 1)); // cannot be made: a remembered failure
    const imp = await tt('--library', lib(), 'import', dir, '--json');
    expect(imp.code, imp.stderr).toBe(0); // e.jpg is imported; its failed thumbnails are remembered, not an import error
    ids = Object.fromEntries(jsonLines((await tt('--library', lib(), 'list', '--json')).stdout).map((r) => [r.filename, r.id as number]));
  });

  it('list --json writes control and bidi characters of names and EXIF as \\u escapes, the data unchanged', async () => {
    const out = await tt('--library', lib(), 'list', '--json');
    expect(out.code).toBe(0);
    expect(out.stdout).not.toMatch(RAW_UNSAFE);
    expect(out.stdout).toContain('c\\u009b31m\\u202egpj\\u2066.jpg');
    const rows = jsonLines(out.stdout);
    const library = Library.open(lib());
    try {
      for (const row of rows) expect(row).toMatchObject(JSON.parse(JSON.stringify(library.get(row.id as number))) as object);
      const d = rows.find((r) => r.filename === 'd.jpg')!;
      expect(d.model).toMatch(/\u009b31m/); // the EXIF's C1 CSI is in the data, only escaped on output
    } finally {
      library.close();
    }
  });

  it('list --json of the corpus file with escape sequences in its EXIF', async () => {
    const file = corpus('bad/exif-escape-sequences.jpg');
    const other = path.join(home, 'corpus-lib.db');
    const folder = path.join(home, 'corpus-roll');
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'exif-escape-sequences.jpg'), readFileSync(file));
    expect((await tt('--library', other, 'import', folder, '--no-thumbnails')).code).toBe(0);
    const out = await tt('--library', other, 'list', '--json');
    expect(out.stdout).not.toMatch(RAW_UNSAFE);
    expect(jsonLines(out.stdout)[0]!.model).toContain('Canon PowerShot S30\u001b[31m');
  });

  it('set --json lists what changed and what was already so', async () => {
    const first = await tt('--library', lib(), 'set', String(ids['a.jpg']), String(ids['b.jpg']), '--rating', '3', '--label', 'red', '--json');
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({
      changed: [
        { id: ids['a.jpg'], rating: 3, rejected: false, labels: ['red'] },
        { id: ids['b.jpg'], rating: 3, rejected: false, labels: ['red'] },
      ],
      unchanged: [],
      errors: [],
    });
    const again = JSON.parse((await tt('--library', lib(), 'set', String(ids['a.jpg']), '--rating', '3', '--json')).stdout) as unknown;
    expect(again).toEqual({ changed: [], unchanged: [ids['a.jpg']], errors: [] });
  });

  it('remove deletes the thumbnails of every level, the remembered failure and the saved memory entries; --json says so', async () => {
    const a = ids['a.jpg']!;
    const e = ids['e.jpg']!;
    const keep = ids['b.jpg']!;
    expect(thumbsOf(a)).toEqual([0, 1, 2]);
    expect(existsSync(path.join(disk(), 'dead', `${e}.json`))).toBe(true);
    // A saved memory cache, as a TUI leaves at exit, holding a's and b's mip0.
    const entries = [a, keep].map((id) => decodeDiskFile(readFileSync(path.join(disk(), '0', `${id}.jpg`)), id, 0)!) as CachedThumb[];
    await writeCacheFile(cacheFile(), entries);

    const out = await tt('--library', lib(), 'remove', String(a), String(e), '--json');
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ removed: [a, e], thumbnails: 3 });
    expect(thumbsOf(a)).toEqual([]);
    expect(existsSync(path.join(disk(), 'dead', `${e}.json`))).toBe(false);
    expect(thumbsOf(keep)).toEqual([0, 1, 2]);
    expect((await readCacheFile(cacheFile())).entries.map((x) => x.id)).toEqual([keep]);
    expect(existsSync(path.join(dir, 'a.jpg'))).toBe(true); // files are never deleted

    const text = await tt('--library', lib(), 'remove', String(ids['d.jpg']));
    expect(text.stdout).toBe('removed 1 images from the library (files untouched) and 3 thumbnails from the cache\n');
  });

  it('purge --json lists the missing images, and drops their thumbnails when not a dry run', async () => {
    const b = ids['b.jpg']!;
    rmSync(path.join(dir, 'b.jpg'));
    const dry = await tt('--library', lib(), 'purge', '--dry-run', '--json');
    expect(JSON.parse(dry.stdout)).toEqual({ missing: [{ id: b, path: path.join(dir, 'b.jpg') }], removed: 0, thumbnails: 0, dryRun: true });
    expect(thumbsOf(b)).toEqual([0, 1, 2]);
    const purge = await tt('--library', lib(), 'purge', '--json');
    expect(purge.code, purge.stderr).toBe(0);
    expect(JSON.parse(purge.stdout)).toEqual({ missing: [{ id: b, path: path.join(dir, 'b.jpg') }], removed: 1, thumbnails: 3, dryRun: false });
    expect(thumbsOf(b)).toEqual([]);
    expect(jsonLines((await tt('--library', lib(), 'list', '--json')).stdout).map((r) => r.filename)).toEqual([crafted]);
  });
});

describe('termtable --version', () => {
  it('prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const out = await tt('--version');
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(`${pkg.version}\n`);
  }, 60_000);
});

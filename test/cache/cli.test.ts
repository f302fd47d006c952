import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeDiskFile } from '../../src/cache/disk-cache.js';
import type { Level } from '../../src/cache/types.js';
import { BIN } from '../helpers/corpus.js';
import { run as runProcess } from '../helpers/run.js';
import type { ThumbnailMaker } from '../../src/cache/maker.js';
import { MipmapCache } from '../../src/cache/mipmap-cache.js';
import { subjectFromRecord } from '../../src/cache/subject.js';
import { libraryHash } from '../../src/config/paths.js';
import { createSixelEncoder } from '../../src/render/encoders/sixel.js';
import { EncodedDiskCache, encodedDirBeside } from '../../src/render/encoded-disk-cache.js';
import type { ImageRecord } from '../../src/db/types.js';
import { prefs, tempEnv, testMaker, waitFor, type TempEnv } from './helpers.js';

const N = 48;
let photos: string;
const envs: TempEnv[] = [];

/** Photo-sized noise images: slow enough to decode that a kill lands mid-run. */
beforeAll(async () => {
  photos = mkdtempSync(path.join(os.tmpdir(), 'tt-cli-photos-'));
  const base = await sharp({
    create: { width: 2400, height: 1600, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 120, sigma: 45 } },
  })
    .jpeg({ quality: 90 })
    .toBuffer();
  await Promise.all(
    Array.from({ length: N }, (_, i) =>
      sharp(base)
        .modulate({ brightness: 0.8 + (i % 10) / 20 })
        .jpeg({ quality: 90 })
        .toFile(path.join(photos, `img-${String(i).padStart(3, '0')}.jpg`)),
    ),
  );
}, 120_000);

afterAll(() => {
  rmSync(photos, { recursive: true, force: true });
  for (const e of envs) e.cleanup();
});

function env(): TempEnv {
  const e = tempEnv('tt-cli-');
  envs.push(e);
  return e;
}

/** The real binary, awaited: a worker blocked in spawnSync under load misses vitest's RPC deadline. */
function run(e: TempEnv, args: string[]) {
  return runProcess(process.execPath, [BIN, ...args], { env: e.env, timeout: 120_000 });
}

async function importInto(e: TempEnv, ...dirs: string[]): Promise<void> {
  // Without import's own thumbnails, so these tests see generate-cache do the work.
  const r = await run(e, ['import', '--no-thumbnails', ...dirs]);
  expect(r.status, r.stderr).toBe(0);
}

function diskRoot(e: TempEnv): string {
  const root = path.join(e.root, 'cache', 'termtable');
  const d = readdirSync(root).find((n) => n.endsWith('.d'));
  if (!d) throw new Error('no disk cache folder');
  return path.join(root, d);
}

function jpgs(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => /^\d+\.jpg$/.test(n));
  } catch {
    return [];
  }
}

/** Every thumbnail file of levels 0-2 is whole, carries its facts, and decodes. */
async function expectAllValid(e: TempEnv, count: number): Promise<void> {
  const root = diskRoot(e);
  for (const level of [0, 1, 2] as Level[]) {
    const names = jpgs(path.join(root, String(level)));
    expect(names.length).toBe(count);
    for (const name of names) {
      const file = path.join(root, String(level), name);
      const bytes = (await import('node:fs')).readFileSync(file);
      expect(decodeDiskFile(bytes, Number(name.slice(0, -4)), level), file).toBeDefined();
      const meta = await sharp(bytes).metadata();
      expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBe([128, 256, 512][level]);
      await sharp(bytes).raw().toBuffer(); // a full decode, not only the header
    }
  }
}

// Every test drives the real binary several times: generous on a loaded machine (see vitest.config.ts).
describe('termtable generate-cache', { timeout: 240_000 }, () => {
  it('makes every level of every image, then finds them present; failures are listed with causes', async () => {
    const e = env();
    const bad = path.join(e.root, 'bad');
    mkdirSync(bad);
    const jpeg = readFileSync(path.join(photos, 'img-000.jpg'));
    writeFileSync(path.join(bad, 'truncated.jpg'), jpeg.subarray(0, jpeg.length >> 1));
    writeFileSync(path.join(bad, 'good.jpg'), jpeg);
    await importInto(e, bad);
    const first = await run(e, ['generate-cache', '--json']);
    expect(first.status).toBe(1);
    const summary = JSON.parse(first.stdout) as { generated: number; present: number; failed: { id: number; path: string; cause: string; message: string }[] };
    expect(summary.generated).toBe(1);
    expect(summary.present).toBe(0);
    expect(summary.failed).toEqual([
      { id: expect.any(Number), path: path.join(bad, 'truncated.jpg'), cause: 'unsupported', message: expect.any(String) },
    ]);
    expect(first.stdout.trim().split('\n')).toHaveLength(1);
    const second = JSON.parse((await run(e, ['generate-cache', '--json'])).stdout) as typeof summary;
    expect(second.generated).toBe(0);
    expect(second.present).toBe(1);
    expect(second.failed).toHaveLength(1);

    const text = await run(e, ['generate-cache', '--retry-failed', '--max-mip', '3']);
    expect(text.stdout).toMatch(/generated 1, already present 0, failed 1/);
    expect(text.stderr).toMatch(/truncated\.jpg: unsupported or corrupt/);
  });

  it('refuses bad arguments with exit 2 and one line', async () => {
    const e = env();
    for (const args of [['--min-mip', '5'], ['--min-mip', '3', '--max-mip', '1'], ['--max-mip', 'x'], ['--min-imgid', '9', '--max-imgid', '3']]) {
      const r = await run(e, ['generate-cache', ...args]);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split('\n')[0]).toMatch(/^(termtable: |error: )/);
    }
    expect((await run(e, ['generate-cache'])).stderr).toMatch(/no library/);
    expect((await run(e, ['generate-cache', '--help'])).status).toBe(0);
  });

  it('after a kill -9 mid-run, a second run finishes the job and every file on disk decodes', async () => {
    const e = env();
    await importInto(e, photos);
    const child = spawn(process.execPath, [BIN, 'generate-cache', '--json'], { env: e.env, stdio: 'ignore' });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    await waitFor(() => {
      try {
        return jpgs(path.join(diskRoot(e), '2')).length >= 6;
      } catch {
        return false;
      }
    }, 60_000);
    child.kill('SIGKILL');
    await exited;
    const madeBeforeKill = jpgs(path.join(diskRoot(e), '2')).length;
    expect(madeBeforeKill).toBeLessThan(N); // the kill landed mid-run

    const again = await run(e, ['generate-cache', '--json']);
    expect(again.status, again.stderr).toBe(0);
    const summary = JSON.parse(again.stdout) as { generated: number; present: number; failed: unknown[] };
    expect(summary.failed).toEqual([]);
    expect(summary.generated + summary.present).toBe(N);
    expect(summary.present).toBeGreaterThan(0);
    await expectAllValid(e, N);

    // Leftover temp files (if the kill caught a write) are ignored, and removed by cache clear.
    writeFileSync(path.join(diskRoot(e), '1', '.7.jpg.123-abcd.tmp'), 'half');
    const stats = JSON.parse((await run(e, ['cache', 'stats', '--json'])).stdout) as { disk: { files: number } };
    expect(stats.disk.files).toBe(3 * N);
    expect((await run(e, ['cache', 'clear'])).status).toBe(0);
    expect(readdirSync(path.join(diskRoot(e), '1'))).toEqual([]);
  }, 120_000);

  it('two processes with overlapping ranges share one disk cache safely', async () => {
    const e = env();
    await importInto(e, photos);
    const spawnGen = (args: string[]) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, [BIN, 'generate-cache', '--json', ...args], { env: e.env });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.once('exit', (code) => resolve({ code, out }));
      });
    const [a, b] = await Promise.all([
      spawnGen(['--min-imgid', '1', '--max-imgid', '32']),
      spawnGen(['--min-imgid', '16', '--max-imgid', String(N)]),
    ]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    await expectAllValid(e, N);
  }, 120_000);
});

describe('the TUI and generate-cache at once', () => {
  it('an open cache and a generate-cache process share the disk cache: every file valid, nothing made twice afterwards', async () => {
    const e = env();
    await importInto(e, photos);
    const libraryPath = path.join(e.root, 'data', 'termtable', 'library.db');
    const diskDir = path.join(e.root, 'cache', 'termtable', `mipmaps-${libraryHash(libraryPath)}.d`);
    const list = (await run(e, ['list', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as ImageRecord);
    expect(list).toHaveLength(N);
    let made = 0;
    const real = await testMaker();
    const counting: ThumbnailMaker = async (s, o) => {
      made++;
      return real(s, o);
    };
    const opts = { libraryPath, diskDir, cacheFile: path.join(e.root, 'tui.cache'), prefs: prefs(), makeThumbnails: counting };
    const tui = await MipmapCache.open(opts);
    const child = spawn(process.execPath, [BIN, 'generate-cache', '--json'], { env: e.env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    // The "screen" shows the last images while the batch starts from the first.
    const shown = await Promise.all(list.slice(-8).map((r) => tui.get(subjectFromRecord(r), 2)));
    expect(shown.every((r) => r.ok)).toBe(true);
    expect(await exited).toBe(0);
    expect((JSON.parse(out) as { failed: unknown[] }).failed).toEqual([]);
    await tui.close();
    await expectAllValid(e, N);

    const again = await MipmapCache.open({ ...opts, loadCacheFile: false });
    made = 0;
    const all = await Promise.all(list.map((r) => again.get(subjectFromRecord(r), 1)));
    expect(all.every((r) => r.ok)).toBe(true);
    expect(made).toBe(0);
    await again.close();
  }, 120_000);
});

describe('termtable thumb and cache', { timeout: 240_000 }, () => {
  it('thumb prints path, size and source, or the cause with exit 1', async () => {
    const e = env();
    const dir = path.join(e.root, 'p');
    mkdirSync(dir);
    copyFileSync(path.join(photos, 'img-001.jpg'), path.join(dir, 'a.jpg'));
    writeFileSync(path.join(dir, 'b.jpg'), '');
    await importInto(e, dir);
    const list = (await run(e, ['list', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: number; filename: string });
    const good = list.find((r) => r.filename === 'a.jpg')!.id;
    const broken = list.find((r) => r.filename === 'b.jpg')!.id;

    const ok = await run(e, ['thumb', String(good), '--level', '1']);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/\/1\/\d+\.jpg {2}\d+x\d+ {2}\d+ bytes {2}(embedded|processed)\n$/);
    const json = JSON.parse((await run(e, ['thumb', String(good), '--json'])).stdout) as { path: string; width: number; height: number; source: string };
    expect(json.path).toMatch(/\/2\/\d+\.jpg$/);
    expect(Math.max(json.width, json.height)).toBeLessThanOrEqual(512);

    const fail = await run(e, ['thumb', String(broken)]);
    expect(fail.status).toBe(1);
    expect(fail.stdout).toMatch(/unsupported or corrupt/);
    expect(JSON.parse((await run(e, ['thumb', String(broken), '--json'])).stdout)).toMatchObject({ ok: false, cause: 'unsupported' });

    for (const args of [['99999'], [String(good), '--level', '7'], ['abc']]) {
      const r = await run(e, ['thumb', ...args]);
      expect(r.status, `thumb ${args.join(' ')}: ${r.stderr}`).toBe(2);
    }

    const stats = JSON.parse((await run(e, ['cache', 'stats', '--json'])).stdout) as { disk: { files: number; levels: { files: number }[] }; failed: number };
    expect(stats.disk.levels.map((l) => l.files)).toEqual([1, 1, 1, 0, 0]);
    expect(stats.failed).toBe(1);
    expect((await run(e, ['cache', 'stats'])).stdout).toMatch(/disk cache \(on\): 3 files/);
    expect((await run(e, ['cache', 'clear', '--level', '1'])).stdout).toMatch(/removed 1 thumbnail files of mip1/);
    const after = JSON.parse((await run(e, ['cache', 'stats', '--json'])).stdout) as typeof stats;
    expect(after.disk.levels.map((l) => l.files)).toEqual([1, 0, 1, 0, 0]);
    expect((await run(e, ['cache', 'clear', '--level', '9'])).status).toBe(2);

    // The encoded pictures the lighttable keeps beside the disk cache are counted and cleared too.
    const libraryPath = path.join(e.root, 'data', 'termtable', 'library.db');
    const diskDir = path.join(e.root, 'cache', 'termtable', `mipmaps-${libraryHash(libraryPath)}.d`);
    const pictures = new EncodedDiskCache({ dir: encodedDirBeside(diskDir) });
    const jpeg = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#246' } }).jpeg().toBuffer();
    const box = { cols: 8, rows: 4 };
    const encoder = createSixelEncoder({ cellPx: { width: 10, height: 20 } });
    const img = await encoder.encode({ key: 'k', data: jpeg, width: 40, height: 30 }, box);
    await encoder.close?.();
    await pictures.write(EncodedDiskCache.keyOf(jpeg, box, 'test'), img);
    const withPictures = JSON.parse((await run(e, ['cache', 'stats', '--json'])).stdout) as { pictures: { files: number; bytes: number } };
    expect(withPictures.pictures.files).toBe(1);
    expect(withPictures.pictures.bytes).toBeGreaterThan(img.place!.length);
    expect((await run(e, ['cache', 'stats'])).stdout).toMatch(/encoded pictures .*: 1 files/);
    expect((await run(e, ['cache', 'clear'])).stdout).toMatch(/and 1 encoded pictures/);
    expect(await pictures.stats()).toEqual({ files: 0, bytes: 0 });
  });
});

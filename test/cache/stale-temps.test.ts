import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskCache } from '../../src/cache/disk-cache.js';
import { MipmapCache } from '../../src/cache/mipmap-cache.js';
import { prefs, tempEnv, testMaker, type TempEnv } from './helpers.js';

const envs: TempEnv[] = [];
afterEach(() => {
  for (const e of envs.splice(0)) e.cleanup();
});

/** Temp files of every kind a sweep meets, in a fresh disk cache folder. */
function leftovers(e: TempEnv) {
  // A pid that has certainly exited: a child we waited for.
  const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!;
  for (const level of ['0', '2', 'dead']) mkdirSync(path.join(e.diskDir, level), { recursive: true });
  const files = {
    dead: path.join(e.diskDir, '0', `.7.jpg.${deadPid}-0a1b2c3d.tmp`),
    deadFailure: path.join(e.diskDir, 'dead', `.7.json.${deadPid}-00ff00ff.tmp`),
    live: path.join(e.diskDir, '2', `.8.jpg.${process.pid}-deadbeef.tmp`),
    // pid 1 is alive, but no write takes two hours.
    old: path.join(e.diskDir, '2', '.9.jpg.1-12345678.tmp'),
    notOurs: path.join(e.diskDir, '2', 'notes.tmp'),
  };
  for (const f of Object.values(files)) writeFileSync(f, 'partial');
  const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
  utimesSync(files.old, twoHoursAgo, twoHoursAgo);
  return files;
}

function expectSwept(files: ReturnType<typeof leftovers>): void {
  expect(existsSync(files.dead)).toBe(false);
  expect(existsSync(files.deadFailure)).toBe(false);
  expect(existsSync(files.old)).toBe(false);
  expect(existsSync(files.live)).toBe(true);
  expect(existsSync(files.notOurs)).toBe(true);
}

describe('temp files of dead writers', () => {
  it('are removed on the next batch run: dead pid, or older than an hour; a live writer\'s stay', async () => {
    const e = tempEnv('tt-stale-');
    envs.push(e);
    const files = leftovers(e);
    const cache = await MipmapCache.open({
      libraryPath: e.libraryPath,
      prefs: prefs({ diskBackend: true }),
      makeThumbnails: await testMaker(),
      diskDir: e.diskDir,
      cacheFile: e.cacheFile,
      loadCacheFile: false,
      saveCacheFile: false,
    });
    try {
      await cache.generateMissing({ subjects: [] });
    } finally {
      await cache.close();
    }
    expectSwept(files);
  });

  it('are removed alike by the blocking sweep of generate-cache\'s presence check', async () => {
    const e = tempEnv('tt-stale-');
    envs.push(e);
    const files = leftovers(e);
    expect(await new DiskCache(e.diskDir, { blockingReads: true }).sweepStaleTemps()).toBe(3);
    expectSwept(files);
    // A cache folder not made yet: nothing to sweep, no error.
    expect(await new DiskCache(path.join(e.diskDir, 'none'), { blockingReads: true }).sweepStaleTemps()).toBe(0);
  });
});

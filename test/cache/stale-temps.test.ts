import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MipmapCache } from '../../src/cache/mipmap-cache.js';
import { prefs, tempEnv, testMaker, type TempEnv } from './helpers.js';

const envs: TempEnv[] = [];
afterEach(() => {
  for (const e of envs.splice(0)) e.cleanup();
});

describe('temp files of dead writers', () => {
  it('are removed on the next batch run: dead pid, or older than an hour; a live writer\'s stay', async () => {
    const e = tempEnv('tt-stale-');
    envs.push(e);
    // A pid that has certainly exited: a child we waited for.
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!;
    for (const level of ['0', '2', 'dead']) mkdirSync(path.join(e.diskDir, level), { recursive: true });
    const dead = path.join(e.diskDir, '0', `.7.jpg.${deadPid}-0a1b2c3d.tmp`);
    const deadFailure = path.join(e.diskDir, 'dead', `.7.json.${deadPid}-00ff00ff.tmp`);
    const live = path.join(e.diskDir, '2', `.8.jpg.${process.pid}-deadbeef.tmp`);
    // pid 1 is alive, but no write takes two hours.
    const old = path.join(e.diskDir, '2', '.9.jpg.1-12345678.tmp');
    const notOurs = path.join(e.diskDir, '2', 'notes.tmp');
    for (const f of [dead, deadFailure, live, old, notOurs]) writeFileSync(f, 'partial');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    utimesSync(old, twoHoursAgo, twoHoursAgo);

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
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(deadFailure)).toBe(false);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(notOurs)).toBe(true);
  });
});

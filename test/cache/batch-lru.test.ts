import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MipmapCache } from '../../src/cache/mipmap-cache.js';
import type { ThumbSubject } from '../../src/cache/types.js';
import { makePhoto, prefs, subjectOf, tempEnv, testMaker, type TempEnv } from './helpers.js';

/*
 * Thumbnails only a batch run (generateMissing, the lighttable's `g`) asked for go to disk,
 * not into the memory LRU: a run over a whole library would otherwise churn the LRU through
 * thumbnails nobody looks at (and the process's RSS with it, bench/generation.ts). What the
 * grid asks for, and anything the disk cannot take, stays in memory.
 */
let t: TempEnv;
const opened: MipmapCache[] = [];
beforeEach(() => {
  t = tempEnv('tt-batch-lru-');
});
afterEach(async () => {
  for (const c of opened.splice(0)) await c.close();
  t.cleanup();
});

async function open(diskBackend: boolean): Promise<MipmapCache> {
  const c = await MipmapCache.open({
    libraryPath: t.libraryPath,
    diskDir: t.diskDir,
    cacheFile: t.cacheFile,
    prefs: prefs({ concurrency: 2, diskBackend }),
    makeThumbnails: await testMaker(),
  });
  opened.push(c);
  return c;
}

async function photos(n: number): Promise<ThumbSubject[]> {
  const out: ThumbSubject[] = [];
  for (let i = 0; i < n; i++) {
    const file = path.join(t.root, `p${i}.jpg`);
    await makePhoto(file, 900, 600, i + 1);
    out.push(await subjectOf(i + 1, file));
  }
  return out;
}

describe('batch-made thumbnails and the memory LRU', () => {
  it('with the disk backend, a batch run writes every level to disk and keeps none in memory; a later grid request reads it back into memory', async () => {
    const cache = await open(true);
    const subjects = await photos(5);
    const summary = await cache.generateMissing({ subjects, minLevel: 0, maxLevel: 2, retryFailed: false });
    expect(summary).toMatchObject({ generated: 5, failed: [] });
    for (const s of subjects) for (const level of [0, 1, 2] as const) expect(existsSync(cache.diskPath(s.id, level))).toBe(true);
    expect(cache.memoryStats().entries).toBe(0);

    const shown = await cache.get(subjects[2]!, 1);
    expect(shown).toMatchObject({ ok: true, id: 3, level: 1 });
    expect(cache.peek(subjects[2]!, 1)).toMatchObject({ ok: true, id: 3 });
  });

  it('a grid request that joins a batch job keeps its thumbnails in memory', async () => {
    const cache = await open(true);
    const subjects = await photos(4);
    const run = cache.generateMissing({ subjects, minLevel: 0, maxLevel: 2, retryFailed: false });
    // Asked while the batch has it queued or running: the grid's request joins that job.
    const shown = await cache.get(subjects[3]!, 2);
    expect(shown).toMatchObject({ ok: true, id: 4, level: 2 });
    await run;
    expect(cache.peek(subjects[3]!, 2)).toMatchObject({ ok: true, id: 4 });
    for (const s of subjects.slice(0, 3)) expect(cache.peek(s, 2)).toBeUndefined();
  });

  it('without the disk backend, a batch run keeps what it made in memory (there is nowhere else)', async () => {
    const cache = await open(false);
    const subjects = await photos(3);
    await cache.generateMissing({ subjects, minLevel: 0, maxLevel: 2, retryFailed: false });
    expect(cache.memoryStats().entries).toBe(9);
  });
});

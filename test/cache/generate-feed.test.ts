import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MipmapCache } from '../../src/cache/mipmap-cache.js';
import type { ThumbSubject } from '../../src/cache/types.js';
import { IdFeed } from '../../src/cli/import-feed.js';
import { makePhoto, prefs, subjectOf, tempEnv, testMaker, waitFor, type TempEnv } from './helpers.js';

/*
 * generateMissing fed by an import (an IdFeed): what has arrived is made while the source
 * waits for its next batch. The look-ahead used to wait for eight images (or the feed's end)
 * before starting the first, so an import's first batch ran one thumbnail job at a time.
 */

let t: TempEnv;
const opened: MipmapCache[] = [];

beforeEach(() => {
  t = tempEnv('tt-gen-feed-');
});
afterEach(async () => {
  for (const c of opened.splice(0)) await c.close();
  t.cleanup();
});

async function photos(n: number): Promise<ThumbSubject[]> {
  const out: ThumbSubject[] = [];
  for (let i = 0; i < n; i++) {
    const f = path.join(t.root, `p${i}.jpg`);
    await makePhoto(f, 900, 600, i);
    out.push(await subjectOf(i + 1, f));
  }
  return out;
}

describe('generateMissing from a feed that is still open', () => {
  it('makes the images already fed, in parallel, before the feed has more or has ended', async () => {
    const [a, b, c] = await photos(3);
    const cache = await MipmapCache.open({
      libraryPath: t.libraryPath,
      diskDir: t.diskDir,
      cacheFile: t.cacheFile,
      prefs: prefs({ concurrency: 2 }),
      makeThumbnails: await testMaker(),
    });
    opened.push(cache);
    const feed = new IdFeed();
    const byId = new Map([a!, b!, c!].map((s) => [s.id, s]));
    const subjects = (async function* () {
      for await (const ids of feed) for (const id of ids) yield byId.get(id)!;
    })();
    const run = cache.generateMissing({ subjects, minLevel: 0, maxLevel: 2 });
    feed.push([a!.id, b!.id]);
    // Both are made (every level on disk) while the feed is open and holds nothing more.
    await waitFor(() => [a!, b!].every((s) => [0, 1, 2].every((l) => existsSync(cache.diskPath(s.id, l as 0 | 1 | 2)))));
    feed.push([c!.id]);
    feed.end();
    expect(await run).toMatchObject({ generated: 3, present: 0, failed: [], aborted: false });
    expect(existsSync(cache.diskPath(c!.id, 2))).toBe(true);
  });

  it('an abort while the feed waits ends the run once the feed moves, and nothing queued is made', async () => {
    const [a, b] = await photos(2);
    const cache = await MipmapCache.open({
      libraryPath: t.libraryPath,
      diskDir: t.diskDir,
      cacheFile: t.cacheFile,
      prefs: prefs({ concurrency: 1 }),
      makeThumbnails: await testMaker(),
    });
    opened.push(cache);
    const feed = new IdFeed();
    const byId = new Map([a!, b!].map((s) => [s.id, s]));
    const subjects = (async function* () {
      for await (const ids of feed) for (const id of ids) yield byId.get(id)!;
    })();
    const ac = new AbortController();
    const run = cache.generateMissing({ subjects, minLevel: 0, maxLevel: 1, signal: ac.signal });
    feed.push([a!.id]);
    await waitFor(() => existsSync(cache.diskPath(a!.id, 1)));
    ac.abort();
    feed.push([b!.id]);
    feed.end();
    const summary = await run;
    expect(summary.aborted).toBe(true);
    expect(summary.generated).toBe(1);
    expect(existsSync(cache.diskPath(b!.id, 0))).toBe(false);
  });
});

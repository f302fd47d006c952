import { readFileSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { colorKey, isFresh, type CachedThumb } from '../../src/cache/entry.js';
import type { MakeThumbnailsResult, ThumbnailMaker } from '../../src/cache/maker.js';
import { MipmapCache, type MipmapCacheOptions } from '../../src/cache/mipmap-cache.js';
import { LEVEL_SIZES, type Level, type ThumbSubject } from '../../src/cache/types.js';
import { corpus } from '../helpers/corpus.js';
import { makePhoto, prefs, subjectOf, tempEnv, testMaker, waitFor, type TempEnv } from './helpers.js';

let t: TempEnv;
let realMaker: ThumbnailMaker;
let calls: string[];
const open: MipmapCache[] = [];

beforeEach(async () => {
  t = tempEnv();
  realMaker ??= await testMaker();
  calls = [];
});
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
  t.cleanup();
});

const counted: ThumbnailMaker = async (s, o) => {
  calls.push(`${s.id}:${o.levels.join(',')}`);
  return realMaker(s, o);
};

async function openCache(over: Partial<MipmapCacheOptions> = {}): Promise<MipmapCache> {
  const c = await MipmapCache.open({
    libraryPath: t.libraryPath,
    diskDir: t.diskDir,
    cacheFile: t.cacheFile,
    prefs: prefs(),
    makeThumbnails: counted,
    ...over,
  });
  open.push(c);
  return c;
}

/** A camera-sized photo made here, for tests that need "some JPEG" rather than a corpus file. */
async function tmpPhoto(name: string, width = 1600, height = 1067, seed = 0): Promise<string> {
  const dest = path.join(t.root, name);
  await makePhoto(dest, width, height, seed);
  return dest;
}

/** A JPEG cut in half: its decode fails. */
async function tmpTruncated(name: string): Promise<string> {
  const dest = await tmpPhoto(name, 800, 600);
  writeFileSync(dest, readFileSync(dest).subarray(0, statSync(dest).size >> 1));
  return dest;
}

describe('MipmapCache on real files', () => {
  it('makes an upright thumbnail of a real photo, writes it through to disk 0600 in a 0700 folder', async () => {
    const cache = await openCache();
    // Stored portrait with EXIF orientation 6: landscape once upright.
    const file = path.join(t.root, 'orient-6.jpg');
    await sharp({ create: { width: 400, height: 600, channels: 3, background: '#6080a0' } }).withMetadata({ orientation: 6 }).jpeg().toFile(file);
    const r = await cache.get(await subjectOf(1, file), 1);
    expect(r).toMatchObject({ ok: true, level: 1 });
    if (!r.ok) return;
    expect(Math.max(r.width, r.height)).toBeLessThanOrEqual(LEVEL_SIZES[1]);
    expect(r.width).toBeGreaterThan(r.height); // landscape once upright
    const disk = cache.diskPath(1, 1);
    expect(statSync(disk).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(disk)).mode & 0o777).toBe(0o700);
    const meta = await sharp(disk).metadata();
    expect([meta.width, meta.height]).toEqual([r.width, r.height]);
    // Smaller levels came from the same decode.
    expect(calls).toEqual(['1:0,1']);
    expect(cache.peek(await subjectOf(1, file), 0)).toMatchObject({ ok: true, level: 0 });
  });

  it('serves the second look from memory, then from disk in a new process-like instance', async () => {
    const file = await tmpPhoto('nikon-d70.jpg', 1600, 1067, 1);
    const s = await subjectOf(3, file);
    const a = await openCache({ saveCacheFile: false });
    await a.get(s, 2);
    await a.get(s, 2);
    expect(calls.length).toBe(1);
    expect(a.memoryStats()).toMatchObject({ hits: 1, misses: 1 });
    const b = await openCache({ loadCacheFile: false });
    expect(await b.get(s, 2)).toMatchObject({ ok: true });
    expect(calls.length).toBe(1);
  });

  it('remakes a thumbnail when the file is touched, rewritten or rotated by the user', async () => {
    const file = await tmpPhoto('sony-dsc-p52.jpg', 1600, 1067, 2);
    const cache = await openCache();
    let s = await subjectOf(5, file);
    const first = await cache.get(s, 1);
    expect(calls.length).toBe(1);

    const later = new Date(Date.now() + 60_000);
    utimesSync(file, later, later);
    expect((await cache.get(s, 1)).ok).toBe(true);
    expect(calls.length).toBe(2);

    await makePhoto(file, 300, 700);
    const rewritten = await cache.get(s, 1);
    expect(calls.length).toBe(3);
    expect(rewritten.ok && rewritten.height > rewritten.width).toBe(true);

    s = { ...s, rotation: 1 };
    const turned = await cache.get(s, 1);
    expect(calls.length).toBe(4);
    expect(turned.ok && turned.width > turned.height).toBe(true);
    expect(first.ok).toBe(true);
    // And the disk copy carries the new facts: a fresh instance does not remake it.
    const again = await openCache({ loadCacheFile: false });
    expect((await again.get(s, 1)).ok).toBe(true);
    expect(calls.length).toBe(4);
  });

  it('a colour-management change makes thumbnails stale at once', async () => {
    const file = await tmpPhoto('fujifilm-finepix-s5500.jpg', 1600, 1067, 3);
    const cache = await openCache();
    const s = await subjectOf(6, file);
    await cache.get(s, 0);
    await cache.get(s, 0);
    expect(calls.length).toBe(1);
    cache.setPreferences(prefs({ colorManagement: false }));
    expect((await cache.get(s, 0)).ok).toBe(true);
    expect(calls.length).toBe(2);
    cache.setPreferences(prefs({ colorManagement: false, monitorProfile: '/nonexistent/monitor.icc' }));
    await cache.get(s, 0);
    expect(calls.length).toBe(3);
  });

  it('a file gone after caching gives the cached thumbnail marked offline, not a skull', async () => {
    const file = await tmpPhoto('kodak-dx4330.jpg', 1600, 1067, 4);
    const s = await subjectOf(7, file);
    const a = await openCache({ saveCacheFile: false });
    expect(await a.get(s, 0)).toMatchObject({ ok: true });
    unlinkSync(file);
    expect(await a.get(s, 0)).toMatchObject({ ok: true, offline: true });
    // From disk alone too.
    const b = await openCache({ loadCacheFile: false });
    expect(await b.get(s, 0)).toMatchObject({ ok: true, offline: true });
    // A level never made is a 'missing' failure.
    expect(await b.get(s, 3)).toMatchObject({ ok: false, cause: 'missing' });
  });

  it('each cause: missing, unsupported, memory', async () => {
    const cache = await openCache();
    expect(await cache.get(await subjectOf(10, path.join(t.root, 'nope.jpg')), 0)).toMatchObject({ ok: false, cause: 'missing' });
    const corrupt = await cache.get(await subjectOf(11, corpus('bad/corrupt-header.jpg')), 0);
    expect(corrupt).toMatchObject({ ok: false, cause: 'unsupported' });
    expect(corrupt.ok ? '' : corrupt.detail).not.toBe('');
    expect(await cache.get(await subjectOf(12, corpus('bad/zero-bytes.jpg')), 0)).toMatchObject({ ok: false, cause: 'unsupported' });
    expect(await cache.get(await subjectOf(13, corpus('bad/bomb-65536x65536.png')), 0)).toMatchObject({ ok: false, cause: 'memory' });
  });

  it('remembers a failure (no retry storm, across instances) and retries on change and on demand', async () => {
    const file = await tmpTruncated('broken.jpg');
    const s = await subjectOf(20, file);
    const a = await openCache();
    expect((await a.get(s, 1)).ok).toBe(false);
    expect((await a.get(s, 1)).ok).toBe(false);
    expect((await a.get(s, 0)).ok).toBe(false);
    expect(calls.length).toBe(1);
    expect(a.peek(s, 1)).toMatchObject({ ok: false });

    const b = await openCache({ loadCacheFile: false });
    expect((await b.get(s, 1)).ok).toBe(false);
    expect(calls.length).toBe(1);
    expect((await b.failures()).map((d) => d.id)).toEqual([20]);

    expect(await b.retryFailed([20])).toBe(1);
    expect((await b.get(s, 1)).ok).toBe(false);
    expect(calls.length).toBe(2);

    await makePhoto(file, 640, 480); // the file is replaced by a good one
    expect(await b.get(s, 1)).toMatchObject({ ok: true });
    expect(calls.length).toBe(3);
    expect(await b.failures()).toEqual([]);
  });

  it('a missing file that reappears is retried', async () => {
    const file = path.join(t.root, 'later.jpg');
    const cache = await openCache();
    const s = await subjectOf(30, file);
    expect(await cache.get(s, 0)).toMatchObject({ ok: false, cause: 'missing' });
    await makePhoto(file, 200, 200);
    expect(await cache.get(s, 0)).toMatchObject({ ok: true });
  });

  it('duplicate requests for the same image and level share one job', async () => {
    const file = await tmpPhoto('olympus-c720uz.jpg', 1600, 1067, 5);
    const cache = await openCache();
    const s = await subjectOf(40, file);
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => cache.get(s, 2)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(calls.length).toBe(1);
  });

  it('bestEffort gives the nearest level in memory as a stand-in', async () => {
    const file = await tmpPhoto('nikon-d70.jpg', 1600, 1067, 1);
    const cache = await openCache();
    const s = await subjectOf(41, file);
    expect(cache.bestEffort(s, 2)).toBeUndefined();
    await cache.get(s, 1);
    expect(cache.bestEffort(s, 3)?.level).toBe(1);
    expect(cache.bestEffort(s, 0)?.level).toBe(0);
    expect(cache.bestEffort({ ...s, rotation: 2 }, 1)).toBeUndefined();
  });

  it('the LRU stays inside its byte bound and shrinks at once when the preference changes', async () => {
    const cache = await openCache({ prefs: prefs({ cacheSizeMB: 0.25, diskBackend: false }) });
    for (let i = 0; i < 8; i++) {
      const f = path.join(t.root, `big${i}.jpg`);
      await makePhoto(f, 1600, 1200, i);
      await cache.get(await subjectOf(100 + i, f), 2);
      const st = cache.memoryStats();
      expect(st.bytes).toBeLessThanOrEqual(st.maxBytes);
    }
    const before = cache.memoryStats();
    expect(before.evictions).toBeGreaterThan(0);
    cache.setPreferences(prefs({ cacheSizeMB: 0.05, diskBackend: false }));
    const after = cache.memoryStats();
    expect(after.maxBytes).toBe(Math.floor(0.05 * 1024 * 1024));
    expect(after.bytes).toBeLessThanOrEqual(after.maxBytes);
    expect(after.entries).toBeLessThan(before.entries);
    expect(after.evictions).toBeGreaterThan(before.evictions);
  });

  it('generateMissing makes what is missing once, reports failures, skips present and remembered ones', async () => {
    const subjects: ThumbSubject[] = [];
    for (let i = 0; i < 6; i++) {
      const f = path.join(t.root, `g${i}.jpg`);
      await makePhoto(f, 800, 600, i);
      subjects.push(await subjectOf(200 + i, f));
    }
    subjects.push(await subjectOf(299, await tmpTruncated('corrupt.jpg')));
    const cache = await openCache();
    const progress: number[] = [];
    const first = await cache.generateMissing({ subjects, minLevel: 0, maxLevel: 2, onProgress: (p) => progress.push(p.seen) });
    expect(first).toMatchObject({ generated: 6, present: 0, aborted: false });
    expect(first.failed).toEqual([expect.objectContaining({ id: 299, cause: 'unsupported' })]);
    expect(calls.length).toBe(7);
    expect(calls.filter((c) => c.endsWith('0,1,2')).length).toBe(7); // one decode per image
    expect(progress.length).toBeGreaterThan(0);

    const second = await cache.generateMissing({ subjects, maxLevel: 2 });
    expect(second).toMatchObject({ generated: 0, present: 6 });
    expect(second.failed.map((f) => f.id)).toEqual([299]);
    expect(calls.length).toBe(7);

    const third = await cache.generateMissing({ subjects, maxLevel: 3, retryFailed: true });
    expect(third.generated).toBe(6);
    expect(calls.length).toBe(14);
    expect(calls.slice(7).filter((c) => c.endsWith(':3')).length).toBe(6); // only level 3 was missing
  });
});

describe('MipmapCache queue: priorities and cancellation', () => {
  function gated(): { maker: ThumbnailMaker; release: () => void; started: number[] } {
    const started: number[] = [];
    const gates: (() => void)[] = [];
    const maker: ThumbnailMaker = async (s, o) => {
      started.push(s.id);
      await new Promise<void>((r) => gates.push(r));
      const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } }).jpeg().toBuffer();
      const result: MakeThumbnailsResult = {
        ok: true,
        thumbs: o.levels.map((level) => ({ level, jpeg, width: 8, height: 8, source: 'processed' as const })),
      };
      return result;
    };
    return { maker, started, release: () => gates.splice(0).forEach((g) => g()) };
  }

  it('visible before prefetch before batch; aborted and scrolled-away work never starts', async () => {
    const g = gated();
    const cache = await openCache({ prefs: prefs({ concurrency: 1, diskBackend: false }), makeThumbnails: g.maker });
    const files: string[] = [];
    for (let i = 0; i < 6; i++) {
      const f = path.join(t.root, `q${i}.jpg`);
      await makePhoto(f, 64, 64, i);
      files.push(f);
    }
    const s = await Promise.all(files.map((f, i) => subjectOf(i + 1, f)));
    const level: Level = 0;
    const blocker = cache.get(s[0]!, level, { priority: 'batch' });
    await waitFor(() => g.started.length === 1);
    const batch = cache.get(s[1]!, level, { priority: 'batch' });
    const prefetch = cache.get(s[2]!, level, { priority: 'prefetch' });
    const ac = new AbortController();
    const aborted = cache.get(s[3]!, level, { priority: 'visible', signal: ac.signal });
    const visible = cache.get(s[4]!, level, { priority: 'visible' });
    const away = cache.get(s[5]!, level, { priority: 'prefetch' });
    await waitFor(() => cache.memoryStats().queue.queued === 5);
    ac.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    expect(cache.cancelStale(new Set([1, 2, 3, 5]))).toBe(1); // id 6 scrolled away; batch id 2 untouched
    await expect(away).rejects.toMatchObject({ name: 'AbortError' });

    const pump = setInterval(g.release, 5);
    try {
      await Promise.all([blocker, batch, prefetch, visible]);
    } finally {
      clearInterval(pump);
    }
    expect(g.started).toEqual([1, 5, 3, 2]);
  });

  it('an aborted generateMissing stops queued work; close() stops a running decode without remembering a failure', async () => {
    const g = gated();
    const cache = await openCache({ prefs: prefs({ concurrency: 1, diskBackend: false }), makeThumbnails: g.maker });
    const subjects: ThumbSubject[] = [];
    for (let i = 0; i < 5; i++) {
      const f = path.join(t.root, `a${i}.jpg`);
      await makePhoto(f, 64, 64, i);
      subjects.push(await subjectOf(i + 1, f));
    }
    const ac = new AbortController();
    const run = cache.generateMissing({ subjects, maxLevel: 1, signal: ac.signal });
    await waitFor(() => g.started.length === 1);
    ac.abort();
    g.release();
    const summary = await run;
    expect(summary.aborted).toBe(true);
    expect(g.started.length).toBe(1);

    // A decode that honours the signal, still running when close() is called.
    const slow: ThumbnailMaker = (_s, o) =>
      new Promise((resolve) => o.signal?.addEventListener('abort', () => resolve({ ok: false, cause: 'unsupported', detail: 'aborted' })));
    const c2 = await openCache({ prefs: prefs({ diskBackend: false }), makeThumbnails: slow });
    const pending = c2.get(subjects[0]!, 0);
    await waitFor(() => c2.memoryStats().queue.running === 1);
    const rejected = expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await c2.close();
    await rejected;
    expect(await c2.failures()).toEqual([]);
  });

  it('notifies subscribers with a stable snapshot (useSyncExternalStore contract)', async () => {
    const cache = await openCache({ prefs: prefs({ diskBackend: false }) });
    let notified = 0;
    const unsubscribe = cache.subscribe(() => notified++);
    const snap0 = cache.getSnapshot();
    expect(cache.getSnapshot()).toBe(snap0);
    const f = path.join(t.root, 'n.jpg');
    await makePhoto(f, 100, 100);
    await cache.get(await subjectOf(1, f), 0);
    await waitFor(() => cache.getSnapshot().done === 1);
    expect(notified).toBeGreaterThan(0);
    unsubscribe();
  });
});

describe('freshness rules', () => {
  const entry: CachedThumb = {
    id: 1, level: 2, jpeg: Buffer.alloc(0), width: 1, height: 1, source: 'embedded',
    rotation: 0, processedAsked: false, fileSize: 10, mtime: 20, colorKey: 7,
  };
  const need = { facts: { fileSize: 10, mtime: 20 }, rotation: 0, colorKey: 7, wantProcessed: false, forceProcessed: false };
  it('embedded thumbnails go stale when the preference wants decoding, unless decoding was already asked', () => {
    expect(isFresh(entry, need)).toBe(true);
    expect(isFresh(entry, { ...need, wantProcessed: true })).toBe(false);
    expect(isFresh({ ...entry, processedAsked: true }, { ...need, wantProcessed: true })).toBe(true);
    expect(isFresh({ ...entry, processedAsked: true }, { ...need, wantProcessed: true, forceProcessed: true })).toBe(false);
    expect(isFresh({ ...entry, source: 'processed' }, { ...need, forceProcessed: true })).toBe(true);
    expect(isFresh(entry, { ...need, facts: { fileSize: 11, mtime: 20 } })).toBe(false);
    expect(isFresh(entry, { ...need, rotation: 1 })).toBe(false);
    expect(isFresh(entry, { ...need, colorKey: 8 })).toBe(false);
    expect(colorKey(true, null)).not.toBe(colorKey(false, null));
    expect(colorKey(true, '/a.icc')).not.toBe(colorKey(true, null));
  });
});

describe('embedded and processed sources', () => {
  it('a raw gives its embedded preview; the full preview and a preference change replace it with decoded pixels', async () => {
    const file = corpus('raw/canon-eos-d30.crw');
    const cache = await openCache({ prefs: prefs({ diskBackend: false }) });
    const s = await subjectOf(50, file);
    expect(await cache.get(s, 1)).toMatchObject({ ok: true, source: 'embedded' });
    expect(cache.peek(s, 0)).toMatchObject({ ok: true, source: 'embedded' });

    // Opening the full preview: decoded, and the smaller embedded ones are replaced too.
    expect(await cache.get(s, 2, { processed: true })).toMatchObject({ ok: true, source: 'processed' });
    expect(cache.peek(s, 1)).toMatchObject({ ok: true, source: 'processed' });
    expect(cache.peek(s, 0)).toMatchObject({ ok: true, source: 'processed' });
    const callsAfterPreview = calls.length;
    expect(await cache.get(s, 1)).toMatchObject({ ok: true, source: 'processed' });
    expect(calls.length).toBe(callsAfterPreview);

    // Another raw under 'never', then the preference moves to decoding from mip1 up.
    const s2 = await subjectOf(51, corpus('raw/canon-eos-1ds-mk3-truncated.cr2'));
    expect(await cache.get(s2, 1)).toMatchObject({ ok: true, source: 'embedded' });
    cache.setPreferences(prefs({ diskBackend: false, thumbnailSource: 'mip1' }));
    const before = calls.length;
    // The truncated CR2 has no raw data: it stays embedded, made once under the new preference, not again and again.
    expect((await cache.get(s2, 1)).ok).toBe(true);
    expect((await cache.get(s2, 1)).ok).toBe(true);
    expect(calls.length).toBe(before + 1);
    expect(await cache.get(s, 0)).toMatchObject({ ok: true });
  });
});

import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { ThumbnailMaker } from '../../src/cache/maker.js';
import { MipmapCache } from '../../src/cache/mipmap-cache.js';
import { makePhoto, prefs, subjectOf, tempEnv, testMaker, type TempEnv } from './helpers.js';

/**
 * One file whose decode never ends (a loader stuck in native code, deaf to every signal) holds
 * its queue slot only for the per-file budget: it becomes a skull with that cause, and the
 * files queued behind it on a one-slot queue get their thumbnails.
 */
const envs: TempEnv[] = [];
afterEach(() => {
  for (const e of envs.splice(0)) e.cleanup();
});

describe('per-file time budget of a thumbnail job', () => {
  it('a decode that never returns is given up as unsupported and the queue goes on', { timeout: 120_000 }, async () => {
    const t = tempEnv('tt-job-budget-');
    envs.push(t);
    const files = ['stuck.jpg', 'a.jpg', 'b.jpg', 'c.jpg'].map((n) => path.join(t.root, n));
    await Promise.all(files.map((f, i) => makePhoto(f, 640, 480, i)));
    const real = await testMaker();
    let stuckSignal: AbortSignal | undefined;
    // The real decoder, except for one file whose decode never settles and ignores its signal.
    const maker: ThumbnailMaker = (subject, options) => {
      if (path.basename(subject.path) !== 'stuck.jpg') return real(subject, options);
      stuckSignal = options.signal;
      return new Promise(() => {});
    };
    const cache = await MipmapCache.open({
      libraryPath: t.libraryPath,
      diskDir: t.diskDir,
      cacheFile: t.cacheFile,
      prefs: prefs({ concurrency: 1, diskBackend: true }),
      makeThumbnails: maker,
      // Generous beside the ~50 ms a 640x480 JPEG takes, short beside a test timeout.
      jobTimeoutMs: 8_000,
      loadCacheFile: false,
      saveCacheFile: false,
    });
    try {
      const subjects = await Promise.all(files.map((f, i) => subjectOf(i + 1, f)));
      // The stuck file first, on a single slot: everything else waits behind it.
      const results = await Promise.all(subjects.map((s) => cache.get(s, 1, { priority: 'batch' })));
      const [stuck, ...rest] = results;
      expect(stuck).toMatchObject({ ok: false, cause: 'unsupported', detail: 'gave up after 8 s decoding: over the per-file time budget' });
      // What listens to the job's signal (a raw decoder, a HEIC worker) is told to stop.
      expect(stuckSignal?.aborted).toBe(true);
      for (const r of rest) {
        expect(r.ok).toBe(true);
        if (!r.ok) continue;
        const meta = await sharp(r.jpeg).metadata();
        expect([meta.format, Math.max(meta.width ?? 0, meta.height ?? 0)]).toEqual(['jpeg', 256]);
      }
      // The failure is remembered like any other: the lighttable shows its skull.
      const again = await cache.get(subjects[0]!, 1);
      expect(again).toMatchObject({ ok: false, cause: 'unsupported' });
    } finally {
      await cache.close();
    }
  });
});

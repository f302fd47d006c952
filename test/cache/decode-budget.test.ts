import { copyFile, stat } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { ByteBudget, estimateDecodeBytes } from '../../src/cache/decode-budget.js';
import type { ThumbnailMaker } from '../../src/cache/maker.js';
import { MipmapCache } from '../../src/cache/mipmap-cache.js';
import { prefs, subjectOf, tempEnv, testMaker, type TempEnv } from './helpers.js';

const envs: TempEnv[] = [];
afterEach(() => {
  for (const e of envs.splice(0)) e.cleanup();
});

describe('ByteBudget', () => {
  it('lets jobs in while their bytes fit, in arrival order, and one bigger than the whole budget alone', async () => {
    const budget = new ByteBudget(100);
    const a = await budget.acquire(60);
    let bGot = false;
    let cGot = false;
    const b = budget.acquire(60).then((r) => ((bGot = true), r));
    const c = budget.acquire(10).then((r) => ((cGot = true), r));
    await new Promise((r) => setImmediate(r));
    // c would fit, but waits behind b: no starvation of big jobs.
    expect([bGot, cGot, budget.inUse]).toEqual([false, false, 60]);
    a();
    const releaseB = await b;
    const releaseC = await c;
    expect(budget.inUse).toBe(70);
    releaseB();
    releaseC();
    releaseC(); // twice is once
    expect(budget.inUse).toBe(0);
    const huge = await budget.acquire(10_000);
    expect(budget.inUse).toBe(100);
    huge();
  });
});

describe('decode memory in flight', () => {
  it('is estimated from the header: full pixels for PNG, shrink-on-load for a JPEG thumbnail', async () => {
    const e = tempEnv('tt-budget-');
    envs.push(e);
    const png = path.join(e.root, 'a.png');
    await sharp({ create: { width: 1000, height: 800, channels: 3, background: '#123456' } }).png().toFile(png);
    expect(await estimateDecodeBytes(png, 1, 512)).toBe(1000 * 800 * 4);
    const jpeg = path.join(e.root, 'b.jpg');
    await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#654321' } }).jpeg().toFile(jpeg);
    // 4000 / 512 → libjpeg decodes at 1/4.
    expect(await estimateDecodeBytes(jpeg, 1, 512)).toBe(1000 * 750 * 4);
  });

  it('is estimated from the file size for a raw, not from the thumbnail in its IFD0', async () => {
    const e = tempEnv('tt-budget-');
    envs.push(e);
    // A TIFF-based raw whose first IFD is a small thumbnail, as in DNG and NEF: libvips reads
    // that IFD (256x171), while what is decoded is a preview or dcraw_emu's TIFF.
    const dng = path.join(e.root, 'c.dng');
    await sharp({ create: { width: 256, height: 171, channels: 3, background: '#223344' } }).tiff().toFile(dng);
    const size = (await stat(dng)).size;
    expect(await estimateDecodeBytes(dng, size, 512)).toBe(size * 2);
    // The same bytes under a TIFF name are still measured from their header.
    const tif = path.join(e.root, 'c.tif');
    await copyFile(dng, tif);
    expect(await estimateDecodeBytes(tif, size, 512)).toBe(256 * 171 * 4);
  });

  it('is bounded in bytes: four big PNGs under a budget of one decode run one at a time at concurrency 4', async () => {
    const e = tempEnv('tt-budget-');
    envs.push(e);
    const files = await Promise.all(
      [0, 1, 2, 3].map(async (i) => {
        const f = path.join(e.root, `p${i}.png`);
        await sharp({ create: { width: 1500, height: 1500, channels: 3, background: { r: i * 40, g: 90, b: 60 } } }).png().toFile(f);
        return subjectOf(i + 1, f);
      }),
    );
    const real = await testMaker();
    let inFlight = 0;
    let most = 0;
    const counting: ThumbnailMaker = async (subject, opts) => {
      most = Math.max(most, ++inFlight);
      try {
        return await real(subject, opts);
      } finally {
        inFlight--;
      }
    };
    const cache = await MipmapCache.open({
      libraryPath: e.libraryPath,
      prefs: prefs({ concurrency: 4, diskBackend: false }),
      makeThumbnails: counting,
      diskDir: e.diskDir,
      cacheFile: e.cacheFile,
      loadCacheFile: false,
      saveCacheFile: false,
      // One 1500x1500 RGBA decode (9 MB) fits, two do not.
      decodeBudgetBytes: 12 * 1024 * 1024,
    });
    try {
      const summary = await cache.generateMissing({ subjects: files });
      expect(summary).toMatchObject({ generated: 4, failed: [] });
      expect(most).toBe(1);
    } finally {
      await cache.close();
    }
  }, 60_000);
});

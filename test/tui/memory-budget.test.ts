import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createRenderer, testCaps } from '../../src/render/index.js';
import { budgetLines, memoryBudget } from '../../src/tui/memory-budget.js';

describe('memory budget', () => {
  it('shares cacheSizeMB between thumbnails, encoded pictures and the loupe, never more than the preference', () => {
    for (const mb of [1, 16, 64, 512, 4096]) {
      const b = memoryBudget(mb);
      expect(b.thumbnails + b.pictures + b.loupe).toBeLessThanOrEqual(mb * 1024 * 1024);
      expect(b.pictures).toBeGreaterThan(0);
      expect(b.thumbnails).toBeGreaterThan(0);
      expect(b.loupe).toBeGreaterThan(0);
    }
    // The default holds two 24 MP loupe sources (6000x4000 RGB) for the culling view.
    expect(memoryBudget(512).loupe).toBeGreaterThanOrEqual(2 * 6000 * 4000 * 3);
  });

  it('the encoded-picture cache evicts by bytes, keeping the most recent when the bound shrinks', async () => {
    const r = createRenderer(testCaps('kitty'), { cacheBytes: 64 * 1024 * 1024 });
    const inputs = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => ({
        key: `grain-${i}`,
        data: await sharp({ create: { width: 400, height: 300, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 100 + i, sigma: 50 } } })
          .jpeg()
          .toBuffer(),
        width: 400,
        height: 300,
      })),
    );
    const sizes: number[] = [];
    const images = [];
    for (const input of inputs) {
      const img = await r.render(input, { cols: 30, rows: 12 });
      images.push(img);
      sizes.push(img.byteLength);
    }
    const each = Math.max(...sizes);
    expect(r.stats().entries).toBe(12);
    r.setCacheBytes(each * 3.5);
    const s = r.stats();
    expect(s.bytes).toBeLessThanOrEqual(each * 3.5);
    expect(s.entries).toBe(3);
    // The most recent survive (a hit returns the very same object); the oldest were dropped.
    expect(await r.render(inputs[11]!, { cols: 30, rows: 12 })).toBe(images[11]);
    expect(await r.render(inputs[0]!, { cols: 30, rows: 12 })).not.toBe(images[0]);
    await r.close();
  });

  it('the picture writer thread, once started, is a part of the sum against cacheSizeMB', () => {
    const MiB = 1024 * 1024;
    const share = (bytes: number, maxBytes: number) => ({ bytes, maxBytes });
    const use = { thumbnails: share(4 * MiB, 8 * MiB), pictures: share(2 * MiB, 16 * MiB), workers: 1, workerBytes: 16 * MiB, loupe: share(0, 4 * MiB) };
    expect(budgetLines(64, use).at(-1)).toBe('counted against cacheSizeMB 64: 22.0 MB of 64.0 MB (thumbnails 4.0 + pictures 2.0 + sixel workers 16.0 + loupe 0.0)');
    expect(budgetLines(64, { ...use, writerBytes: 10 * MiB }).at(-1)).toBe(
      'counted against cacheSizeMB 64: 32.0 MB of 64.0 MB (thumbnails 4.0 + pictures 2.0 + sixel workers 16.0 + picture writer thread 10.0 + loupe 0.0)',
    );
  });
});

import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { CachedThumb } from '../../src/cache/entry.js';
import { entrySize, thumbLru } from '../../src/cache/memory-lru.js';

const MiB = 1024 * 1024;

async function thumb(id: number, px: number): Promise<CachedThumb> {
  const jpeg = await sharp({ create: { width: px, height: px, channels: 3, background: '#345', noise: { type: 'gaussian', mean: 100 + id, sigma: 40 } } })
    .jpeg({ quality: 90 })
    .toBuffer();
  return { id, level: 1, jpeg, width: px, height: px, source: 'processed', rotation: 0, processedAsked: false, colorKey: 0, fileSize: 1, mtime: 1 };
}

describe('thumbLru (the mipmap cache memory level)', () => {
  it('evicts by the bytes of its JPEGs, least recently used first, counting only evictions', async () => {
    const thumbs = await Promise.all(Array.from({ length: 10 }, (_, i) => thumb(i, 160 + i * 20)));
    const total = thumbs.reduce((n, t) => n + entrySize(t), 0);
    // Each entry costs its JPEG's bytes (tens of kB of noise) and a small overhead.
    for (const t of thumbs) expect(entrySize(t)).toBeGreaterThan(t.jpeg.byteLength);
    expect(Math.min(...thumbs.map((t) => t.jpeg.byteLength))).toBeGreaterThan(4096);

    const boundMB = total / 3 / MiB;
    let evictions = 0;
    const lru = thumbLru(boundMB, () => evictions++);
    lru.set('keep', thumbs[0]!);
    for (let i = 1; i < thumbs.length; i++) {
      lru.set(`t${i}`, thumbs[i]!);
      lru.get('keep'); // used on every step: the oldest of the others go first
      expect(lru.calculatedSize).toBeLessThanOrEqual(lru.maxSize);
    }
    expect(lru.maxSize).toBe(Math.floor(boundMB * MiB));
    expect(lru.has('keep')).toBe(true);
    expect(lru.has('t1')).toBe(false);
    expect(lru.has(`t${thumbs.length - 1}`)).toBe(true);
    expect(evictions).toBe(thumbs.length - lru.size);
    // A removal is not an eviction.
    lru.delete('keep');
    expect(evictions).toBe(thumbs.length - lru.size - 1);
  });

  it('a JPEG larger than the whole bound is not kept', async () => {
    const big = await thumb(1, 600);
    const lru = thumbLru(entrySize(big) / 2 / MiB, () => undefined);
    lru.set('big', big);
    expect(lru.has('big')).toBe(false);
    expect(lru.calculatedSize).toBe(0);
  });
});

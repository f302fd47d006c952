import { rm } from 'node:fs/promises';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { SIXEL_WORKER_BYTES } from '../../src/render/encoders/sixel-workers.js';
import { budgetLines, memoryBudget } from '../../src/tui/memory-budget.js';
import { makeCollection, makeStore, type Harness } from './fixture.js';

/*
 * The preferences pane's cache statistics show each part counted against cacheSizeMB: the
 * thumbnails, the encoded pictures, the sixel encoder's worker threads (their memory is part of
 * the encoded-picture share) and the loupe's sources, and their sum against the preference.
 */
const MiB = 1024 * 1024;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function harness(protocol: 'sixel' | 'kitty', cacheSizeMB: number): Promise<Harness> {
  const c = await makeCollection(3);
  const h = await makeStore(c.library, c.root, { protocol, prefs: { cacheSizeMB } });
  cleanups.push(async () => {
    await h.close();
    c.library.close();
    await rm(c.root, { recursive: true, force: true });
  });
  return h;
}

describe('cache statistics against the preference', () => {
  it('sixel: the workers are a line of their own, counted with the encoded pictures, and the sum names cacheSizeMB', async () => {
    const h = await harness('sixel', 16);
    const jpeg = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 120, sigma: 40 } } })
      .jpeg()
      .toBuffer();
    const img = await h.store.services.graphics.encode({ key: 'grain', data: jpeg, width: 320, height: 240 }, { cols: 20, rows: 8 });
    // The store may encode the collection's own thumbnails too (how many had been when the
    // pane is read depended on the machine's load): once it is idle, the pictures' bytes are
    // the renderer's count, read at the same moment as the lines.
    await h.store.idle();
    const lines = h.store.services.cache.describeStats();
    const pictureBytes = h.renderers.at(-1)!.stats().bytes;
    const share = memoryBudget(16).pictures;
    expect(pictureBytes).toBeGreaterThanOrEqual(img.byteLength);
    expect(lines).toContain(
      `sixel workers: 1, about ${(SIXEL_WORKER_BYTES / MiB).toFixed(1)} MB, counted with the encoded pictures: ${((pictureBytes + SIXEL_WORKER_BYTES) / MiB).toFixed(1)} MB of ${(share / MiB).toFixed(1)} MB (one worker is the least sixel needs)`,
    );
    const total = lines.find((l) => l.startsWith('counted against cacheSizeMB 16: '));
    expect(total).toBeDefined();
    expect(total).toContain('of 16.0 MB');
    expect(total).toContain(`pictures ${(pictureBytes / MiB).toFixed(1)} + sixel workers ${(SIXEL_WORKER_BYTES / MiB).toFixed(1)} + loupe 0.0`);
    // Each share still has its own line, in the order the pane always showed them.
    expect(lines[0]).toMatch(/^memory: \d+ thumbnails/);
    expect(lines[1]).toMatch(/^encoded pictures: [1-9]\d*, /);
    expect(lines[2]).toMatch(/^loupe full-size sources: 0/);
  });

  it('kitty: no worker line, and the sum is the caches alone', async () => {
    const h = await harness('kitty', 64);
    const lines = h.store.services.cache.describeStats();
    expect(lines.some((l) => l.startsWith('sixel workers'))).toBe(false);
    expect(lines).toContain('counted against cacheSizeMB 64: 0.0 MB of 64.0 MB (thumbnails 0.0 + pictures 0.0 + loupe 0.0)');
  });

  it('budgetLines adds every part, and says nothing of a share the workers fit in', () => {
    const use = {
      thumbnails: { bytes: 10 * MiB, maxBytes: 200 * MiB },
      pictures: { bytes: 20 * MiB, maxBytes: 128 * MiB },
      workers: 2,
      workerBytes: 32 * MiB,
      loupe: { bytes: 72 * MiB, maxBytes: 153 * MiB },
    };
    expect(budgetLines(512, use)).toEqual([
      'sixel workers: 2, about 32.0 MB, counted with the encoded pictures: 52.0 MB of 128.0 MB',
      'counted against cacheSizeMB 512: 134.0 MB of 512.0 MB (thumbnails 10.0 + pictures 20.0 + sixel workers 32.0 + loupe 72.0)',
    ]);
  });
});

import sharp from 'sharp';
import { decode } from 'sixel';
import { describe, expect, it } from 'vitest';
import { createSixelEncoder } from '../../src/render/encoders/sixel.js';
import { SIXEL_WORKER_BYTES, SIXEL_WORKER_LIMITS, sixelWorkerCount } from '../../src/render/encoders/sixel-workers.js';
import { memoryBudget } from '../../src/tui/memory-budget.js';

/**
 * The data string of a DCS sixel: the package's decode() reads the introducer and ST as sixels,
 * and the ST's backslash then paints past the right edge when the last band's last colour
 * ends there (1002 columns decoded for a 1000-px picture once, in CI).
 */
const sixelData = (dcs: string) => dcs.slice(dcs.indexOf('q') + 1, dcs.endsWith('\x1b\\') ? -2 : undefined);

describe('sixel workers sized by bytes', () => {
  it('counts the workers against the encoded-picture share: one under 16 and 64 MB, two at the default 512 MB', () => {
    const share = (mb: number) => memoryBudget(mb).pictures;
    expect(sixelWorkerCount(share(16), 2)).toBe(1);
    expect(sixelWorkerCount(share(64), 2)).toBe(1);
    expect(sixelWorkerCount(share(512), 2)).toBe(2);
    expect(sixelWorkerCount(share(4096), 8)).toBe(2);
    // Never more than the cores, never none.
    expect(sixelWorkerCount(share(512), 1)).toBe(1);
    expect(sixelWorkerCount(0, 2)).toBe(1);
    // Their cost stays within half the share wherever more than one runs.
    for (const mb of [16, 64, 128, 256, 512, 1024]) {
      const n = sixelWorkerCount(share(mb), 2);
      if (n > 1) expect(n * SIXEL_WORKER_BYTES).toBeLessThanOrEqual(share(mb) / 2);
    }
    // No share (the one-shot CLI): the cores decide.
    expect(sixelWorkerCount(undefined, 2)).toBe(2);
    expect(sixelWorkerCount(undefined, 1)).toBe(1);
  });

  it('a worker under its heap limits still encodes a full-screen 2000x1200 photo-like picture', { timeout: 120_000 }, async () => {
    expect(SIXEL_WORKER_LIMITS.maxYoungGenerationSizeMb).toBeLessThanOrEqual(4);
    const [w, h] = [2000, 1200];
    const jpeg = await sharp({ create: { width: w, height: h, channels: 3, background: '#6a8040', noise: { type: 'gaussian', mean: 110, sigma: 45 } } })
      .blur(1.5)
      .jpeg({ quality: 90 })
      .toBuffer();
    const enc = createSixelEncoder({ cellPx: { width: 10, height: 20 }, workers: 1 });
    try {
      const img = await enc.encode({ key: 'big', data: jpeg, width: w, height: h }, { cols: 200, rows: 60 });
      const pic = decode(sixelData(img.place!));
      expect([pic.width, pic.height]).toEqual([w, h]);
      // A second encode on the same (limited) worker: it did not die after the first.
      const again = await enc.encode({ key: 'big2', data: jpeg, width: w, height: h }, { cols: 100, rows: 30 });
      expect(decode(sixelData(again.place!)).width).toBe(1000);
    } finally {
      await enc.close?.();
    }
  });
});

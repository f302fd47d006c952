import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { paletteSize, paletteUnchanged, quantizeForSixel } from '../../src/render/encoders/sixel-core.js';
import { encoderSettings } from '../../src/render/renderer.js';
import type { TerminalCaps } from '../../src/render/types.js';

/**
 * A sixel picture never has more colours than the terminal has colour registers (XTSMGRAPHICS),
 * whatever number it reports: with more, the terminal reuses registers while it paints.
 */
async function photo(): Promise<{ data: Buffer; width: number; height: number }> {
  // Made here: a smooth gradient under noise, so every palette size is filled.
  const w = 320;
  const h = 200;
  const px = Buffer.alloc(w * h * 3);
  let seed = 7;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24) - 128;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      px[i] = Math.max(0, Math.min(255, (x * 255) / w + rnd() / 4));
      px[i + 1] = Math.max(0, Math.min(255, (y * 255) / h + rnd() / 4));
      px[i + 2] = Math.max(0, Math.min(255, 128 + rnd() / 2));
    }
  const data = await sharp(px, { raw: { width: w, height: h, channels: 3 } }).ensureAlpha().raw().toBuffer();
  return { data, width: w, height: h };
}

function distinct(rgba: Uint8Array): number {
  const seen = new Set<number>();
  for (let i = 0; i < rgba.length; i += 4) seen.add((rgba[i]! << 16) | (rgba[i + 1]! << 8) | rgba[i + 2]!);
  return seen.size;
}

describe('sixel palette within the terminal\'s colour registers', () => {
  it('paletteSize: the largest of 2, 4, 16 and 256 within the registers (the palette sizes libvips makes exactly)', () => {
    expect([1, 2, 3, 4, 8, 15, 16, 17, 64, 100, 255, 256, 1024, 65536, 0, Number.NaN].map(paletteSize)).toEqual([
      2, 2, 2, 4, 4, 4, 16, 16, 16, 16, 16, 256, 256, 256, 2, 2,
    ]);
  });

  it.each([2, 4, 8, 16, 32, 64, 100, 128, 200, 256, 1024])('%i registers: at most that many colours, and close to it', async (registers) => {
    const { data, width, height } = await photo();
    const q = await quantizeForSixel(data, width, height, registers);
    expect([q.width, q.height]).toEqual([width, height]);
    const n = distinct(q.rgba);
    expect(n).toBeLessThanOrEqual(Math.min(registers, 256));
    expect(n, 'the palette is used, not a few colours').toBeGreaterThan(paletteSize(registers) / 2);
  });

  it('the encoded-picture cache key changes only for register counts whose palette changed', () => {
    const caps = (sixelColors: number) => ({ protocol: 'sixel', cellPx: { width: 10, height: 20 }, sixelColors, sixelMaxPx: null }) as unknown as TerminalCaps;
    expect(encoderSettings(caps(256))).toMatch(/\|colors 256\|/);
    expect(encoderSettings(caps(1024))).toMatch(/\|colors 1024\|/);
    expect(encoderSettings(caps(16))).toMatch(/\|colors 16\|/);
    expect(encoderSettings(caps(64))).toMatch(/\|colors 64 palette 16\|/);
    expect(encoderSettings(caps(8))).toMatch(/\|colors 8 palette 4\|/);
    expect([2, 4, 16, 256, 4096].every(paletteUnchanged)).toBe(true);
    expect([3, 8, 64, 255].some(paletteUnchanged)).toBe(false);
  });
});

import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CLIPPING, markClipping } from '../../src/analysis/clipping.js';
import { applyOverlay } from '../../src/tui/pipeline/pixel-overlay.js';

/** A grey ramp 0…255 left to right, `rows` high, as interleaved RGB. */
function greyRamp(rows: number): Buffer {
  const px = Buffer.alloc(256 * rows * 3);
  for (let y = 0; y < rows; y++) for (let x = 0; x < 256; x++) px.fill(x, (y * 256 + x) * 3, (y * 256 + x) * 3 + 3);
  return px;
}

const RED = [255, 0, 0];
const BLUE = [0, 0, 255];
const at = (px: Uint8Array, i: number, channels = 3) => [...px.subarray(i * channels, i * channels + 3)];

describe('clipping overlay on a synthetic gradient', () => {
  it('marks exactly the pixels at or above the highlight threshold red and at or below the shadow threshold blue', () => {
    const px = greyRamp(4);
    const counts = markClipping(px, 3);
    const { highlight, shadow } = DEFAULT_CLIPPING;
    expect(counts).toEqual({ highlights: (256 - highlight) * 4, shadows: (shadow + 1) * 4 });
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 256; x++) {
        const want = x >= highlight ? RED : x <= shadow ? BLUE : [x, x, x];
        expect(at(px, y * 256 + x), `pixel ${x},${y}`).toEqual(want);
      }
    }
  });

  it('a highlight is any channel clipped, a shadow every channel low; alpha is kept', () => {
    // Red ramp over mid grey: only red clips; no pixel is a shadow since green stays at 128.
    const px = Buffer.alloc(256 * 4);
    for (let x = 0; x < 256; x++) px.set([x, 128, 128, 77], x * 4);
    const counts = markClipping(px, 4, { highlight: 240, shadow: 10 });
    expect(counts).toEqual({ highlights: 16, shadows: 0 });
    for (let x = 0; x < 256; x++) {
      expect(at(px, x, 4)).toEqual(x >= 240 ? RED : [x, 128, 128]);
      expect(px[x * 4 + 3]).toBe(77);
    }
  });

  it('refuses thresholds that cross and pixel layouts it does not know', () => {
    expect(() => markClipping(Buffer.alloc(6), 3, { highlight: 10, shadow: 10 })).toThrow(/below/);
    expect(() => markClipping(Buffer.alloc(6), 2)).toThrow(/channels/);
  });

  it('baked into the picture the encoders receive: a lossless PNG whose pixels are the marked gradient', async () => {
    const jpeg = await sharp(greyRamp(8), { raw: { width: 256, height: 8, channels: 3 } }).png().toBuffer();
    const out = await applyOverlay('clipping', jpeg);
    const { data, info } = await sharp(out).raw().toBuffer({ resolveWithObject: true });
    expect(info).toMatchObject({ width: 256, height: 8, channels: 3, format: 'raw' });
    expect(Buffer.compare(data, (() => { const p = greyRamp(8); markClipping(p, 3); return p; })())).toBe(0);
    expect(at(data, 255)).toEqual(RED);
    expect(at(data, 0)).toEqual(BLUE);
    expect(at(data, 128)).toEqual([128, 128, 128]);
  });
});

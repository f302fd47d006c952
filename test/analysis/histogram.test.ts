import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { histogramBars, luminanceHistogram } from '../../src/analysis/histogram.js';
import { corpus } from '../helpers/corpus.js';

const sum = (a: ArrayLike<number>): number => Array.from(a).reduce((s, n) => s + n, 0);

describe('luminance histogram', () => {
  it('sums to the pixel count of real photos (RGB, and grey with alpha)', async () => {
    for (const name of ['photos/kodak-dx4330.jpg', 'photos/fujifilm-finepix-s5500.jpg']) {
      const { data, info } = await sharp(corpus(name)).resize(300).raw().toBuffer({ resolveWithObject: true });
      const bins = luminanceHistogram(data, info.channels);
      expect(bins).toHaveLength(256);
      expect(sum(bins), name).toBe(info.width * info.height);
      const grey = await sharp(corpus(name)).resize(200).greyscale().raw().toBuffer({ resolveWithObject: true });
      expect(grey.info.channels).toBe(1);
      const withAlpha = Buffer.alloc(grey.data.length * 2, 255);
      grey.data.forEach((v, i) => (withAlpha[i * 2] = v));
      expect(sum(luminanceHistogram(grey.data, 1))).toBe(grey.info.width * grey.info.height);
      expect([...luminanceHistogram(withAlpha, 2)]).toEqual([...luminanceHistogram(grey.data, 1)]);
    }
  });

  it('puts pure tones in their bins (Rec. 709 weights): black, white, and a red, green, blue', () => {
    const px = Buffer.from([0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 255, 0, 0, 0, 255]);
    const bins = luminanceHistogram(px, 3);
    expect(bins[0]).toBe(1);
    expect(bins[255]).toBe(2);
    expect(bins[Math.round(0.2126 * 255)]).toBe(1);
    expect(bins[Math.round(0.7152 * 255)]).toBe(1);
    expect(bins[Math.round(0.0722 * 255)]).toBe(1);
    expect(sum(bins)).toBe(6);
  });

  it('draws as block characters whose columns keep every pixel, the fullest a full block, empty ones blank', () => {
    const bins = new Uint32Array(256);
    bins[0] = 1; // one clipped shadow pixel still shows
    bins[128] = 1000;
    bins[200] = 500;
    const bars = histogramBars(bins, 32);
    expect(bars).toHaveLength(32);
    expect(sum(bars.map((b) => b.count))).toBe(1501);
    expect(bars[16]!.char).toBe('█');
    expect(bars[25]!.char).toBe('▄');
    expect(bars[0]!.char).toBe('▁');
    expect(bars[8]!.char).toBe(' ');
    expect(bars[0]!.luma).toBeLessThan(bars[31]!.luma);
    expect(histogramBars(new Uint32Array(256), 10).every((b) => b.char === ' ')).toBe(true);
  });
});

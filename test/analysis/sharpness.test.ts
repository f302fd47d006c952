import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { analyseGrey, analysePixels } from '../../src/analysis/analyse.js';
import { dhash, hammingDistance } from '../../src/analysis/dhash.js';
import { BLURRED_BELOW, isBlurred, measureSharpness } from '../../src/analysis/sharpness.js';
import type { ImageAnalysis } from '../../src/analysis/types.js';
import { make } from '../cache/sources/helpers.js';
import { CORPUS_DIR, HAVE_CORPUS, NEEDS_SHARED } from '../helpers/corpus.js';
import { scene } from './scene.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'tt-sharpness-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The blurs of the issue: a Gaussian of these sigmas, in pixels of the 1024-px picture. */
const SIGMAS = [0.5, 1, 2, 4];

/**
 * sharp's blur() drops mask taps below 0.2 of the peak, which at sigma 0.5 leaves the centre
 * tap alone (no blur at all); 0.01 keeps the Gaussian's tails.
 */
const blurred = (png: Buffer, sigma: number) => sharp(png).blur({ sigma, minAmplitude: 0.01 });

/** The analysis the real thumbnail pipeline (src/cache/sources) makes of a file. */
async function analysisOf(file: string): Promise<ImageAnalysis> {
  const r = await make(file, [0, 1, 2], { analyse: true });
  if (!r.ok) throw new Error(`${file}: ${r.detail}`);
  const a = r.thumbs.find((t) => t.analysis)?.analysis;
  if (!a) throw new Error(`${file}: no analysis`);
  return a;
}

/** Scores of a picture as made and blurred at each sigma, through files and the real pipeline. */
async function blurSeries(name: string, png: Buffer): Promise<number[]> {
  const scores: number[] = [];
  for (const sigma of [0, ...SIGMAS]) {
    const file = path.join(work, `${name}-${sigma}.png`);
    await (sigma ? blurred(png, sigma) : sharp(png)).png().toFile(file);
    scores.push((await analysisOf(file)).sharpness);
  }
  return scores;
}

const falling = (xs: number[]) => xs.every((x, i) => i === 0 || x < xs[i - 1]!);

describe('the focus score (pure)', () => {
  it('is 0 on a flat picture and high on fine detail', () => {
    expect(measureSharpness(new Uint8Array(64 * 48).fill(128), 64, 48).sharpness).toBe(0);
    const checker = Uint8Array.from({ length: 64 * 64 }, (_, i) => (((i % 64) + Math.floor(i / 64)) % 2 ? 255 : 0));
    expect(measureSharpness(checker, 64, 64).sharpness).toBeGreaterThan(500);
  });

  it('scores a sharp subject on a soft background as sharp, and says where it is', () => {
    // A soft gradient, with a 60x60 patch of sharp stripes at the lower right.
    const w = 512;
    const h = 340;
    const grey = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) grey[y * w + x] = Math.round((x / w) * 200);
    for (let y = 220; y < 280; y++) for (let x = 400; x < 460; x++) grey[y * w + x] = (x >> 1) % 2 ? 230 : 30;
    const m = measureSharpness(grey, w, h);
    expect(m.sharpness).toBeGreaterThan(3 * m.sharpnessGlobal);
    expect(m.sharpness).toBeGreaterThan(BLURRED_BELOW * 10);
    expect(m.sharpestAt.x).toBeGreaterThan(0.75);
    expect(m.sharpestAt.y).toBeGreaterThan(0.6);
    expect(isBlurred(m.sharpness)).toBe(false);
    expect(isBlurred(null)).toBe(false);
  });

  it('refuses a buffer that does not hold the picture', () => {
    expect(() => measureSharpness(new Uint8Array(10), 4, 4)).toThrow(RangeError);
    expect(() => dhash(new Uint8Array(10), 0, 4)).toThrow(RangeError);
  });

  it('dHash: 16 hex digits, close for a shifted copy, far for another picture', async () => {
    const grey = async (img: Sharp) => {
      const { data, info } = await img.resize(512, 512, { fit: 'inside' }).greyscale().raw().toBuffer({ resolveWithObject: true });
      return analyseGrey(data, info.width, info.height);
    };
    const a = await grey(await scene(900, 600));
    const shifted = await grey(await scene(900, 600, { variant: 2, blur: 1.5 }));
    const other = await grey(await scene(900, 600, { variant: 100 }));
    expect(a.dhash).toMatch(/^[0-9a-f]{16}$/);
    expect(hammingDistance(a.dhash, a.dhash)).toBe(0);
    expect(hammingDistance(a.dhash, shifted.dhash)).toBeLessThanOrEqual(8);
    expect(hammingDistance(a.dhash, other.dhash)).toBeGreaterThan(20);
    expect(hammingDistance('0000000000000000', 'ffffffffffffffff')).toBe(64);
    expect(hammingDistance('zz', '00')).toBe(64);
  });
});

describe('the focus score falls as a photo is blurred (sigma 0.5, 1, 2, 4)', () => {
  it('on pictures made in the test, through the thumbnail pipeline', async () => {
    for (const [w, h] of [[1536, 1024], [1024, 1536], [700, 500]] as const) {
      const png = await (await scene(w, h)).png().toBuffer();
      const scores = await blurSeries(`scene-${w}x${h}`, png);
      expect(falling(scores), `${w}x${h}: ${scores.join(' > ')}`).toBe(true);
    }
  });

  it('on every photo of the corpus sharp decodes, at 1024 px', { timeout: 300_000 }, async (ctx) => {
    if (!HAVE_CORPUS) ctx.skip(NEEDS_SHARED);
    const dir = path.join(CORPUS_DIR, 'photos');
    const photos = readdirSync(dir).filter((f) => /\.(jpe?g|png|tiff?|webp|avif)$/i.test(f));
    expect(photos.length).toBeGreaterThan(10);
    const failures: string[] = [];
    for (const f of photos) {
      const png = await sharp(path.join(dir, f)).rotate().resize(1024, 1024, { fit: 'inside' }).png().toBuffer();
      const scores = await blurSeries(f, png);
      if (!falling(scores)) failures.push(`${f}: ${scores.join(' > ')}`);
      // Blurred at sigma 4 is "blurred" for every photo; the photo as it is never.
      if (!isBlurred(scores[4]) || isBlurred(scores[0])) failures.push(`${f}: blurred? ${scores.join(', ')}`);
    }
    expect(failures).toEqual([]);
  });
});

describe('an image scores the same whichever view made its thumbnails', () => {
  it('only a job whose largest level is mip2 measures; a preview job (up to mip4) measures nothing', async () => {
    // A camera-sized JPEG: decoded for mip4 and brought to 512 px it scored 5-17 % apart from
    // the decode made for mip2 (JPEG shrink-on-load, another resize chain).
    const file = path.join(work, 'camera-sized.jpg');
    await (await scene(4000, 3000)).jpeg({ quality: 92 }).toFile(file);
    const grid = await make(file, [0, 1, 2], { analyse: true });
    const again = await make(file, [1, 2], { analyse: true });
    const preview = await make(file, [0, 1, 2, 3, 4], { analyse: true });
    const loupe = await make(file, [2, 3], { analyse: true });
    if (!grid.ok || !again.ok || !preview.ok || !loupe.ok) throw new Error('thumbnails failed');
    const measured = (r: typeof grid & { ok: true }) => r.thumbs.filter((t) => t.analysis).map((t) => [t.level, t.analysis!.sharpness]);
    expect(measured(grid)).toHaveLength(1);
    expect(measured(again)).toEqual(measured(grid));
    expect(measured(preview)).toEqual([]);
    expect(measured(loupe)).toEqual([]);
    // What the preview's decode would have scored, had it been measured: not the same figure.
    const { data, info } = await sharp(file).resize(2048, 2048, { fit: 'inside' }).raw().toBuffer({ resolveWithObject: true });
    const fromBig = await analysePixels(data, { width: info.width, height: info.height, channels: info.channels as 3 });
    expect(fromBig.sharpness).not.toBeCloseTo(measured(grid)[0]![1]!, 1);
  });
});

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { decode, FINALIZER, introducer, sixelEncode } from 'sixel';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeQuantized, quantizeForSixel, type QuantizedImage } from '../../src/render/encoders/sixel-core.js';
import { createSixelEncoder } from '../../src/render/encoders/sixel.js';
import { corpus } from '../helpers/corpus.js';

/**
 * The band encoder lets a colour paint over pixels that a later colour paints (sixel-bands.ts):
 * fewer bytes, the same picture. "The same" is checked pixel for pixel against a plain
 * reference encoding (every colour of a band as a whole line of its own pixels: nothing but
 * the format), decoded by the `sixel` package's decoder and by ImageMagick. The `sixel`
 * package's encoder (the one before) is the byte count to beat.
 */
const HAVE_CONVERT = spawnSync('convert', ['-version']).status === 0;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'termtable-sixel-bands-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** What the package writes for the same pixels (the encoder before this one). */
function packageSixel(img: QuantizedImage): string {
  const px = new Uint32Array(img.rgba.buffer, img.rgba.byteOffset, img.rgba.length / 4);
  const palette = Array.from(new Set(px)).filter((c) => c >>> 24 !== 0);
  return introducer(1) + sixelEncode(img.rgba, img.width, img.height, palette) + FINALIZER;
}

/** Each band's colours as whole lines of their own pixels' bits (no runs, no overdraw). */
function referenceSixel(img: QuantizedImage): string {
  const px = new Uint32Array(img.rgba.buffer, img.rgba.byteOffset, img.width * img.height);
  const index = new Map<number, number>();
  for (const c of px) if (c >>> 24 !== 0 && !index.has(c)) index.set(c, index.size);
  const pct = (v: number) => Math.round((v / 255) * 100);
  let out = `\x1bP0;1;q"1;1;${img.width};${img.height}`;
  for (const [c, k] of index) out += `#${k};2;${pct(c & 255)};${pct((c >>> 8) & 255)};${pct((c >>> 16) & 255)}`;
  const bands: string[] = [];
  for (let y0 = 0; y0 < img.height; y0 += 6) {
    const lines: string[] = [];
    for (const [c, k] of index) {
      let line = '';
      let any = false;
      for (let x = 0; x < img.width; x++) {
        let bits = 0;
        for (let r = 0; r < 6 && y0 + r < img.height; r++) if (px[(y0 + r) * img.width + x] === c) bits |= 1 << r;
        any ||= bits !== 0;
        line += String.fromCharCode(63 + bits);
      }
      if (any) lines.push(`#${k}${line}`);
    }
    bands.push(lines.join('$'));
  }
  return `${out}${bands.join('-')}\x1b\\`;
}

function decodedByPackage(six: string): { width: number; height: number; data: Uint32Array } {
  // decode() reads the data string only: the DCS introducer and ST would be read as sixels.
  const pic = decode(six.slice(six.indexOf('q') + 1, -2));
  return { width: pic.width, height: pic.height, data: new Uint32Array(pic.data32) };
}

function decodedByImageMagick(six: string, name: string): Buffer {
  const file = path.join(tmp, `${name}.six`);
  writeFileSync(file, Buffer.from(six, 'latin1'));
  return execFileSync('convert', [`sixel:${file}`, '-depth', '8', 'rgba:-'], { maxBuffer: 64 * 1024 * 1024 });
}

async function quantized(file: string, width: number, height: number): Promise<QuantizedImage> {
  const { data, info } = await sharp(file).resize(width, height, { fit: 'inside' }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return quantizeForSixel(data, info.width, info.height, 256);
}

/** Pixels from a seeded generator: `colours` distinct opaque colours, some pixels transparent. */
function synthetic(width: number, height: number, colours: number, transparent = 0): QuantizedImage {
  let seed = 12345;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  const palette = Array.from({ length: colours }, (_, i) => [(i * 37) & 255, (i * 91) & 255, (i * 53 + 17) & 255]);
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const r = next() % 1000;
    // Clustered: mostly the colour of the pixel to the left, as photos are.
    const c = i % width > 0 && r < 600 ? -1 : next() % colours;
    if (c === -1) rgba.copyWithin(i * 4, (i - 1) * 4, i * 4);
    else rgba.set([...palette[c]!, 255], i * 4);
    if (r >= 1000 - transparent) rgba[i * 4 + 3] = 0;
  }
  return { rgba, width, height };
}

function expectSamePicture(img: QuantizedImage, name: string): { ours: number; theirs: number } {
  const ours = encodeQuantized(img);
  const reference = referenceSixel(img);
  const theirs = packageSixel(img);
  expect(ours.startsWith('\x1bP0;1;q"1;1;')).toBe(true);
  expect(ours.endsWith('\x1b\\')).toBe(true);
  const a = decodedByPackage(ours);
  const b = decodedByPackage(reference);
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
  if (HAVE_CONVERT) {
    const ma = decodedByImageMagick(ours, `${name}-ours`);
    const mb = decodedByImageMagick(reference, `${name}-reference`);
    expect(ma.length).toBe(img.width * img.height * 4);
    expect(ma.equals(mb)).toBe(true);
  }
  expect(ours.length).toBeLessThanOrEqual(theirs.length);
  return { ours: ours.length, theirs: theirs.length };
}

describe('sixel band encoder', () => {
  it('a photo: the same pixels as the reference, at least 5 % fewer bytes than the package', async () => {
    const img = await quantized(corpus('photos/landscape-orient-1.jpg'), 1080, 720);
    const { ours, theirs } = expectSamePicture(img, 'photo');
    expect(ours / theirs).toBeLessThan(0.95);
  });

  it('a grainy 24 MP-like photo at the preview size (1.6 MP), and a thumbnail', async () => {
    const src = corpus('photos/kodak-dx4330.jpg');
    const grain = await sharp(src)
      .resize(1080, 720, { fit: 'cover' })
      .composite([{ input: await sharp({ create: { width: 1080, height: 720, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 22 } } }).png().toBuffer(), blend: 'overlay' }])
      .png()
      .toBuffer();
    const file = path.join(tmp, 'grain.png');
    writeFileSync(file, grain);
    const big = expectSamePicture(await quantized(file, 1080, 720), 'grain');
    expect(big.ours / big.theirs).toBeLessThan(0.97);
    expectSamePicture(await quantized(src, 216, 144), 'thumb');
  });

  it('edge cases: a height not a multiple of 6, one column, one colour, transparent pixels, runs of 1000+ columns', () => {
    expectSamePicture(synthetic(97, 37, 200), 'odd');
    expectSamePicture(synthetic(1, 25, 7), 'column');
    expectSamePicture(synthetic(1500, 13, 1), 'one-colour');
    expectSamePicture(synthetic(64, 40, 30, 150), 'transparent');
    expectSamePicture(synthetic(1200, 12, 3), 'long-runs');
    const flat = synthetic(1200, 6, 1);
    // One colour over a band: a single run (`!1200~`), not a run per pixel.
    expect(encodeQuantized(flat)).toMatch(/#0!1200~\x1b\\$/);
  });

  it('the worker writes the same bytes as the calling thread', async () => {
    const file = corpus('photos/landscape-orient-1.jpg');
    const jpeg = readFileSync(file);
    const { width, height } = await sharp(jpeg).metadata();
    const inWorker = createSixelEncoder({ cellPx: { width: 10, height: 20 } });
    const local = createSixelEncoder({ cellPx: { width: 10, height: 20 }, worker: false });
    try {
      const input = { key: 'p', data: jpeg, width: width!, height: height! };
      const a = await inWorker.encode(input, { cols: 60, rows: 20 });
      const b = await local.encode(input, { cols: 60, rows: 20 });
      expect(a.place).toBe(b.place);
      expect(a.place!.length).toBeGreaterThan(10_000);
    } finally {
      await inWorker.close?.();
      await local.close?.();
    }
  });
});

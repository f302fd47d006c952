import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { withIccChunk } from '../../../src/cache/sources/png-icc.js';
import { LEVEL_SIZES, type Level } from '../../../src/cache/types.js';
import { CORPUS_DIR, corpus, HAVE_CORPUS } from '../../helpers/corpus.js';
import { centreColour, make, meanDiff, tempDir } from './helpers.js';

// Without the corpus one placeholder name each, so the test is listed and skipped by corpus().
const corpusNames = (dir: string) => (HAVE_CORPUS ? readdirSync(path.join(CORPUS_DIR, dir)) : ['(no corpus)']);
const photos = corpusNames('photos');
const raws = corpusNames('raw');

async function ok(rel: string, levels: Level[] = [0, 1, 2], opts = {}, subject = {}) {
  const result = await make(rel.startsWith('/') ? rel : corpus(rel), levels, opts, subject);
  if (!result.ok) throw new Error(`${rel}: ${result.cause}: ${result.detail}`);
  return result.thumbs;
}

describe('every corpus photo yields upright thumbnails at each level', () => {
  it.each(photos)('%s', async (name) => {
    const thumbs = await ok(`photos/${name}`);
    expect(thumbs.map((t) => t.level)).toEqual([0, 1, 2]);
    const source = await sharp(corpus(`photos/${name}`)).metadata();
    // Oriented size of the source: 5-8 swap width and height; HEIC is upright in the container.
    const swap = (source.orientation ?? 1) >= 5 && source.format !== 'heif';
    const srcW = swap ? source.height : source.width;
    const srcH = swap ? source.width : (source.pageHeight ?? source.height);
    for (const t of thumbs) {
      const meta = await sharp(t.jpeg).metadata();
      expect(meta.format).toBe('jpeg');
      expect([meta.width, meta.height]).toEqual([t.width, t.height]);
      expect(Math.max(t.width, t.height)).toBe(Math.min(LEVEL_SIZES[t.level], Math.max(srcW ?? 0, srcH ?? 0)));
      expect(Math.sign(t.width - t.height)).toBe(Math.sign((srcW ?? 0) - (srcH ?? 0)));
      expect(t.source).toBe('processed');
    }
  });
});

/**
 * The same 1200x800 landscape (six colour blocks, so any turn or mirror shows) stored as EXIF
 * orientation n expects it: what the corpus's landscape-orient-N.jpg set is, made here.
 */
async function orientedSet(dir: string): Promise<string[]> {
  const [w, h] = [1200, 800];
  const colours = [[220, 30, 30], [30, 200, 40], [30, 60, 220], [240, 220, 30], [200, 40, 200], [40, 200, 200]];
  const px = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px.set(colours[Math.min(2, Math.floor((x * 3) / w)) + (y < h / 2 ? 0 : 3)]!, (y * w + x) * 3);
  // The inverse of each orientation's display transform (sharp rotates before it mirrors).
  type Img = ReturnType<typeof sharp>;
  const store: ((s: Img) => Img)[] = [
    (s) => s, (s) => s.flop(), (s) => s.rotate(180), (s) => s.flip(),
    (s) => s.rotate(270).flop(), (s) => s.rotate(270), (s) => s.rotate(90).flop(), (s) => s.rotate(90),
  ];
  const files: string[] = [];
  for (let n = 1; n <= 8; n++) {
    const stored = await store[n - 1]!(sharp(px, { raw: { width: w, height: h, channels: 3 } })).png().toBuffer();
    const file = path.join(dir, `landscape-orient-${n}.jpg`);
    await sharp(stored).withMetadata({ orientation: n }).jpeg({ quality: 92 }).toFile(file);
    files[n] = file;
  }
  return files;
}

describe('orientation', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);
  const set = orientedSet(tmp.dir);

  it('all eight EXIF orientations come out as the same upright landscape', async () => {
    const oriented = await set;
    const [reference] = await ok(oriented[1]!, [1]);
    for (let n = 2; n <= 8; n++) {
      const [t] = await ok(oriented[n]!, [1]);
      expect([t?.width, t?.height]).toEqual([256, 171]);
      // A wrong turn or mirror moves whole colour blocks: a mean difference of 70+.
      expect(await meanDiff(reference!.jpeg, t!.jpeg)).toBeLessThan(10);
    }
    const mirrored = await sharp(reference!.jpeg).flop().jpeg().toBuffer();
    expect(await meanDiff(reference!.jpeg, mirrored)).toBeGreaterThan(30);
  });

  it('applies the user rotation clockwise after EXIF orientation', async () => {
    const oriented = await set;
    const [upright] = await ok(oriented[1]!, [1]);
    const [turned] = await ok(oriented[6]!, [1], {}, { rotation: 1 });
    expect([turned?.width, turned?.height]).toEqual([171, 256]);
    const expected = await sharp(upright!.jpeg).rotate(90).jpeg().toBuffer();
    expect(await meanDiff(expected, turned!.jpeg)).toBeLessThan(10);
  });

  it('orients a raw preview by the raw\'s orientation, plus the user rotation', async () => {
    const [plain] = await ok('raw/canon-eos-r6-pruned.cr3', [1]);
    const [portrait] = await ok('raw/canon-eos-r6-pruned.cr3', [1], {}, { orientation: 6 });
    const [both] = await ok('raw/canon-eos-r6-pruned.cr3', [1], {}, { orientation: 6, rotation: 1 });
    expect(plain!.width).toBeGreaterThan(plain!.height);
    expect(portrait!.width).toBeLessThan(portrait!.height);
    expect(await meanDiff(await sharp(plain!.jpeg).rotate(90).jpeg().toBuffer(), portrait!.jpeg)).toBeLessThan(10);
    expect(await meanDiff(await sharp(plain!.jpeg).rotate(180).jpeg().toBuffer(), both!.jpeg)).toBeLessThan(10);
  });
});

describe('raw files', () => {
  it.each(raws)('%s yields thumbnails', async (name) => {
    const thumbs = await ok(`raw/${name}`);
    expect(thumbs).toHaveLength(3);
    for (const t of thumbs) expect(Math.max(t.width, t.height)).toBeLessThanOrEqual(LEVEL_SIZES[t.level]);
  });

  it.each([
    ['raw/canon-eos-1ds-mk3-truncated.cr2', 'embedded'],
    ['raw/canon-eos-r6-pruned.cr3', 'embedded'],
    ['raw/nikon-d7100-truncated.nef', 'embedded'],
    ['raw/sony-slt-a55v-truncated.arw', 'embedded'],
    ['raw/canon-eos-d30.crw', 'embedded'],
    ['raw/nikon-d1.nef', 'processed'], // only a 160x120 TIFF thumbnail
    ['raw/canon-eos-kiss-x4-colorchart.dng', 'processed'], // no preview at all
  ] as const)('%s: mip2 comes from the %s source', async (rel, source) => {
    const [t] = await ok(rel, [2]);
    expect(t?.source).toBe(source);
    expect(Math.max(t!.width, t!.height)).toBe(512);
  });

  it('uses the only (160-px) preview of a RAF LibRaw cannot decode, without upscaling it', async () => {
    const thumbs = await ok('raw/fujifilm-s5pro-stripped.raf', [0, 2]);
    expect(thumbs.map((t) => [t.level, t.width, t.height, t.source])).toEqual([
      [0, 128, 96, 'embedded'],
      [2, 160, 120, 'embedded'],
    ]);
  });

  it('takes the 1024-px DNG preview up to mip3 and decodes the raw for mip4', async () => {
    const thumbs = await ok('raw/canon-eos-6d-lossy.dng', [0, 3, 4]);
    expect(thumbs.map((t) => [t.level, t.source])).toEqual([
      [0, 'embedded'],
      [3, 'embedded'],
      [4, 'processed'],
    ]);
    expect([thumbs[2]?.width, thumbs[2]?.height]).toEqual([1224, 816]);
  });

  it('follows the source preference: always, from a level up, and the full preview', async () => {
    const file = 'raw/canon-eos-6d-lossy.dng';
    const sources = async (opts: object) => (await ok(file, [0, 1, 2], opts)).map((t) => t.source);
    expect(await sources({ sourcePref: 'never' })).toEqual(['embedded', 'embedded', 'embedded']);
    expect(await sources({ sourcePref: 'always' })).toEqual(['processed', 'processed', 'processed']);
    expect(await sources({ sourcePref: 'mip2' })).toEqual(['embedded', 'embedded', 'processed']);
    expect(await sources({ sourcePref: 'never', forceProcessed: true })).toEqual(['processed', 'processed', 'processed']);
  });

  it('processed and embedded thumbnails of one raw show the same picture', async () => {
    const [embedded] = await ok('raw/canon-eos-6d-lossy.dng', [1]);
    const [processed] = await ok('raw/canon-eos-6d-lossy.dng', [1], { sourcePref: 'always' });
    expect([processed?.width, processed?.height]).toEqual([embedded?.width, embedded?.height]);
    // Different rendering (Adobe's vs LibRaw's), same scene and framing.
    expect(await meanDiff(embedded!.jpeg, processed!.jpeg)).toBeLessThan(40);
  });

  it('falls back to the embedded preview when the raw data is cut short', async () => {
    const thumbs = await ok('raw/nikon-d7100-truncated.nef', [2], { sourcePref: 'always' });
    expect(thumbs[0]?.source).toBe('embedded');
  });
});

describe('JPEG EXIF thumbnail for mip0', () => {
  it('serves mip0 alone from a big enough EXIF thumbnail, upright', async () => {
    const [t] = await ok('photos/samsung-sm-j327t1-orient6.jpg', [0]);
    expect(t?.source).toBe('embedded');
    expect([t?.width, t?.height]).toEqual([96, 128]);
    const [processed] = await ok('photos/samsung-sm-j327t1-orient6.jpg', [0], { sourcePref: 'always' });
    expect(processed?.source).toBe('processed');
    expect(await meanDiff(t!.jpeg, processed!.jpeg)).toBeLessThan(20);
  });

  it('does not use a letterboxed 160x120 thumbnail of a 3:2 photo', async () => {
    const [t] = await ok('photos/kodak-dx4330.jpg', [0]);
    expect(t?.source).toBe('processed');
  });

  it('decodes once for all levels when bigger levels are asked for too', async () => {
    const thumbs = await ok('photos/samsung-sm-j327t1-orient6.jpg', [0, 1]);
    expect(thumbs.map((t) => t.source)).toEqual(['processed', 'processed']);
  });
});

describe('failures have causes', () => {
  it.each([
    ['bad/bomb-65536x65536.png', 'memory', /pixel limit/],
    ['bad/canon-350d-stripped.cr2', 'unsupported', /LibRaw/],
    ['bad/corrupt-header.jpg', 'unsupported', /JPEG/],
    ['bad/git-lfs-pointer.jpg', 'unsupported', /not an image/],
    ['bad/gopro-hero8-unsupported.gpr', 'unsupported', /LibRaw/],
    ['bad/panasonic-lx3-stripped.rw2', 'unsupported', /raw data missing/],
    ['bad/stub-30-bytes.cr2', 'unsupported', /LibRaw/],
    ['bad/truncated.jpg', 'unsupported', /premature end/],
    ['bad/truncated.png', 'unsupported', /png/i],
    ['bad/zero-bytes.jpg', 'unsupported', /empty/],
  ] as const)('%s → %s', async (rel, cause, detail) => {
    const result = await make(corpus(rel));
    expect(result).toMatchObject({ ok: false, cause });
    if (!result.ok) {
      expect(result.detail).toMatch(detail);
      expect(result.detail).not.toMatch(/\n/);
    }
  });

  it.each(['bad/exif-escape-sequences.jpg', 'bad/fin-de-journée.jpg', 'bad/jpeg-with-gif-extension.gif'])(
    '%s is a valid image and yields thumbnails',
    async (rel) => {
      expect((await ok(rel)).length).toBe(3);
    },
  );

  it('all bad files at once: no crash, no hang, every one settles', async () => {
    const files = corpusNames('bad').map((f) => corpus(`bad/${f}`));
    const results = await Promise.all(files.map((f) => make(f, [0, 1, 2, 3, 4])));
    expect(results).toHaveLength(files.length);
  });

  const tmp = tempDir();
  afterAll(tmp.cleanup);

  it('missing: no such file, a directory, an unreadable parent', async () => {
    expect(await make(path.join(tmp.dir, 'gone.jpg'))).toMatchObject({ ok: false, cause: 'missing', detail: 'file not found' });
    const dir = path.join(tmp.dir, 'folder.jpg');
    mkdirSync(dir);
    expect(await make(dir)).toMatchObject({ ok: false, cause: 'missing', detail: 'is a directory' });
    const notDir = path.join(tmp.dir, 'plain');
    writeFileSync(notDir, 'x');
    expect(await make(path.join(notDir, 'x.jpg'))).toMatchObject({ ok: false, cause: 'missing' });
  });

  it('missing: permission denied (when not running as root)', async (ctx) => {
    if (process.getuid?.() === 0) ctx.skip();
    const file = path.join(tmp.dir, 'secret.jpg');
    writeFileSync(file, await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).jpeg().toBuffer());
    chmodSync(file, 0o000);
    expect(await make(file)).toMatchObject({ ok: false, cause: 'missing', detail: 'permission denied' });
  });

  it('aborted before it starts, and during a raw decode', async () => {
    const before = new AbortController();
    before.abort();
    expect(await make(corpus('photos/kodak-dx4330.jpg'), [0], { signal: before.signal })).toMatchObject({ ok: false, detail: 'aborted' });
    const during = new AbortController();
    const pending = make(corpus('raw/nikon-d1.nef'), [4], { signal: during.signal, sourcePref: 'always' });
    queueMicrotask(() => during.abort());
    expect(await pending).toMatchObject({ ok: false, detail: 'aborted' });
  });

  it('no levels asked for is a clear failure, not an empty success', async () => {
    expect(await make(corpus('photos/kodak-dx4330.jpg'), [])).toMatchObject({ ok: false, cause: 'unsupported' });
  });
});

describe('colour management', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);

  /** A flat sRGB-red image stored in Display P3 numbers, tagged with the P3 profile; the P3 ICC as a file. */
  async function p3Fixture() {
    const file = path.join(tmp.dir, 'red-p3.png');
    await sharp({ create: { width: 600, height: 400, channels: 3, background: { r: 255, g: 0, b: 0 } } })
      .withIccProfile('p3')
      .png()
      .toFile(file);
    const meta = await sharp(file).metadata();
    const icc = path.join(tmp.dir, 'display-p3.icc');
    writeFileSync(icc, meta.icc ?? Buffer.alloc(0));
    const stored = (await sharp(file, { ignoreIcc: true }).raw().toBuffer()).subarray(0, 3);
    return { file, icc, stored: [...stored] };
  }

  const close = (actual: number[], expected: number[]) => actual.forEach((v, i) => expect(Math.abs(v - (expected[i] ?? 0))).toBeLessThan(6));

  it('converts from the embedded profile to sRGB, keeps the numbers when off, converts to a monitor profile', async () => {
    const { file, icc, stored } = await p3Fixture();
    expect(stored[0]).toBeLessThan(245); // the P3 numbers of sRGB red are not (255, 0, 0)
    const [srgb] = await ok(file, [0]);
    close(await centreColour(srgb!.jpeg), [255, 0, 0]);
    const [off] = await ok(file, [0], { colorManagement: false });
    close(await centreColour(off!.jpeg), stored);
    const [monitor] = await ok(file, [0], { monitorProfile: icc });
    close(await centreColour(monitor!.jpeg), stored);
  });

  it('converts an iPhone HEIC from its Display P3 profile (decoded outside libvips)', async () => {
    const [managed] = await ok('photos/apple-iphone11pro.heic', [1]);
    const [plain] = await ok('photos/apple-iphone11pro.heic', [1], { colorManagement: false });
    const [m, p] = await Promise.all([sharp(managed!.jpeg).stats(), sharp(plain!.jpeg).stats()]);
    // P3 numbers shown as sRGB look washed out; converted, this blue scene gets bluer and less red.
    expect(m.channels[0]!.mean).toBeLessThan(p.channels[0]!.mean - 2);
    expect(m.channels[2]!.mean).toBeGreaterThan(p.channels[2]!.mean + 1);
  });

  it('withIccChunk gives a PNG a profile sharp reads back', async () => {
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#808080' } }).png().toBuffer();
    const p3 = (await sharp(await sharp(png).withIccProfile('p3').png().toBuffer()).metadata()).icc!;
    const tagged = withIccChunk(png, p3);
    expect((await sharp(tagged).metadata()).icc?.equals(p3)).toBe(true);
  });

  it('converts a CMYK JPEG to RGB', async () => {
    const [t] = await ok('photos/cmyk-canon-eos-300d.jpg', [0]);
    const meta = await sharp(t!.jpeg).metadata();
    expect(meta.space).toBe('srgb');
    expect(meta.channels).toBe(3);
  });
});

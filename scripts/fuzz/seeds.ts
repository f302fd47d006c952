import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp, { type Sharp } from 'sharp';
import { Rng } from './prng.js';

/** One file a mutant is made from. `name` identifies it within its source. */
export interface Seed {
  name: string;
  bytes: Buffer;
}

export type SeedSource = 'made' | 'corpus';

/**
 * Every format the library imports (src/db/exif.ts), with the extension its mutants get.
 * The TIFF-based raws without a seed of their own are fuzzed from the made DNG under their
 * extension, as LibRaw and our TIFF walker see them.
 */
export const FORMATS: Readonly<Record<string, string>> = {
  jpeg: 'jpg', png: 'png', tiff: 'tif', webp: 'webp', avif: 'avif', gif: 'gif', heic: 'heic',
  dng: 'dng', cr2: 'cr2', cr3: 'cr3', crw: 'crw', nef: 'nef', nrw: 'nrw', arw: 'arw', srf: 'srf', sr2: 'sr2',
  orf: 'orf', raf: 'raf', rw2: 'rw2', rwl: 'rwl', pef: 'pef', srw: 'srw', x3f: 'x3f', '3fr': '3fr', iiq: 'iiq',
  erf: 'erf', mrw: 'mrw', kdc: 'kdc', dcr: 'dcr', gpr: 'gpr', mef: 'mef', mos: 'mos', fff: 'fff',
};

/** Corpus file extension -> format. */
const CORPUS_FORMAT: Readonly<Record<string, string>> = {
  ...Object.fromEntries(Object.entries(FORMATS).map(([f, ext]) => [ext, f])),
  jpeg: 'jpeg', tiff: 'tiff', heif: 'heic',
};

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** ../shared beside the repository (as in CI), or TERMTABLE_SHARED_DIR; absent on a fresh clone. */
export const SHARED_DIR = path.resolve(process.env.TERMTABLE_SHARED_DIR ?? path.join(HERE, '../../../shared'));
export const CORPUS_DIR = path.join(SHARED_DIR, 'corpus');
const MAKE_RAW_SET = path.join(SHARED_DIR, 'tools', 'make-raw-set.mjs');
/** Corpus files above this are not used as seeds: every mutant is a copy in memory. */
const MAX_CORPUS_SEED_BYTES = 8 * 1024 * 1024;

/** Deterministic photo-like pixels (gradient plus PRNG noise): sharp's own noise is random. */
function pixels(width: number, height: number, seed: number): Buffer {
  const rng = new Rng(seed);
  const out = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const n = rng.int(48);
      out[i] = (x * 255) / width + n;
      out[i + 1] = (y * 255) / height + n;
      out[i + 2] = 128 + ((x ^ y) & 63) + n;
    }
  }
  return out;
}

function photo(width = 320, height = 240, seed = 1): Sharp {
  return sharp(pixels(width, height, seed), { raw: { width, height, channels: 3 } });
}

const EXIF = {
  IFD0: { Make: 'FuzzCam', Model: 'FC-1', Software: 'termtable fuzz' },
  IFD2: { DateTimeOriginal: '2024:05:06 07:08:09', ExposureTime: '1/250', FNumber: '28/10', ISOSpeedRatings: '400' },
};

/** An AVIF made into a HEIC as far as the container goes (brands); sharp cannot write HEVC. */
function asHeic(avif: Buffer): Buffer {
  const b = Buffer.from(avif);
  if (b.toString('latin1', 4, 8) !== 'ftyp') return b;
  const size = b.readUInt32BE(0);
  b.write('heic', 8, 'latin1');
  for (let p = 16; p + 4 <= size; p += 4) if (b.toString('latin1', p, p + 4).startsWith('avi')) b.write('heic', p, 'latin1');
  return b;
}

function box(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}

/** A minimal Canon CR3: ftyp crx, moov with Canon's uuid (CMT1, CMT2, THMB), the preview uuid (PRVW). */
function cr3(jpeg: Buffer, thumb: Buffer, tiff: Buffer): Buffer {
  const canon = Buffer.from('85c0b687820f11e08111f4ce462b6a48', 'hex');
  const preview = Buffer.from('eaf42b5e1c984b88b9fbb7dc406e4d16', 'hex');
  const prvwHead = Buffer.alloc(16);
  prvwHead.writeUInt16BE(320, 6);
  prvwHead.writeUInt16BE(240, 8);
  prvwHead.writeUInt32BE(jpeg.length, 12);
  const thmbHead = Buffer.alloc(16);
  thmbHead.writeUInt16BE(160, 4);
  thmbHead.writeUInt16BE(120, 6);
  thmbHead.writeUInt32BE(thumb.length, 8);
  return Buffer.concat([
    box('ftyp', Buffer.from('crx \0\0\0\x01crx isom', 'latin1')),
    box('moov', box('uuid', canon, box('CMT1', tiff), box('CMT2', tiff), box('THMB', thmbHead, thumb))),
    box('uuid', preview, Buffer.alloc(8), box('PRVW', prvwHead, jpeg)),
    box('mdat', Buffer.alloc(4096, 0x55)),
  ]);
}

/** A minimal Fujifilm RAF: the fixed header pointing at the embedded JPEG, then fake CFA data. */
function raf(jpeg: Buffer): Buffer {
  const head = Buffer.alloc(160);
  head.write('FUJIFILMCCD-RAW 0201FF383501', 0, 'latin1');
  head.write('FinePixS5Pro', 28, 'latin1');
  const cfa = Buffer.alloc(8192, 0x3c);
  head.writeUInt32BE(160, 84);
  head.writeUInt32BE(jpeg.length, 88);
  head.writeUInt32BE(160 + jpeg.length, 100);
  head.writeUInt32BE(cfa.length, 104);
  return Buffer.concat([head, jpeg, cfa]);
}

/** A minimal Canon CRW (CIFF): the header, then one heap holding a JpgFromRaw record (0x2007). */
function crw(jpeg: Buffer): Buffer {
  const head = Buffer.alloc(26);
  head.write('II', 0, 'latin1');
  head.writeUInt32LE(26, 2);
  head.write('HEAPCCDR', 6, 'latin1');
  head.writeUInt32LE(0x00010002, 14);
  const table = Buffer.alloc(2 + 10 + 4);
  table.writeUInt16LE(1, 0);
  table.writeUInt16LE(0x2007, 2);
  table.writeUInt32LE(jpeg.length, 4);
  table.writeUInt32LE(0, 8);
  table.writeUInt32LE(jpeg.length, 12); // the table's offset in the heap
  return Buffer.concat([head, jpeg, table]);
}

/** Sigma X3F / Minolta MRW stand-ins: their magic, then a JPEG the preview scan must find. */
function magicThenJpeg(magic: string, jpeg: Buffer): Buffer {
  const head = Buffer.alloc(256);
  head.write(magic, 0, 'latin1');
  return Buffer.concat([head, jpeg, Buffer.alloc(2048, 0x11)]);
}

const run = promisify(execFile);

/** Small DNGs built like camera raws by ../shared/tools/make-raw-set.mjs; none without it. */
async function dngs(dir: string, src: string): Promise<Seed[]> {
  if (!existsSync(MAKE_RAW_SET)) return [];
  const out: Seed[] = [];
  for (const [prefix, tags] of [['S', 'strip'], ['J', 'jif']] as const) {
    const d = path.join(dir, `dng-${tags}`);
    await run(process.execPath, [MAKE_RAW_SET, d, '1', '--src', src, '--size', '480x320', '--preview', 'full', '--preview-tags', tags, '--prefix', prefix], {
      cwd: path.resolve(HERE, '../..'),
      timeout: 120_000,
    });
    for (const f of readdirSync(d).filter((n) => n.endsWith('.dng')).sort()) {
      out.push({ name: `dng-${tags}`, bytes: readFileSync(path.join(d, f)) });
    }
  }
  return out;
}

function withMagic(b: Buffer, magic: string): Buffer {
  const out = Buffer.from(b);
  if (out.toString('latin1', 0, 2) === 'II') out.write(magic, 2, 'latin1');
  return out;
}

async function makeAll(dir: string): Promise<Map<string, Seed[]>> {
  const jpeg = await photo().jpeg({ quality: 85 }).withExif(EXIF).toBuffer();
  const jpegOriented = await photo(240, 320, 2).jpeg({ quality: 80, progressive: true }).withMetadata({ orientation: 6 }).toBuffer();
  const thumb = await photo(160, 120, 3).jpeg({ quality: 70 }).toBuffer();
  const exifBlob = (await sharp(jpeg).metadata()).exif!;
  const tiffBlob = exifBlob.subarray(6);
  const avif = await photo(160, 120, 4).avif({ quality: 40, effort: 0 }).withExif(EXIF).toBuffer();
  const frames = await Promise.all([5, 6].map((s) => photo(96, 64, s).png().toBuffer()));
  const seeds = new Map<string, Seed[]>([
    ['jpeg', [{ name: 'exif', bytes: jpeg }, { name: 'progressive-orient6', bytes: jpegOriented }]],
    ['png', [
      { name: 'rgb8', bytes: await photo(200, 150, 7).png().toBuffer() },
      { name: 'rgba16-icc', bytes: await photo(120, 90, 8).ensureAlpha().toColourspace('rgb16').withIccProfile('p3').png().toBuffer() },
      { name: 'palette', bytes: await photo(120, 90, 9).png({ palette: true }).toBuffer() },
    ]],
    ['tiff', [
      { name: 'lzw-exif', bytes: await photo(200, 150, 10).withExif(EXIF).tiff({ compression: 'lzw' }).toBuffer() },
      { name: 'jpeg-tiled', bytes: await photo(300, 200, 11).tiff({ compression: 'jpeg', tile: true, tileWidth: 64, tileHeight: 64 }).toBuffer() },
    ]],
    ['webp', [
      { name: 'lossy-exif', bytes: await photo(200, 150, 12).webp({ quality: 70 }).withExif(EXIF).toBuffer() },
      { name: 'lossless-alpha', bytes: await photo(100, 80, 13).ensureAlpha(0.5).webp({ lossless: true }).toBuffer() },
    ]],
    ['avif', [{ name: 'exif', bytes: avif }]],
    ['gif', [
      { name: 'still', bytes: await photo(120, 90, 14).gif().toBuffer() },
      { name: 'animated', bytes: await sharp(frames, { join: { animated: true } }).gif({ delay: [100, 100] }).toBuffer() },
    ]],
    ['heic', [{ name: 'avif-as-heic', bytes: asHeic(avif) }]],
    ['cr3', [{ name: 'minimal', bytes: cr3(jpeg, thumb, tiffBlob) }]],
    ['raf', [{ name: 'minimal', bytes: raf(jpeg) }]],
    ['crw', [{ name: 'minimal', bytes: crw(jpeg) }]],
    ['x3f', [{ name: 'magic-jpeg', bytes: magicThenJpeg('FOVb', jpeg) }]],
    ['mrw', [{ name: 'magic-jpeg', bytes: magicThenJpeg('\0MRM', jpeg) }]],
  ]);
  const srcPhoto = path.join(dir, 'src.png');
  await photo(720, 480, 15).png().toFile(srcPhoto);
  const dng = await dngs(dir, srcPhoto);
  if (dng.length) {
    seeds.set('dng', dng);
    relabelTiffRaws(seeds, dng);
  }
  return seeds;
}

/** Formats without a seed of their own get the TIFF-based raws, relabelled (ORF and RW2 with their magic). */
function relabelTiffRaws(seeds: Map<string, Seed[]>, tiffRaws: readonly Seed[]): void {
  for (const f of Object.keys(FORMATS)) {
    if (seeds.has(f)) continue;
    const magic = f === 'orf' ? 'RO' : f === 'rw2' || f === 'rwl' ? 'U\0' : undefined;
    seeds.set(f, tiffRaws.map((s) => ({ name: `${s.name}${magic ? ' (magic)' : ''}`, bytes: magic ? withMagic(s.bytes, magic) : s.bytes })));
  }
}

function fromDir(dir: string): Map<string, Seed[]> {
  const seeds = new Map<string, Seed[]>();
  for (const f of readdirSync(dir).sort()) {
    const [format, name] = f.split('__') as [string, string];
    const list = seeds.get(format) ?? [];
    list.push({ name, bytes: readFileSync(path.join(dir, f)) });
    seeds.set(format, list);
  }
  return seeds;
}

/**
 * The seeds the fuzzer makes itself, per format, kept in a temp folder keyed by the sharp
 * version and the recipe (making the DNGs takes seconds; the same libvips makes the same
 * bytes, so a regression case replays on the same mutant). DNG-based formats are absent
 * without ../shared/tools.
 */
export async function madeSeeds(): Promise<Map<string, Seed[]>> {
  const raws = existsSync(MAKE_RAW_SET) ? readFileSync(MAKE_RAW_SET) : 'no raws';
  // Also keyed by this file and the DNG maker, so a changed recipe never serves old seeds.
  const recipe = createHash('sha256').update(readFileSync(fileURLToPath(import.meta.url))).update(raws).digest('hex').slice(0, 12);
  const key = `${sharp.versions.vips}-${sharp.versions.sharp ?? ''}-${recipe}`.replace(/[^\w.-]/g, '_');
  const dir = path.join(os.tmpdir(), `termtable-fuzz-seeds-${key}`);
  const done = path.join(dir, 'seeds');
  if (existsSync(done)) return fromDir(done);
  const work = `${dir}.${process.pid}.tmp`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(path.join(work, 'seeds'), { recursive: true });
  const seeds = await makeAll(work);
  for (const [format, list] of seeds) {
    for (const s of list) writeFileSync(path.join(work, 'seeds', `${format}__${s.name}`), s.bytes);
  }
  mkdirSync(dir, { recursive: true });
  try {
    renameSync(path.join(work, 'seeds'), done);
  } catch {
    // another run made them at the same time: theirs are the same bytes
  }
  rmSync(work, { recursive: true, force: true });
  return seeds;
}

/**
 * The sample corpus files (photos, raws, known-bad files), read in place; empty without
 * ../shared. TIFF-based raw formats the corpus has no file of are fuzzed from its DNG, NEF
 * and ARW files under their extension.
 */
export function corpusSeeds(corpusDir = CORPUS_DIR): Map<string, Seed[]> {
  const seeds = new Map<string, Seed[]>();
  for (const sub of ['photos', 'raw', 'bad']) {
    const dir = path.join(corpusDir, sub);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) {
      const format = CORPUS_FORMAT[path.extname(f).slice(1).toLowerCase()];
      const file = path.join(dir, f);
      if (!format || statSync(file).size > MAX_CORPUS_SEED_BYTES) continue;
      const list = seeds.get(format) ?? [];
      list.push({ name: `${sub}/${f}`, bytes: readFileSync(file) });
      seeds.set(format, list);
    }
  }
  const tiffRaws = ['dng', 'nef', 'arw'].flatMap((f) => (seeds.get(f) ?? []).filter((s) => s.name.startsWith('raw/')));
  if (tiffRaws.length) relabelTiffRaws(seeds, tiffRaws);
  return seeds;
}

export async function seedsOf(source: SeedSource): Promise<Map<string, Seed[]>> {
  return source === 'made' ? madeSeeds() : corpusSeeds();
}

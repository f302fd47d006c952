import { existsSync } from 'node:fs';
import { access, open } from 'node:fs/promises';
import os from 'node:os';
import { FileReader } from '../cache/sources/file-reader.js';
import { WorkerPool, WorkerTimeoutError, workerModule } from '../util/worker-pool.js';
import { extensionOf, RAW_EXTENSIONS } from './extensions.js';
import { EXIFR_OPTIONS, factsFromTags, type Tags } from './exif-tags.js';
import { readJpegFacts, type JpegFacts } from './jpeg-exif.js';
import { readRawSize } from './tiff-size.js';
import type { ImageRecord } from './types.js';

/** What import records from a file's metadata; null where the file does not say. */
export type ExifFacts = Pick<
  ImageRecord,
  'width' | 'height' | 'orientation' | 'maker' | 'model' | 'lens' | 'exposureTime' | 'fNumber' | 'iso' | 'focalLength' | 'takenAt'
> & {
  /** Fraction of a second of the capture time (SubSecTimeOriginal "25" → 0.25): bursts shoot several frames a second. */
  takenSubsec?: number | null;
};

// In extensions.ts (no exifr or sharp there); re-exported for the modules that import them from here.
export { extensionOf, IMAGE_EXTENSIONS, isSupported, RAW_EXTENSIONS } from './extensions.js';

/**
 * Per-file budget of the metadata reader. exifr normally needs milliseconds; a file that
 * takes longer is crafted or broken, and one file must never stall the rest of an import.
 */
export const METADATA_DEADLINE_MS = 10_000;

/*
 * sharp and exifr are loaded on first use, not at module load: `termtable --help` and
 * `list` reach this module through the import code but never read a file's metadata.
 */
let sharpModule: Promise<typeof import('../util/sharp.js')> | undefined;
const loadSharp = async () => (await (sharpModule ??= import('../util/sharp.js'))).default;

type ExifrJob = { data: string | Uint8Array; options: Record<string, unknown> } | { ping: true };
/**
 * One worker per core beside the main thread, at most 4: a worker costs about 50 ms of CPU to
 * start (a Node environment and exifr) and parses a file in about a millisecond, so on 2
 * cores a second one only took CPU from the thumbnails (40 DNGs: 0.03 s of 1.25 s; 100
 * JPEGs without thumbnails: 0.47 -> 0.38 s of CPU, no slower).
 */
const POOL_SIZE = Math.max(1, Math.min(4, os.availableParallelism() - 1));
let pool: WorkerPool<ExifrJob, Tags | null> | undefined;
function exifrPool(): WorkerPool<ExifrJob, Tags | null> {
  pool ??= new WorkerPool({
    file: workerModule(import.meta.url, 'exifr-worker'),
    size: POOL_SIZE,
    idleMs: 5_000,
    // exifr trusting a huge claimed length allocates it: the worker dies, not the import.
    resourceLimits: { maxOldGenerationSizeMb: 256 },
  });
  return pool;
}

/** What stopped the metadata reader of one file (a deadline or a crash), for import's errors. */
interface ReadContext {
  deadlineMs: number;
  problem?: string;
}

/**
 * Without the compiled worker (a source checkout run through tsx before `npm run build`)
 * exifr runs here, as it did before the pool: without a deadline, but working.
 */
let workerMissing: boolean | undefined;
async function exifrInProcess(data: string | Buffer, options: Record<string, unknown>): Promise<unknown> {
  const exifr = (await import('exifr')).default;
  return exifr.parse(data, options);
}

/**
 * Starts the metadata reader's workers now: each is a Node environment that loads exifr
 * (tens of ms), which an import otherwise waits for before its first batch. Called when an
 * import begins, so that start-up overlaps the library's opening and the folder walk.
 */
export function warmMetadataReader(): void {
  workerMissing ??= !existsSync(workerModule(import.meta.url, 'exifr-worker'));
  if (workerMissing) return;
  const workers = exifrPool();
  for (let i = 0; i < POOL_SIZE; i++) workers.run({ ping: true }, { timeoutMs: METADATA_DEADLINE_MS }).catch(() => undefined);
}

/**
 * Stops the metadata reader's workers, one still starting included: an import that is over
 * (a re-import of unchanged files needed none) does not wait for it to exit. A later read
 * starts a new pool.
 */
export async function closeMetadataReader(): Promise<void> {
  const workers = pool;
  pool = undefined;
  await workers?.close();
}

/** exifr.parse in a worker under the file's deadline; a runaway parse is recorded in ctx and rejects. */
async function exifrParse(ctx: ReadContext, data: string | Buffer, options: Record<string, unknown>): Promise<unknown> {
  workerMissing ??= !existsSync(workerModule(import.meta.url, 'exifr-worker'));
  if (workerMissing) return exifrInProcess(data, options);
  try {
    return await exifrPool().run({ data, options }, { timeoutMs: ctx.deadlineMs });
  } catch (err) {
    if (err instanceof WorkerTimeoutError) {
      ctx.problem ??= `metadata reader stopped after ${ctx.deadlineMs} ms (corrupt or hostile file structure); imported without metadata`;
    } else if (err instanceof Error && err.name === 'WorkerCrashError') {
      ctx.problem ??= `metadata reader crashed (${err.message}); imported without metadata`;
    }
    throw err;
  }
}

async function exifrTags(ctx: ReadContext, input: string | Buffer): Promise<Tags | undefined> {
  const out: unknown = await exifrParse(ctx, input, EXIFR_OPTIONS);
  return out && typeof out === 'object' ? (out as Tags) : undefined;
}

/**
 * Fujifilm RAF is not a TIFF: exifr does not know it, but its header points at an embedded
 * JPEG that carries the EXIF (hand-written: two big-endian words at fixed offsets).
 */
async function rafTags(ctx: ReadContext, file: string): Promise<Tags | undefined> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(92);
    await fh.read(head, 0, 92, 0);
    if (head.toString('latin1', 0, 16) !== 'FUJIFILMCCD-RAW ') return undefined;
    const offset = head.readUInt32BE(84);
    const length = Math.min(head.readUInt32BE(88), 256 * 1024);
    const jpeg = Buffer.alloc(length);
    const { bytesRead } = await fh.read(jpeg, 0, length, offset);
    return await exifrTags(ctx, jpeg.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/** EXIF tag ids of what we read from a CR3's CMT2 box (exifr parses it as a bare IFD0). */
const EXIF_TAG_IDS: Record<string, number> = {
  ExposureTime: 0x829a,
  FNumber: 0x829d,
  ISO: 0x8827,
  DateTimeOriginal: 0x9003,
  CreateDate: 0x9004,
  OffsetTimeOriginal: 0x9011,
  FocalLength: 0x920a,
  LensModel: 0xa434,
};

/**
 * Canon CR3 is an ISO-BMFF container that exifr does not know; its metadata sits in boxes
 * CMT1 (IFD0: make, model, size, orientation) and CMT2 (the EXIF IFD), each a TIFF stream,
 * near the start of the file. Hand-written: find the box tags, read their sizes.
 */
async function cr3Tags(ctx: ReadContext, file: string): Promise<Tags | undefined> {
  const fh = await open(file, 'r');
  let head: Buffer;
  try {
    const buf = Buffer.alloc(256 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  if (head.toString('latin1', 4, 12) !== 'ftypcrx ') return undefined;
  const box = (tag: string): Buffer | undefined => {
    const at = head.indexOf(tag, 0, 'latin1');
    if (at < 4) return undefined;
    const size = head.readUInt32BE(at - 4);
    return size > 8 && at - 4 + size <= head.length ? head.subarray(at + 4, at - 4 + size) : undefined;
  };
  const cmt1 = box('CMT1');
  const cmt2 = box('CMT2');
  const tags: Tags = {};
  if (cmt1) Object.assign(tags, await exifrTags(ctx, cmt1).catch(() => undefined), { NewSubfileType: 0 });
  if (cmt2) {
    const raw: unknown = await exifrParse(ctx, cmt2, {
      tiff: true,
      exif: false,
      translateKeys: false,
      translateValues: false,
      reviveValues: false,
    }).catch(() => undefined);
    if (raw && typeof raw === 'object') {
      const byId = raw as Record<number, unknown>;
      for (const [name, id] of Object.entries(EXIF_TAG_IDS)) if (byId[id] !== undefined) tags[name] = byId[id];
    }
  }
  return Object.keys(tags).length ? tags : undefined;
}

/** sharp's EXIF blob: a TIFF stream, behind an "Exif\0\0" header for JPEG/HEIF/AVIF. */
function tiffOf(exif: Buffer): Buffer {
  return exif.subarray(0, 6).toString('latin1') === 'Exif\u0000\u0000' ? exif.subarray(6) : exif;
}

/**
 * A JPEG's size and EXIF from its own header (the file's first 64 KiB, one read), or null
 * when libjpeg would not decode it. Why not sharp: loading it and its metadata() call were
 * about a third of the main thread's CPU in an import of 100 JPEGs without thumbnails; and
 * the worker is sent the EXIF bytes rather than the path, so it opens no file (four file
 * system round trips fewer per file).
 */
async function jpegFacts(file: string): Promise<JpegFacts | null> {
  const reader = await FileReader.open(file);
  try {
    return await readJpegFacts(reader);
  } finally {
    await reader.close();
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

const isGone = (err: unknown) => ['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '');

/** A file that disappeared between the folder walk and the metadata read. */
export class VanishedError extends Error {
  override name = 'VanishedError';
}

/** What the metadata reader got of one file; `problem` says why it stopped early, if it did. */
export interface ExifReport {
  facts: ExifFacts;
  problem?: string;
}

export interface ReadExifOptions {
  /** @default METADATA_DEADLINE_MS */
  deadlineMs?: number;
}

/**
 * Reads what the lighttable shows of a file. Never fails for bad content (a file whose
 * metadata cannot be read gets nulls, so the lighttable can still show its skull); throws
 * VanishedError when the file is gone.
 */
export async function readExifFacts(file: string, fileSize: number, options: ReadExifOptions = {}): Promise<ExifFacts> {
  return (await readExifReport(file, fileSize, options)).facts;
}

/**
 * readExifFacts plus the reason, when the reader was stopped (past its deadline, or its
 * worker crashed): import lists it in its errors and still imports the file.
 */
export async function readExifReport(file: string, fileSize: number, options: ReadExifOptions = {}): Promise<ExifReport> {
  const ctx: ReadContext = { deadlineMs: options.deadlineMs ?? METADATA_DEADLINE_MS };
  const facts = await readWith(ctx, file, fileSize);
  return ctx.problem === undefined ? { facts } : { facts, problem: ctx.problem };
}

async function readWith(ctx: ReadContext, file: string, fileSize: number): Promise<ExifFacts> {
  const ext = extensionOf(file);
  const raw = RAW_EXTENSIONS.has(ext);
  // Nothing to read; and exifr leaks its file handle on an empty file.
  if (fileSize < 16) return factsFromTags(undefined, raw);
  try {
    if (raw) {
      if (ext === 'raf') {
        // The embedded JPEG's EXIF describes the preview's size, not the sensor's.
        return { ...factsFromTags(await rafTags(ctx, file), true), width: null, height: null };
      }
      if (ext === 'cr3') return factsFromTags(await cr3Tags(ctx, file), true);
      const tags = await exifrTags(ctx, file).catch(() => undefined);
      const facts = factsFromTags(tags, true);
      const sizeWanted = facts.width === null || facts.height === null;
      const size = sizeWanted ? await readRawSize(file).catch(() => null) : null;
      // The readers' failures are swallowed above, so a file gone meanwhile is noticed here
      // (when both read it, it was there: no third look).
      if ((tags === undefined || (sizeWanted && size === null)) && !(await exists(file))) {
        throw new VanishedError('file vanished during import');
      }
      return size ? { ...facts, ...size } : facts;
    }
    if (ext === 'jpg' || ext === 'jpeg') {
      const jpeg = await jpegFacts(file);
      // Anything but a well-formed header libjpeg decodes goes to libvips below, as before.
      if (jpeg) {
        const tags = jpeg.exif ? await exifrTags(ctx, jpeg.exif).catch(() => undefined) : undefined;
        return { ...factsFromTags(tags, false), width: jpeg.width, height: jpeg.height };
      }
    }
    // libvips reads only the header here; it knows every non-raw format we accept (exifr
    // does not know WebP, PNG or GIF) and gives the stored pixel size.
    const sharp = await loadSharp();
    const meta = await sharp(file, { limitInputPixels: false, failOn: 'none' }).metadata();
    let tags: Tags | undefined;
    // TIFF keeps its tags in the file itself rather than in an EXIF blob.
    tags = await exifrTags(ctx, meta.exif ? tiffOf(meta.exif) : file).catch(() => undefined);
    const facts = factsFromTags(tags, false);
    return {
      ...facts,
      width: meta.width ?? facts.width,
      height: meta.height ?? facts.height,
      orientation: meta.orientation && meta.orientation >= 1 && meta.orientation <= 8 ? meta.orientation : facts.orientation,
    };
  } catch (err) {
    // sharp's "Input file is missing" carries no errno code: ask the file system.
    if (isGone(err) || !(await exists(file))) throw new VanishedError('file vanished during import');
    // Stopped past its deadline: a second try would only spend the budget again.
    if (!raw && ctx.problem === undefined) {
      // libvips refuses a damaged header, but the EXIF in front of it may still be fine.
      try {
        return factsFromTags(await exifrTags(ctx, file), false);
      } catch (again) {
        if (isGone(again)) throw new VanishedError('file vanished during import');
      }
    }
    return factsFromTags(undefined, raw);
  }
}

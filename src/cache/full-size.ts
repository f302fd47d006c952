/**
 * Full-size pixels of one image for the loupe (1:1 zoom): the embedded full-size JPEG most raw
 * files carry, when it really is full-size (its size against the sensor's), else a full decode
 * (sharp for JPEG/TIFF/PNG/WebP/AVIF, heic-decode for HEIC, LibRaw's dcraw_emu without
 * half-size for raws). Always upright (EXIF orientation, then the user's rotation), 8-bit RGB.
 */
import { readFile } from 'node:fs/promises';
import type { SharpOptions } from 'sharp';
import sharp from '../util/sharp.js';
import { classifyError, ThumbError } from './sources/causes.js';
import { findEmbeddedPreviews, type EmbeddedPreview } from './sources/embedded.js';
import { FileReader } from './sources/file-reader.js';
import { decodeHeic } from './sources/heic-decoder.js';
import { uprightTransform } from './sources/orientation.js';
import { decodeRaw } from './sources/raw-decoder.js';
import { identifyRaw, type SensorSize } from './sources/raw-identify.js';
import { PIXEL_LIMIT } from './sources/render.js';
import { isRawKind, sniffKind, SNIFF_BYTES } from './sources/sniff.js';
import { readTiff } from './sources/tiff.js';
import type { ThumbSubject } from './types.js';

export interface FullSizeSource {
  /** 8-bit RGB, interleaved, upright. */
  pixels: Buffer;
  width: number;
  height: number;
  channels: 3;
  /** Where the pixels came from, for the status bar: "embedded JPEG", "LibRaw", "sharp"… */
  origin: string;
}

/** Which source a file's loupe uses, and its upright size, found without decoding. */
export type FullSizePlan =
  | { kind: 'embedded'; preview: EmbeddedPreview; width: number; height: number; orientation: number; sensor: SensorSize | null }
  | { kind: 'raw'; width: number; height: number; sensor: SensorSize | null; fallback: EmbeddedPreview | null; orientation: number }
  | { kind: 'image'; width: number; height: number };

export interface FullSizeOptions {
  signal?: AbortSignal;
  /** Refuse a source bigger than this many bytes of RGB. @default 1 GiB */
  maxBytes?: number;
  /** Kill a raw decode after this long. @default 60000 */
  timeoutMs?: number;
}

/** An embedded JPEG counts as full-size when its long edge is at least this share of the sensor's. */
export const FULL_SIZE_SHARE = 0.95;
/** Raws above this many sensor pixels are refused before decoding (as for thumbnails). */
const RAW_PIXEL_LIMIT = 4 * PIXEL_LIMIT;
/** Lossless-JPEG raws need at least 1 bit per pixel: a file far below that holds no raw data. */
const MIN_RAW_BYTES_PER_PIXEL = 0.1;
/** A preview shown when LibRaw cannot decode must be at least this big (long edge). */
const MIN_FALLBACK_EDGE = 1024;

const longEdge = (s: { width: number; height: number }) => Math.max(s.width, s.height);
const aspect = (s: { width: number; height: number }) => longEdge(s) / Math.max(1, Math.min(s.width, s.height));

/** Whether an embedded preview is the sensor's full size (either way round, 3 % aspect slack). Pure. */
export function isFullSize(preview: { width: number; height: number }, sensor: { width: number; height: number }): boolean {
  return longEdge(preview) >= FULL_SIZE_SHARE * longEdge(sensor) && Math.abs(aspect(preview) - aspect(sensor)) <= 0.03 * aspect(sensor);
}

/** Upright size of w×h under an EXIF orientation and the user's quarter turns. */
function upright(w: number, h: number, orientation: number, rotation: number): { width: number; height: number } {
  const t = uprightTransform(orientation, rotation);
  return t.rotate === 90 || t.rotate === 270 ? { width: h, height: w } : { width: w, height: h };
}

/** Decides the source without decoding: reads the raw's previews and its sensor size. */
export async function planFullSize(subject: ThumbSubject & { width?: number | null; height?: number | null }, opts: FullSizeOptions = {}): Promise<FullSizePlan> {
  const reader = await FileReader.open(subject.path);
  try {
    if (reader.size === 0) throw new ThumbError('unsupported', 'empty file (0 bytes)');
    let kind = sniffKind(await reader.read(0, SNIFF_BYTES), subject.path);
    if (kind === 'unknown') throw new ThumbError('unsupported', 'not an image: unrecognised file content');
    if (kind === 'tiff' && (await readTiff(reader).catch(() => null))?.isDng) kind = 'raw-tiff';
    if (!isRawKind(kind)) {
      const meta = await sharp(subject.path).metadata();
      const w = meta.width ?? 0;
      const h = meta.pageHeight ?? meta.height ?? 0;
      if (!w || !h) throw new ThumbError('unsupported', `unsupported format: ${meta.format ?? 'unknown'}`);
      // libheif applies the container's rotation itself.
      const orientation = meta.format === 'heif' && meta.compression === 'hevc' ? 1 : (meta.orientation ?? 1);
      return { kind: 'image', ...upright(w, h, orientation, subject.rotation) };
    }
    const scan = await findEmbeddedPreviews(reader, kind);
    const orientation = subject.orientation >= 1 && subject.orientation <= 8 ? subject.orientation : (scan.tiff?.orientation ?? 1);
    // The sensor from LibRaw's own reading of the header; else the largest IFD, else EXIF.
    const sensor =
      (await identifyRaw(subject.path, opts.signal ? { signal: opts.signal } : {}).catch(() => null)) ??
      scan.tiff?.maxSize ??
      (subject.width && subject.height ? { width: subject.width, height: subject.height } : null);
    const best = scan.previews[0];
    if (best && sensor && isFullSize(best, sensor)) {
      return { kind: 'embedded', preview: best, orientation, sensor, ...upright(best.width, best.height, orientation, subject.rotation) };
    }
    const fallback = best && longEdge(best) >= MIN_FALLBACK_EDGE ? best : null;
    const size = sensor ?? best ?? { width: 0, height: 0 };
    // LibRaw applies the raw's orientation: the sensor size is turned by it and the user's turns.
    return { kind: 'raw', sensor, fallback, orientation, ...upright(size.width, size.height, orientation, subject.rotation) };
  } finally {
    await reader.close();
  }
}

/** Decodes what planFullSize chose into upright RGB. Throws ThumbError (cause and one line). */
export async function decodeFullSize(subject: ThumbSubject, plan: FullSizePlan, opts: FullSizeOptions = {}): Promise<FullSizeSource> {
  const maxBytes = opts.maxBytes ?? 1024 ** 3;
  const check = (w: number, h: number) => checkBytes(w, h, maxBytes);
  if (opts.signal?.aborted) throw new ThumbError('unsupported', 'aborted');
  if (plan.kind === 'embedded') {
    check(plan.width, plan.height);
    const bytes = await readPreview(subject.path, plan.preview);
    return toRgb({ input: bytes }, uprightTransform(plan.orientation, subject.rotation), `embedded JPEG ${plan.preview.width}×${plan.preview.height}`);
  }
  if (plan.kind === 'image') {
    check(plan.width, plan.height);
    const meta = await sharp(subject.path).metadata();
    if (meta.format === 'heif' && meta.compression === 'hevc') {
      const data = await readFile(subject.path);
      const d = await decodeHeic(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), opts.signal ? { signal: opts.signal } : {});
      return toRgb({ input: d.pixels, options: { raw: { width: d.width, height: d.height, channels: 4 } } }, uprightTransform(1, subject.rotation), `HEIC ${d.width}×${d.height}`);
    }
    const src = await toRgb({ input: subject.path }, uprightTransform(meta.orientation ?? 1, subject.rotation), '');
    return { ...src, origin: `${(meta.format ?? 'image').toUpperCase()} ${src.width}×${src.height}` };
  }
  try {
    return await decodeRawFull(subject, plan, maxBytes, opts);
  } catch (err) {
    // LibRaw cannot decode it (no raw data, a truncated file): its biggest preview beats a skull.
    if (opts.signal?.aborted || !plan.fallback) throw err;
    const bytes = await readPreview(subject.path, plan.fallback);
    const why = classifyError(err).detail;
    return toRgb({ input: bytes }, uprightTransform(plan.orientation, subject.rotation), `embedded preview ${plan.fallback.width}×${plan.fallback.height}, not full size (${why})`);
  }
}

async function decodeRawFull(subject: ThumbSubject, plan: Extract<FullSizePlan, { kind: 'raw' }>, maxBytes: number, opts: FullSizeOptions): Promise<FullSizeSource> {
  const sensorPixels = plan.sensor ? plan.sensor.width * plan.sensor.height : 0;
  if (sensorPixels > RAW_PIXEL_LIMIT) throw new ThumbError('memory', `raw declares ${Math.round(sensorPixels / 1e6)} MP, over the limit`);
  if (plan.width && plan.height) checkBytes(plan.width, plan.height, maxBytes);
  const decoded = await decodeRaw(subject.path, {
    halfSize: false,
    maxBytes: maxBytes + 64,
    timeoutMs: opts.timeoutMs ?? 60_000,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const fileSize = subject.fileSize;
  if (fileSize > 0 && fileSize < decoded.width * decoded.height * MIN_RAW_BYTES_PER_PIXEL) {
    throw new ThumbError('unsupported', `raw data missing or cut short: ${fileSize} bytes for a ${decoded.width}x${decoded.height} sensor`);
  }
  const raw = { width: decoded.width, height: decoded.height, channels: decoded.channels };
  // LibRaw has applied the raw's orientation; only the user's turns remain.
  return toRgb({ input: decoded.pixels, options: { raw } }, uprightTransform(1, subject.rotation), `LibRaw full decode ${decoded.width}×${decoded.height}`);
}

function checkBytes(w: number, h: number, maxBytes: number): void {
  if (w * h * 3 > maxBytes) throw new ThumbError('memory', `full size ${w}x${h} needs ${Math.round((w * h * 3) / 1048576)} MiB, over ${Math.round(maxBytes / 1048576)} MiB`);
}

async function readPreview(file: string, preview: EmbeddedPreview): Promise<Buffer> {
  const reader = await FileReader.open(file);
  try {
    return await reader.readExactly(preview.offset, preview.length);
  } finally {
    await reader.close();
  }
}

async function toRgb(src: { input: string | Buffer; options?: SharpOptions }, t: { flop: boolean; rotate: 0 | 90 | 180 | 270 }, origin: string): Promise<FullSizeSource> {
  let img = sharp(src.input, { limitInputPixels: PIXEL_LIMIT, failOn: 'error', ...src.options });
  if (t.rotate) img = img.rotate(t.rotate);
  if (t.flop) img = img.flop();
  const { data, info } = await img
    .flatten({ background: { r: 48, g: 48, b: 48 } })
    .toColourspace('srgb')
    .removeAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new ThumbError('unsupported', `decoded to ${info.channels} channels, expected RGB`);
  return { pixels: data, width: info.width, height: info.height, channels: 3, origin };
}

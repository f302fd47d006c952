import { readFile } from 'node:fs/promises';
import sharp from '../../util/sharp.js';
import type { ThumbnailSourcePref } from '../../config/preferences.js';
import { LEVEL_SIZES, type Level, type ThumbCause, type ThumbSubject } from '../types.js';
import { classifyError, ThumbError } from './causes.js';
import { findEmbeddedPreviews, findJpegExifThumbnail, type EmbeddedPreview } from './embedded.js';
import { readTiff, type TiffInfo } from './tiff.js';
import { FileReader } from './file-reader.js';
import { decodeHeic } from './heic-decoder.js';
import { uprightTransform } from './orientation.js';
import { decodeRaw, MIN_RAW_BYTES_PER_PIXEL, RAW_PIXEL_LIMIT } from './raw-decoder.js';
import { withIccChunk } from './png-icc.js';
import { PIXEL_LIMIT, renderLevels, SHARP_TIMEOUT_S, type ColorOptions, type MadeThumb, type SharpInput } from './render.js';
import { isRawKind, sniffKind, SNIFF_BYTES, type FileKind } from './sniff.js';

export type { MadeThumb } from './render.js';
export { NO_RAW_DECODER, findRawDecoder } from './raw-decoder.js';
export { PIXEL_LIMIT } from './render.js';

export interface MakeThumbnailsOptions {
  /** Levels to make, e.g. [0, 1, 2]; the image is decoded once and every level derived from it. */
  levels: readonly Level[];
  /** darktable's "use raw file instead of embedded JPEG from size". */
  sourcePref: ThumbnailSourcePref;
  /** Full preview: decode the file itself even if an embedded preview exists. @default false */
  forceProcessed?: boolean;
  /** Convert from the embedded ICC profile to the display profile (sRGB or monitorProfile). */
  colorManagement: boolean;
  /** ICC file of the monitor; null = sRGB. */
  monitorProfile: string | null;
  /** Aborting ends the work (kills a raw decoder, drops a HEIC worker) with detail "aborted". */
  signal?: AbortSignal;
  /** Measure focus and dHash of the decoded pixels when the largest level is mip2 (render.ts says why only then): MadeThumb.analysis. @default false */
  analyse?: boolean;
}

export type MakeResult = { ok: true; thumbs: MadeThumb[] } | { ok: false; cause: ThumbCause; detail: string };

/** No single thumbnail job may take longer than this, whatever the input. */
const OVERALL_TIMEOUT_MS = 120_000;
/** An embedded preview used when the raw cannot be decoded must be at least this big (long edge). */
const MIN_FALLBACK_EDGE = 96;
/** HEIC files bigger than this are not read into memory. */
const MAX_HEIC_BYTES = 256 * 1024 * 1024;
/** sharp formats we decode ourselves; anything else sharp recognises (SVG, PDF…) is not a photo. */
const SHARP_FORMATS = new Set(['jpeg', 'png', 'gif', 'webp', 'tiff', 'heif']);

/**
 * Turns one image file into upright JPEG thumbnails at the requested levels, from its
 * largest embedded preview or by decoding it, or explains why it cannot. Never throws and
 * never hangs: every failure becomes {ok: false, cause, detail}.
 */
export async function makeThumbnails(subject: ThumbSubject, opts: MakeThumbnailsOptions): Promise<MakeResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ThumbError('unsupported', `gave up after ${OVERALL_TIMEOUT_MS / 1000} s`)), OVERALL_TIMEOUT_MS);
      timer.unref();
    });
    const thumbs = await Promise.race([make(subject, opts), timeout]);
    if (opts.signal?.aborted) return { ok: false, cause: 'unsupported', detail: 'aborted' };
    return { ok: true, thumbs };
  } catch (err) {
    const { cause, detail } = classifyError(err);
    return { ok: false, cause, detail };
  } finally {
    clearTimeout(timer);
  }
}

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw new ThumbError('unsupported', 'aborted');
}

/** Whether the preference asks to decode the file itself for this level. */
export function prefersProcessed(level: Level, pref: ThumbnailSourcePref, force = false): boolean {
  if (force || pref === 'always') return true;
  if (pref === 'never') return false;
  return level >= Number(pref.slice(3));
}

const longEdge = (p: { width: number; height: number }) => Math.max(p.width, p.height);

async function make(subject: ThumbSubject, opts: MakeThumbnailsOptions): Promise<MadeThumb[]> {
  const levels = [...new Set(opts.levels)].filter((l) => LEVEL_SIZES[l] !== undefined).sort((a, b) => a - b);
  if (levels.length === 0) throw new ThumbError('unsupported', 'no valid level requested');
  checkAbort(opts.signal);
  const reader = await FileReader.open(subject.path);
  try {
    if (reader.size === 0) throw new ThumbError('unsupported', 'empty file (0 bytes)');
    const head = await reader.read(0, SNIFF_BYTES);
    let kind = sniffKind(head, subject.path);
    if (kind === 'unknown') throw new ThumbError('unsupported', 'not an image: unrecognised file content');
    const color: ColorOptions = { colorManagement: opts.colorManagement, monitorProfile: opts.monitorProfile, analyse: opts.analyse === true };
    // A DNG under a .tif name is still a raw.
    if (kind === 'tiff' && (await readTiff(reader).catch(() => null))?.isDng) kind = 'raw-tiff';
    if (isRawKind(kind)) return await fromRaw(reader, kind, subject, levels, opts, color);
    return await fromImage(reader, kind, subject, levels, opts, color);
  } finally {
    await reader.close();
  }
}

const isJpegStart = (b: Buffer): boolean => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

/** Renders levels from one embedded preview (bytes read now, bounds-checked). */
async function fromPreview(
  reader: FileReader,
  preview: EmbeddedPreview,
  levels: Level[],
  orientation: number,
  rotation: number,
  color: ColorOptions,
): Promise<MadeThumb[]> {
  const bytes = await reader.readExactly(preview.offset, preview.length);
  // A JPEG's start marker is all we check here: the decode itself (failOn 'error') refuses a
  // corrupt one, and a separate sharp().metadata() pass cost a second header parse per file.
  if (!isJpegStart(bytes)) throw new ThumbError('unsupported', `embedded preview is not a JPEG (${preview.origin})`);
  return renderLevels({ input: bytes }, levels, uprightTransform(orientation, rotation), color, 'embedded');
}

async function fromRaw(
  reader: FileReader,
  kind: FileKind,
  subject: ThumbSubject,
  levels: Level[],
  opts: MakeThumbnailsOptions,
  color: ColorOptions,
): Promise<MadeThumb[]> {
  const scan = await findEmbeddedPreviews(reader, kind);
  checkAbort(opts.signal);
  // The raw's EXIF orientation (as the library read it) orients its previews, not the previews' own tags.
  const orientation = subject.orientation >= 1 && subject.orientation <= 8 ? subject.orientation : (scan.tiff?.orientation ?? 1);
  const best = scan.previews[0];
  const embeddedLevels: Level[] = [];
  let processedLevels: Level[] = [];
  for (const level of levels) {
    const fits = best !== undefined && longEdge(best) >= LEVEL_SIZES[level];
    if (fits && !prefersProcessed(level, opts.sourcePref, opts.forceProcessed)) embeddedLevels.push(level);
    else processedLevels.push(level);
  }

  const out: MadeThumb[] = [];
  if (embeddedLevels.length > 0) {
    const need = LEVEL_SIZES[embeddedLevels[embeddedLevels.length - 1] ?? 0];
    const made = await firstRendered(previewsFor(scan.previews, need), (p) =>
      fromPreview(reader, p, embeddedLevels, orientation, subject.rotation, color),
    );
    if (made) out.push(...made);
    else processedLevels = [...processedLevels, ...embeddedLevels].sort((a, b) => a - b);
  }

  if (processedLevels.length > 0) {
    checkAbort(opts.signal);
    let decoded: MadeThumb[];
    try {
      if (scan.broken) throw new ThumbError('unsupported', scan.broken);
      decoded = await decodeRawLevels(reader, subject, scan.tiff, processedLevels, opts, color);
    } catch (rawErr) {
      if (opts.signal?.aborted) throw rawErr;
      // Cannot decode the raw: the best embedded preview is better than a skull, unless it is a token 8x8 one.
      const rescued = await firstRendered(
        scan.previews.filter((p) => longEdge(p) >= MIN_FALLBACK_EDGE),
        (p) => fromPreview(reader, p, processedLevels, orientation, subject.rotation, color),
      );
      if (!rescued) throw rawErr;
      decoded = rescued;
    }
    // A level processed only because the preview was too small, where the decode came out
    // smaller still (small sensors, half-size): the preview is the better picture.
    const worse = decoded.filter(
      (t) =>
        t.source === 'processed' &&
        best !== undefined &&
        !prefersProcessed(t.level, opts.sourcePref, opts.forceProcessed) &&
        longEdge(t) < Math.min(LEVEL_SIZES[t.level], longEdge(best)),
    );
    const better =
      worse.length > 0 && best
        ? await firstRendered([best], (p) => fromPreview(reader, p, worse.map((t) => t.level), orientation, subject.rotation, color))
        : null;
    out.push(...(better ? [...decoded.filter((t) => !worse.includes(t)), ...better] : decoded));
  }
  return out.sort((a, b) => a.level - b.level);
}

/** The thumbnails of the first preview that renders, or null when none does. */
async function firstRendered(
  previews: readonly EmbeddedPreview[],
  render: (p: EmbeddedPreview) => Promise<MadeThumb[]>,
): Promise<MadeThumb[] | null> {
  for (const preview of previews) {
    try {
      return await render(preview);
    } catch {
      // a corrupt preview: try the next one
    }
  }
  return null;
}

/**
 * Previews that can serve a level of `need` px, best first: the smallest one big enough and
 * shaped like the largest (a 1620-px preview makes the same 512-px thumbnail as a 6000-px
 * JpgFromRaw at a fraction of the decoding; letterboxed 160x120 thumbnails of 3:2 frames are
 * passed over), then the others big enough, largest first.
 */
function previewsFor(previews: readonly EmbeddedPreview[], need: number): EmbeddedPreview[] {
  const largest = previews[0];
  if (!largest) return [];
  const aspect = (p: EmbeddedPreview) => p.width / p.height;
  const big = previews.filter((p) => longEdge(p) >= need);
  const sameShape = big.filter((p) => Math.abs(aspect(p) - aspect(largest)) <= 0.02 * aspect(largest));
  const first = sameShape[sameShape.length - 1];
  return first ? [first, ...big.filter((p) => p !== first)] : big;
}

async function decodeRawLevels(
  reader: FileReader,
  subject: ThumbSubject,
  tiffInfo: TiffInfo | null,
  levels: Level[],
  opts: MakeThumbnailsOptions,
  color: ColorOptions,
): Promise<MadeThumb[]> {
  const declaredPixels = tiffInfo?.maxPixels ?? 0;
  if (declaredPixels > RAW_PIXEL_LIMIT) {
    throw new ThumbError('memory', `raw declares ${Math.round(declaredPixels / 1e6)} MP, over the ${Math.round(RAW_PIXEL_LIMIT / 1e6)} MP limit`);
  }
  // Half-size unless that would be smaller than the largest level asked for (small sensors, mip3/mip4).
  const need = LEVEL_SIZES[levels[levels.length - 1] ?? 0];
  const sensorEdge = Math.sqrt(declaredPixels * 1.5); // long edge of a 3:2 sensor of that area
  const halfSize = !(declaredPixels > 0 && sensorEdge / 2 < need);
  const decoded = await decodeRaw(subject.path, { signal: opts.signal, halfSize });
  const meta = { width: decoded.width, height: decoded.height };
  if (!meta.width || !meta.height) throw new ThumbError('unsupported', 'raw decoder produced no image');
  const scale = halfSize ? 2 : 1;
  const sensorPixels = meta.width * scale * meta.height * scale;
  if (reader.size < sensorPixels * MIN_RAW_BYTES_PER_PIXEL) {
    throw new ThumbError(
      'unsupported',
      `raw data missing or cut short: ${reader.size} bytes for a ${meta.width * scale}x${meta.height * scale} sensor`,
    );
  }
  // LibRaw has already applied the raw's orientation; only the user's turns remain.
  const raw = { width: decoded.width, height: decoded.height, channels: decoded.channels };
  return renderLevels({ input: decoded.pixels, options: { raw } }, levels, uprightTransform(1, subject.rotation), color, 'processed');
}

async function fromImage(
  reader: FileReader,
  kind: FileKind,
  subject: ThumbSubject,
  levels: Level[],
  opts: MakeThumbnailsOptions,
  color: ColorOptions,
): Promise<MadeThumb[]> {
  const meta = await sharp(subject.path).metadata();
  const width = meta.width ?? 0;
  const height = meta.pageHeight ?? meta.height ?? 0;
  if (!meta.format || !SHARP_FORMATS.has(meta.format)) throw new ThumbError('unsupported', `unsupported format: ${meta.format ?? 'unknown'}`);
  if (width * height > PIXEL_LIMIT) {
    throw new ThumbError('memory', `image is ${width}x${height} (${Math.round((width * height) / 1e6)} MP), over the ${Math.round(PIXEL_LIMIT / 1e6)} MP limit`);
  }
  checkAbort(opts.signal);
  const transformFromExif = uprightTransform(meta.orientation ?? 1, subject.rotation);

  if (meta.format === 'heif' && meta.compression === 'hevc') {
    if (reader.size > MAX_HEIC_BYTES) throw new ThumbError('memory', `HEIC file of ${reader.size} bytes is too big to decode`);
    const data = await readFile(subject.path);
    const decoded = await decodeHeic(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), { signal: opts.signal });
    const raw = { width: decoded.width, height: decoded.height, channels: 4 as const };
    let input: SharpInput = { input: decoded.pixels, options: { raw } };
    if (meta.icc && opts.colorManagement) {
      // Give the pixels their profile back (phones shoot Display P3) at the largest level's size.
      const edge = LEVEL_SIZES[levels[levels.length - 1] ?? 0];
      const small = await sharp(decoded.pixels, { raw, limitInputPixels: PIXEL_LIMIT })
        .timeout({ seconds: SHARP_TIMEOUT_S })
        .resize(edge, edge, { fit: 'inside', withoutEnlargement: true })
        .png({ compressionLevel: 0 })
        .toBuffer();
      input = { input: withIccChunk(small, meta.icc) };
    }
    // libheif applied the container's rotation already: only the user's turns remain.
    return renderLevels(input, levels, uprightTransform(1, subject.rotation), color, 'processed');
  }

  // A big JPEG's EXIF thumbnail serves mip0 alone; with bigger levels asked for, one decode serves all.
  if (kind === 'jpeg' && levels.length === 1 && levels[0] === 0 && !prefersProcessed(0, opts.sourcePref, opts.forceProcessed)) {
    const exifThumb = await findJpegExifThumbnail(reader).catch(() => null);
    if (exifThumb) {
      const { preview, main } = exifThumb;
      const sameShape = Math.abs(preview.width / preview.height - main.width / main.height) < 0.02 * (main.width / main.height);
      if (sameShape && longEdge(preview) >= LEVEL_SIZES[0] && longEdge(main) > longEdge(preview)) {
        try {
          return await fromPreview(reader, preview, levels, meta.orientation ?? 1, subject.rotation, color);
        } catch {
          // a broken thumbnail: decode the image itself
        }
      }
    }
  }
  return renderLevels({ input: subject.path }, levels, transformFromExif, color, 'processed');
}

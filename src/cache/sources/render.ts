import type { SharpOptions } from 'sharp';
import sharp from '../../util/sharp.js';
import { analysePixels } from '../../analysis/analyse.js';
import { ANALYSIS_EDGE } from '../../analysis/sharpness.js';
import type { ImageAnalysis } from '../../analysis/types.js';
import { LEVEL_SIZES, type Level, type ThumbSource } from '../types.js';
import { ThumbError } from './causes.js';
import type { UprightTransform } from './orientation.js';

/** sharp's pixel bound: 2^28 ≈ 268 MP, above any camera; a bomb over it fails as `memory`. */
export const PIXEL_LIMIT = 2 ** 28;
/** JPEG quality of thumbnails: darktable's default for its disk cache is 90; 85 halves nothing visible at these sizes. */
export const JPEG_QUALITY = 85;
/**
 * libvips' own deadline for one pipeline (sharp's timeout(): libvips checks it while it
 * evaluates and stops the work on its thread), so a decode that runs away in a libvips
 * loader ends there instead of holding a libuv thread after the job was given up.
 */
export const SHARP_TIMEOUT_S = 60;
/** Transparent pixels are laid on this: a neutral dark grey that suits a terminal. */
const BACKGROUND = { r: 48, g: 48, b: 48 };

export interface ColorOptions {
  colorManagement: boolean;
  monitorProfile: string | null;
  /** Also measure focus and dHash (src/analysis) of the decoded pixels, when the largest level is mip2. */
  analyse?: boolean;
}

export interface MadeThumb {
  level: Level;
  jpeg: Buffer;
  width: number;
  height: number;
  source: ThumbSource;
  /** With `analyse`: focus score and dHash of the pixels this level was made from (a job whose largest level is mip2). */
  analysis?: ImageAnalysis;
}

/** What sharp decodes: a file path or bytes, plus input options (raw pixels, pages…). */
export interface SharpInput {
  input: string | Buffer;
  options?: SharpOptions;
}

/**
 * Decodes once (shrink-on-load to the largest level asked for), orients, converts colour, and
 * derives every smaller level from that one buffer of 8-bit pixels.
 */
export async function renderLevels(
  src: SharpInput,
  levels: readonly Level[],
  transform: UprightTransform,
  color: ColorOptions,
  source: ThumbSource,
): Promise<MadeThumb[]> {
  try {
    return await render(src, levels, transform, color, source);
  } catch (err) {
    // sharp says "timeout: 13% complete".
    const m = /^timeout: (\d+)% complete/.exec((err as Error)?.message ?? '');
    if (m) throw new ThumbError('unsupported', `decoding stopped by libvips after ${SHARP_TIMEOUT_S} s (${m[1]}% done)`);
    throw err;
  }
}

async function render(
  src: SharpInput,
  levels: readonly Level[],
  transform: UprightTransform,
  color: ColorOptions,
  source: ThumbSource,
): Promise<MadeThumb[]> {
  const sorted = [...new Set(levels)].sort((a, b) => b - a);
  const top = sorted[0];
  if (top === undefined) return [];
  const size = LEVEL_SIZES[top];
  let img = sharp(src.input, {
    limitInputPixels: PIXEL_LIMIT,
    failOn: 'error',
    sequentialRead: true,
    ...(color.colorManagement ? {} : { ignoreIcc: true }),
    ...src.options,
  }).timeout({ seconds: SHARP_TIMEOUT_S });
  if (transform.rotate) img = img.rotate(transform.rotate);
  if (transform.flop) img = img.flop();
  img = img
    .resize(size, size, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: BACKGROUND });
  // Pixels leave in display space with no profile attached, so a renderer decoding the JPEG
  // with sharp does not convert them a second time.
  if (color.colorManagement && color.monitorProfile) img = img.withIccProfile(color.monitorProfile, { attach: false });
  else img = img.toColourspace('srgb');
  if (sorted.length === 1) {
    // One level: encode straight from the decode, no intermediate pixel buffer.
    const jpeg = await img.jpeg({ quality: JPEG_QUALITY }).toBuffer({ resolveWithObject: true });
    return [{ level: top, jpeg: jpeg.data, width: jpeg.info.width, height: jpeg.info.height, source }];
  }
  const { data, info } = await img.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  const raw = { width: info.width, height: info.height, channels: info.channels as 1 | 2 | 3 | 4 };
  // The levels' resizes and encodes run side by side on libvips' threads: awaited one after
  // another, the small ones left cores idle.
  const encodes = Promise.all(
    sorted.map(async (level): Promise<MadeThumb> => {
      const edge = LEVEL_SIZES[level];
      let pipeline = sharp(data, { raw }).timeout({ seconds: SHARP_TIMEOUT_S });
      if (Math.max(raw.width, raw.height) > edge) pipeline = pipeline.resize(edge, edge, { fit: 'inside' });
      const jpeg = await pipeline.jpeg({ quality: JPEG_QUALITY }).toBuffer({ resolveWithObject: true });
      return { level, jpeg: jpeg.data, width: jpeg.info.width, height: jpeg.info.height, source };
    }),
  );
  // Measured while they encode, from the buffer they share (no second decode): started after
  // them because its JavaScript runs at once, on this thread, and would hold them back. A
  // failure costs the measurement, never the thumbnails. Only a decode made for mip2 itself is
  // measured: the same 512 px reached from a bigger decode (a preview's mip4, another embedded
  // preview, a resize of a resize) scored up to 17 % apart (nikon-d70.jpg: 50.3 against 58.9
  // from 1024 px) and flipped dHash bits, so a frame seen in the preview outranked its burst.
  const analysis = color.analyse && LEVEL_SIZES[top] === ANALYSIS_EDGE ? analysePixels(data, raw).catch(() => undefined) : undefined;
  const out = await encodes;
  const measured = await analysis;
  if (measured) out.find((t) => t.level === top)!.analysis = measured;
  return out.sort((a, b) => a.level - b.level);
}

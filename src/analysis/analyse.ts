import sharp from '../util/sharp.js';
import { dhash } from './dhash.js';
import { ANALYSIS_EDGE, measureSharpness } from './sharpness.js';
import type { ImageAnalysis } from './types.js';

export type { ImageAnalysis } from './types.js';

/** Focus score and dHash of an 8-bit greyscale picture (pure). */
export function analyseGrey(grey: Uint8Array, width: number, height: number): ImageAnalysis {
  return { ...measureSharpness(grey, width, height), dhash: dhash(grey, width, height) };
}

/**
 * The analysis of decoded 8-bit pixels (the buffer a thumbnail job renders its levels from).
 * At ANALYSIS_EDGE or below (mip2, what import and generate-cache decode to) the grey is
 * taken in JavaScript, Rec. 601 luma in integers, one pass: a sharp greyscale pipeline cost
 * 7-9 ms a picture here (its colourspace conversion), most of the score's cost. A bigger
 * buffer (mip3/mip4 asked for) is first brought to ANALYSIS_EDGE by sharp.
 */
export async function analysePixels(
  data: Buffer,
  raw: { width: number; height: number; channels: 1 | 2 | 3 | 4 },
): Promise<ImageAnalysis> {
  if (Math.max(raw.width, raw.height) > ANALYSIS_EDGE) {
    const small = await sharp(data, { raw })
      .resize(ANALYSIS_EDGE, ANALYSIS_EDGE, { fit: 'inside' })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    const info = { width: small.info.width, height: small.info.height, channels: small.info.channels as 1 | 2 | 3 | 4 };
    return analyseGrey(lumaOf(small.data, info), info.width, info.height);
  }
  return analyseGrey(lumaOf(data, raw), raw.width, raw.height);
}

/** One byte of luma per pixel: (77 R + 150 G + 29 B) / 256; grey (with or without alpha) as it is. */
export function lumaOf(data: Uint8Array, raw: { width: number; height: number; channels: 1 | 2 | 3 | 4 }): Uint8Array {
  const n = raw.width * raw.height;
  const c = raw.channels;
  if (c === 1) return data.subarray(0, n);
  const out = new Uint8Array(n);
  if (c === 2) {
    for (let i = 0; i < n; i++) out[i] = data[i * 2]!;
    return out;
  }
  for (let i = 0, j = 0; i < n; i++, j += c) out[i] = (77 * data[j]! + 150 * data[j + 1]! + 29 * data[j + 2]!) >> 8;
  return out;
}

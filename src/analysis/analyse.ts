import sharp from 'sharp';
import { dhash } from './dhash.js';
import { ANALYSIS_EDGE, measureSharpness } from './sharpness.js';
import type { ImageAnalysis } from './types.js';

export type { ImageAnalysis } from './types.js';

/** Focus score and dHash of an 8-bit greyscale picture (pure). */
export function analyseGrey(grey: Uint8Array, width: number, height: number): ImageAnalysis {
  return { ...measureSharpness(grey, width, height), dhash: dhash(grey, width, height) };
}

/**
 * The analysis of decoded 8-bit pixels (the buffer a thumbnail job renders its levels from):
 * brought to ANALYSIS_EDGE and greyscale by sharp (one small resize on libvips' threads),
 * then measured in JavaScript.
 */
export async function analysePixels(
  data: Buffer,
  raw: { width: number; height: number; channels: 1 | 2 | 3 | 4 },
): Promise<ImageAnalysis> {
  let img = sharp(data, { raw });
  if (Math.max(raw.width, raw.height) > ANALYSIS_EDGE) img = img.resize(ANALYSIS_EDGE, ANALYSIS_EDGE, { fit: 'inside' });
  const grey = await img.greyscale().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  // greyscale() keeps an alpha channel when there is one: take the first of each pixel's bytes.
  const { width, height, channels } = grey.info;
  const luma = channels === 1 ? grey.data : Uint8Array.from({ length: width * height }, (_, i) => grey.data[i * channels]!);
  return analyseGrey(luma, width, height);
}

/**
 * A luminance histogram of 8-bit pixels and its drawing as one line of Unicode block
 * characters (▁▂▃▄▅▆▇█), for the preview's status line. Pure: the caller decodes the pixels
 * (off the UI thread, in libvips) and colours the bars (Ink, at the detected colour depth).
 */

export const HISTOGRAM_BINS = 256;

/** Rec. 709 luma weights on the encoded (gamma) values, as the camera's own histogram shows. */
const WR = 0.2126;
const WG = 0.7152;
const WB = 0.0722;

/**
 * Counts of pixels by luma 0-255 (interleaved pixels, `channels` 1-4: 1 or 2 are grey with an
 * optional alpha, 3 or 4 RGB with an optional alpha, which is ignored). The counts add up to
 * the number of whole pixels.
 */
export function luminanceHistogram(pixels: Uint8Array, channels: number): Uint32Array {
  if (!Number.isInteger(channels) || channels < 1 || channels > 4) throw new Error(`luminanceHistogram: ${channels} channels (1-4 expected)`);
  const bins = new Uint32Array(HISTOGRAM_BINS);
  const end = pixels.length - (pixels.length % channels);
  if (channels < 3) {
    for (let i = 0; i < end; i += channels) bins[pixels[i]!]!++;
    return bins;
  }
  for (let i = 0; i < end; i += channels) {
    const y = Math.round(WR * pixels[i]! + WG * pixels[i + 1]! + WB * pixels[i + 2]!);
    bins[y > 255 ? 255 : y]!++;
  }
  return bins;
}

/** One character of the drawn histogram. */
export interface HistogramBar {
  /** A block character of height 1-8 eighths, or a space for an empty column. */
  char: string;
  /** Mid-grey value (0-255) of the luma range this column covers, for colouring it. */
  luma: number;
  /** Pixels in this column. */
  count: number;
}

const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

/**
 * The histogram drawn `width` characters wide, darkest on the left. Heights are scaled to the
 * fullest column; any column holding pixels shows at least ▁, so a few clipped pixels at the
 * ends stay visible.
 */
export function histogramBars(bins: Uint32Array, width: number): HistogramBar[] {
  const w = Math.max(1, Math.min(Math.floor(width), bins.length));
  const counts: number[] = [];
  for (let c = 0; c < w; c++) {
    const from = Math.floor((c * bins.length) / w);
    const to = Math.floor(((c + 1) * bins.length) / w);
    let n = 0;
    for (let i = from; i < to; i++) n += bins[i]!;
    counts.push(n);
  }
  const max = Math.max(0, ...counts);
  return counts.map((count, c) => {
    const luma = Math.round(((c + 0.5) * 255) / w);
    if (count === 0 || max === 0) return { char: ' ', luma, count };
    const level = Math.max(1, Math.round((count / max) * BLOCKS.length));
    return { char: BLOCKS[level - 1]!, luma, count };
  });
}

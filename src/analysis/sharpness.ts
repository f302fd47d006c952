/**
 * The focus score (issue 13), hand-written because it is a dozen lines of arithmetic over a
 * buffer we already hold: no image library exposes "variance of the Laplacian per tile"
 * without a second decode (OpenCV's would be a native dependency for one loop).
 *
 * Definition. On the 8-bit greyscale picture at ANALYSIS_EDGE pixels on its long edge (mip2's
 * size, so every image is measured at the same scale whatever its resolution), the discrete
 * Laplacian L = g(x-1,y) + g(x+1,y) + g(x,y-1) + g(x,y+1) - 4 g(x,y) is taken at every inner
 * pixel. The picture is cut into square tiles, TILES_ON_LONG_EDGE on the long edge (64 px at
 * 512). The score is the square root of the largest per-tile variance of L: the RMS Laplacian
 * response, in grey levels, of the sharpest part of the picture, so a sharp subject on a soft
 * background scores as sharp. The whole-image variance is returned beside it (same scale).
 * Blur only removes high frequencies, so both fall as an image is blurred.
 */

/** Long edge, in pixels, of the picture the score is measured on (mip2). */
export const ANALYSIS_EDGE = 512;
/** Tiles along the long edge: 64-px tiles at 512 px, about 1.5 % of a 3:2 frame each. */
export const TILES_ON_LONG_EDGE = 8;
/**
 * "blurred" (the filter `blurred`, `list --blurred`): a score below this. Calibrated on the
 * sample corpus' photos brought to 1024 px: 17-91 as they are, 6-33 blurred with a Gaussian
 * of sigma 2, 3-7 at sigma 4 (test/analysis/sharpness.test.ts). A single threshold for every
 * camera and scene is a rough guide; within a stack the ranking is the finer one.
 */
export const BLURRED_BELOW = 8;

export interface SharpnessMeasure {
  /** sqrt of the largest per-tile variance of the Laplacian. */
  sharpness: number;
  /** sqrt of the variance of the Laplacian over the whole picture. */
  sharpnessGlobal: number;
  /** Centre of the sharpest tile, fractions 0-1 of width and height. */
  sharpestAt: { x: number; y: number };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** The score of an 8-bit greyscale picture (one byte per pixel, rows top to bottom). */
export function measureSharpness(grey: Uint8Array, width: number, height: number): SharpnessMeasure {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || grey.length < width * height) {
    throw new RangeError(`greyscale buffer of ${grey.length} bytes does not hold ${width}x${height} pixels`);
  }
  const side = Math.max(3, Math.ceil(Math.max(width, height) / TILES_ON_LONG_EDGE));
  const cols = Math.ceil(width / side);
  const rows = Math.ceil(height / side);
  const sum = new Float64Array(cols * rows);
  const sumSq = new Float64Array(cols * rows);
  const count = new Float64Array(cols * rows);
  // Tile by tile along each row, with the sums in locals: the inner loop is only arithmetic.
  for (let y = 1; y < height - 1; y++) {
    const rowBase = Math.floor(y / side) * cols;
    const i0 = y * width;
    for (let tx = 0; tx < cols; tx++) {
      const x0 = Math.max(1, tx * side);
      const x1 = Math.min(width - 1, (tx + 1) * side);
      if (x1 <= x0) continue;
      let s = 0;
      let sq = 0;
      for (let i = i0 + x0, end = i0 + x1; i < end; i++) {
        const l = grey[i - 1]! + grey[i + 1]! + grey[i - width]! + grey[i + width]! - 4 * grey[i]!;
        s += l;
        sq += l * l;
      }
      const t = rowBase + tx;
      sum[t] = sum[t]! + s;
      sumSq[t] = sumSq[t]! + sq;
      count[t] = count[t]! + (x1 - x0);
    }
  }
  let total = 0;
  let totalSq = 0;
  let n = 0;
  for (let t = 0; t < sum.length; t++) {
    total += sum[t]!;
    totalSq += sumSq[t]!;
    n += count[t]!;
  }
  const variance = (s: number, sq: number, c: number) => Math.max(0, sq / c - (s / c) ** 2);
  // A sliver of a tile at the right or bottom edge is too few pixels to be trusted as the maximum.
  const minCount = (side * side) / 4;
  let best = -1;
  let bestTile = 0;
  for (let t = 0; t < sum.length; t++) {
    if (count[t]! < minCount) continue;
    const v = variance(sum[t]!, sumSq[t]!, count[t]!);
    if (v > best) {
      best = v;
      bestTile = t;
    }
  }
  const global = n > 0 ? variance(total, totalSq, n) : 0;
  if (best < 0) best = global; // a picture smaller than one tile
  const tx = bestTile % cols;
  const ty = Math.floor(bestTile / cols);
  return {
    sharpness: round2(Math.sqrt(best)),
    sharpnessGlobal: round2(Math.sqrt(global)),
    sharpestAt: {
      x: round2(Math.min(1, ((tx + 0.5) * side) / width)),
      y: round2(Math.min(1, ((ty + 0.5) * side) / height)),
    },
  };
}

/** Whether a score counts as blurred (null: not scored, never blurred). */
export function isBlurred(sharpness: number | null | undefined): boolean {
  return sharpness !== null && sharpness !== undefined && sharpness < BLURRED_BELOW;
}

/**
 * The 64-bit difference hash (dHash, Neal Krawetz's "Kind of like that", 2013): the picture
 * shrunk to 9x8 grey cells; bit (row, col) is set when cell col is brighter than cell col+1.
 * Robust to small shifts, blur, exposure and JPEG changes, so frames of one burst land a few
 * bits apart while a different scene differs in about half the 64. Hand-written (a box average
 * and 64 comparisons over a buffer already decoded); the npm dHash packages each decode the
 * file again with their own image library.
 */

const COLS = 9;
const ROWS = 8;

/** dHash of an 8-bit greyscale picture, as 16 hex digits (the first row in the top bits). */
export function dhash(grey: Uint8Array, width: number, height: number): string {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || grey.length < width * height) {
    throw new RangeError(`greyscale buffer of ${grey.length} bytes does not hold ${width}x${height} pixels`);
  }
  // Box average: every pixel goes to the cell its centre falls in (pictures smaller than 9x8
  // repeat pixels into several cells).
  const cells = new Float64Array(COLS * ROWS);
  for (let cy = 0; cy < ROWS; cy++) {
    const y0 = Math.floor((cy * height) / ROWS);
    const y1 = Math.max(y0 + 1, Math.floor(((cy + 1) * height) / ROWS));
    for (let cx = 0; cx < COLS; cx++) {
      const x0 = Math.floor((cx * width) / COLS);
      const x1 = Math.max(x0 + 1, Math.floor(((cx + 1) * width) / COLS));
      let s = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) s += grey[y * width + x]!;
      cells[cy * COLS + cx] = s / ((y1 - y0) * (x1 - x0));
    }
  }
  let hex = '';
  for (let cy = 0; cy < ROWS; cy++) {
    let byte = 0;
    for (let cx = 0; cx < COLS - 1; cx++) byte = (byte << 1) | (cells[cy * COLS + cx]! > cells[cy * COLS + cx + 1]! ? 1 : 0);
    hex += byte.toString(16).padStart(2, '0');
  }
  return hex;
}

const NIBBLE_BITS = [0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4];

/** Bits that differ between two hashes of dhash() (64 when either is not one). */
export function hammingDistance(a: string, b: string): number {
  if (a.length !== 16 || b.length !== 16) return 64;
  let d = 0;
  for (let i = 0; i < 16; i++) {
    const x = parseInt(a[i]!, 16) ^ parseInt(b[i]!, 16);
    if (Number.isNaN(x)) return 64;
    d += NIBBLE_BITS[x]!;
  }
  return d;
}

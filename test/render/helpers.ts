import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

/** Four colour quadrants: red, green / blue, yellow. Distinctive enough to find on a screenshot. */
export const QUADRANTS = [
  [220, 30, 30],
  [30, 200, 40],
  [30, 60, 220],
  [240, 220, 30],
] as const;

export async function quadrantJpeg(width = 600, height = 400): Promise<Buffer> {
  const buf = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const q = (x < width / 2 ? 0 : 1) + (y < height / 2 ? 0 : 2);
      const c = QUADRANTS[q]!;
      buf.set(c, (y * width + x) * 3);
    }
  }
  return sharp(buf, { raw: { width, height, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
}

export function tempDir(prefix = 'termtable-render-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function colourDistance(a: readonly number[], b: readonly number[]): number {
  return Math.hypot((a[0] ?? 0) - (b[0] ?? 0), (a[1] ?? 0) - (b[1] ?? 0), (a[2] ?? 0) - (b[2] ?? 0));
}

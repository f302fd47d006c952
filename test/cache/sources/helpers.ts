import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Level, ThumbSubject } from '../../../src/cache/types.js';
import { makeThumbnails, type MakeResult, type MakeThumbnailsOptions } from '../../../src/cache/sources/index.js';

export function subjectFor(file: string, extra: Partial<ThumbSubject> = {}): ThumbSubject {
  return { id: 1, path: file, fileSize: 0, mtime: 0, orientation: 1, rotation: 0, ...extra };
}

export function make(
  file: string,
  levels: Level[] = [0, 1, 2],
  opts: Partial<MakeThumbnailsOptions> = {},
  subject: Partial<ThumbSubject> = {},
): Promise<MakeResult> {
  return makeThumbnails(subjectFor(file, subject), {
    levels,
    sourcePref: 'never',
    colorManagement: true,
    monitorProfile: null,
    ...opts,
  });
}

/** Mean absolute difference per channel value between two same-sized JPEGs (0-255). */
export async function meanDiff(a: Buffer, b: Buffer): Promise<number> {
  const [x, y] = await Promise.all([sharp(a).raw().toBuffer(), sharp(b).raw().toBuffer()]);
  if (x.length !== y.length) return 255;
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.abs((x[i] ?? 0) - (y[i] ?? 0));
  return sum / x.length;
}

/** Mean RGB of a JPEG's centre quarter. */
export async function centreColour(jpeg: Buffer): Promise<[number, number, number]> {
  const img = sharp(jpeg);
  const { width = 0, height = 0 } = await img.metadata();
  const { data, info } = await sharp(jpeg)
    .extract({ left: Math.floor(width / 4), top: Math.floor(height / 4), width: Math.max(1, Math.floor(width / 2)), height: Math.max(1, Math.floor(height / 2)) })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const sums = [0, 0, 0];
  for (let i = 0; i < data.length; i += info.channels) for (let c = 0; c < 3; c++) sums[c]! += data[i + c] ?? 0;
  const n = data.length / info.channels;
  return [sums[0]! / n, sums[1]! / n, sums[2]! / n];
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'termtable-sources-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

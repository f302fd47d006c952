import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach } from 'vitest';

const made: string[] = [];

/** A fresh temp dir, removed after the test. */
export function tempDir(prefix = 'termtable-db-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A small real JPEG, optionally with EXIF IFD0 Make/Model and a capture date. */
export async function makeJpeg(
  file: string,
  opts: { make?: string; model?: string; date?: string; size?: number } = {},
): Promise<string> {
  const size = opts.size ?? 32;
  let img = sharp({ create: { width: size, height: size, channels: 3, background: { r: 90, g: 120, b: 200 } } }).jpeg();
  if (opts.make || opts.model || opts.date) {
    img = img.withExif({
      IFD0: { ...(opts.make ? { Make: opts.make } : {}), ...(opts.model ? { Model: opts.model } : {}) },
      ...(opts.date ? { IFD2: { DateTimeOriginal: opts.date } } : {}),
    });
  }
  await img.toFile(file);
  return file;
}

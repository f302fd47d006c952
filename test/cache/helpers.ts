import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { defaultPreferences, type Preferences } from '../../src/config/preferences.js';
import { loadDefaultMaker, type ThumbnailMaker } from '../../src/cache/maker.js';
import type { ThumbSubject } from '../../src/cache/types.js';
import { stat } from 'node:fs/promises';

export interface TempEnv {
  root: string;
  env: NodeJS.ProcessEnv;
  libraryPath: string;
  diskDir: string;
  cacheFile: string;
  cleanup(): void;
}

/** A temp dir with its own XDG homes; the cache paths live under it. */
export function tempEnv(prefix = 'tt-cache-'): TempEnv {
  const root = mkdtempSync(path.join(os.tmpdir(), prefix));
  const env = {
    ...process.env,
    XDG_DATA_HOME: path.join(root, 'data'),
    XDG_CACHE_HOME: path.join(root, 'cache'),
    XDG_CONFIG_HOME: path.join(root, 'config'),
  };
  return {
    root,
    env,
    libraryPath: path.join(root, 'data', 'termtable', 'library.db'),
    diskDir: path.join(root, 'cache', 'mipmaps.d'),
    cacheFile: path.join(root, 'cache', 'mipmaps.cache'),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

export function prefs(over: Partial<Preferences> = {}): Preferences {
  return { ...defaultPreferences(), concurrency: 2, ...over };
}

/** A photo-like image (noise over a gradient) so JPEG sizes are realistic, not flat colour. */
export async function makePhoto(file: string, width: number, height: number, seed = 0): Promise<void> {
  const noise = await sharp({
    create: { width, height, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 110 + (seed % 40), sigma: 40 } },
  })
    .blur(1.2)
    .jpeg({ quality: 90 })
    .toBuffer();
  await sharp(noise).jpeg({ quality: 88 }).toFile(file);
}

export async function subjectOf(id: number, file: string, rotation = 0): Promise<ThumbSubject> {
  let fileSize = 0;
  let mtime = 0;
  try {
    const s = await stat(file);
    fileSize = s.size;
    mtime = Math.trunc(s.mtimeMs);
  } catch {
    // a subject for a file that is not there
  }
  return { id, path: file, fileSize, mtime, orientation: 1, rotation };
}

/** The real sources layer (src/cache/sources): tests run the one pipeline there is. */
export async function testMaker(): Promise<ThumbnailMaker> {
  return loadDefaultMaker();
}

/** Polls until the predicate holds, or fails after the deadline. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > end) throw new Error('condition not met before the deadline');
    await new Promise((r) => setTimeout(r, 20));
  }
}

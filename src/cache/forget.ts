import { unlink } from 'node:fs/promises';
import { mipmapCacheFile, mipmapDir } from '../config/paths.js';
import { readCacheFile, writeCacheFile } from './cache-file.js';
import { DiskCache } from './disk-cache.js';
import { LEVELS } from './types.js';

export interface ForgetSummary {
  /** Thumbnail files removed from the disk cache (all levels). */
  files: number;
  /** Remembered failures removed. */
  dead: number;
  /** Entries dropped from the saved memory cache file. */
  memory: number;
}

async function removed(file: string): Promise<boolean> {
  try {
    await unlink(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/**
 * Drops every cached trace of these images (disk thumbnails of each level, remembered
 * failures, entries of the saved memory cache): for images removed from the library, whose
 * ids will never be asked for again. A TUI open meanwhile keeps what it holds in memory.
 */
export async function forgetThumbnails(libraryPath: string, ids: readonly number[]): Promise<ForgetSummary> {
  const summary: ForgetSummary = { files: 0, dead: 0, memory: 0 };
  if (ids.length === 0) return summary;
  const disk = new DiskCache(mipmapDir(libraryPath));
  for (const id of ids) {
    for (const level of LEVELS) if (await removed(disk.filePath(id, level))) summary.files++;
    if (await removed(disk.deadPath(id))) summary.dead++;
  }
  const file = mipmapCacheFile(libraryPath);
  const loaded = await readCacheFile(file);
  const gone = new Set(ids);
  const kept = loaded.entries.filter((e) => !gone.has(e.id));
  summary.memory = loaded.entries.length - kept.length;
  // A file that could not be read whole is left as it is: the next TUI reports and rebuilds it.
  if (summary.memory > 0 && !loaded.warning) await writeCacheFile(file, kept, loaded.meta);
  return summary;
}

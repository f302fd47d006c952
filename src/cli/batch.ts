import { existsSync } from 'node:fs';
import { MipmapCache, type GenerateSummary } from '../cache/mipmap-cache.js';
import { subjectFromRecord } from '../cache/subject.js';
import type { Level } from '../cache/types.js';
import { loadPreferences, type Preferences } from '../config/preferences.js';
import { Library } from '../db/library.js';
import { sanitizeText } from '../util/sanitize.js';
import { UsageError } from './common.js';
import { thumbnailProgressBar } from './progress.js';

/** Opens an existing library; a missing one is a usage error, not a new empty file. */
export function openExistingLibrary(file: string): Library {
  if (!existsSync(file)) throw new UsageError(`no library at ${file} (import photos first: termtable import DIR)`);
  return Library.open(file);
}

/** Memory cache bound of a batch run, in MB: the disk backend is its record, not memory. */
const BATCH_MEMORY_MB = 32;

/**
 * Preferences of a batch command (import, generate-cache, thumb), with their warning on stderr:
 * the disk backend is what they fill, whatever the preference, and memory stays small.
 */
export async function batchPreferences(): Promise<Preferences> {
  const { prefs, warning } = await loadPreferences();
  if (warning) process.stderr.write(`termtable: ${sanitizeText(warning)}\n`);
  return { ...prefs, diskBackend: true, cacheSizeMB: BATCH_MEMORY_MB };
}

export interface ImportThumbnailsOptions {
  /** @default 0 */
  minLevel?: Level;
  /** The grid's levels. @default 2 */
  maxLevel?: Level;
  /** Show the progress bar (when stderr is a terminal). @default true */
  progress?: boolean;
  signal?: AbortSignal;
}

/**
 * Thumbnails of freshly imported or changed images, made right after `import` through the one
 * mipmap cache, into the disk backend, so the first look at a new film roll needs no decoding.
 * A thumbnail that cannot be made is not an import error: it is remembered and shown as a skull.
 */
export async function makeImportThumbnails(
  libraryPath: string,
  lib: Library,
  ids: readonly number[],
  opts: ImportThumbnailsOptions = {},
): Promise<GenerateSummary> {
  const prefs = await batchPreferences();
  const cache = await MipmapCache.open({ libraryPath, prefs, loadCacheFile: false, saveCacheFile: false });
  const bar = opts.progress === false ? undefined : thumbnailProgressBar(ids.length);
  try {
    return await cache.generateMissing({
      subjects: (function* () {
        // In batches: a 100,000-image import must not hold every record at once.
        for (let i = 0; i < ids.length; i += 500) {
          for (const r of lib.getMany(ids.slice(i, i + 500))) yield subjectFromRecord(r);
        }
      })(),
      minLevel: opts.minLevel ?? 0,
      maxLevel: opts.maxLevel ?? 2,
      signal: opts.signal,
      onProgress: (p) => bar?.update(p.generated + p.present + p.failed, p.failed),
    });
  } finally {
    bar?.stop();
    await cache.close();
  }
}

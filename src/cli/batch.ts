import { existsSync } from 'node:fs';
import type { GenerateSummary } from '../cache/mipmap-cache.js';
import { subjectFromRecord } from '../cache/subject.js';
import type { Level } from '../cache/types.js';
import { loadPreferences, type Preferences } from '../config/preferences.js';
import { Library } from '../db/library.js';
import { sanitizeText } from '../util/sanitize.js';
import { UsageError } from './common.js';
import { IdFeed } from './import-feed.js';
import { thumbnailProgressBar, type ProgressBar } from './progress.js';

/** Opens an existing library; a missing one is a usage error, not a new empty file. */
export function openExistingLibrary(file: string): Library {
  if (!existsSync(file)) throw new UsageError(`no library at ${file} (import photos first: termtable import DIR)`);
  return Library.open(file);
}

/** A batch run has no screen waiting on its event loop: its disk cache reads and writes block (DiskCacheOptions). */
export const BATCH_DISK = { blockingReads: true, blockingWrites: true } as const;

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
 * Given an IdFeed, it starts on each batch as the import writes it; its progress bar then
 * appears once the import has ended (and its own bar is gone), counting what is already made.
 */
export async function makeImportThumbnails(
  libraryPath: string,
  lib: Library,
  ids: readonly number[] | IdFeed,
  opts: ImportThumbnailsOptions = {},
): Promise<GenerateSummary> {
  const prefs = await batchPreferences();
  // Loaded here, not with this module: `import --no-thumbnails` and a generate-cache with
  // nothing to make use only the helpers above (issue 12, start-up).
  const [{ AnalysisRecorder }, { MipmapCache }] = await Promise.all([import('../analysis/recorder.js'), import('../cache/mipmap-cache.js')]);
  // Each job also measures focus and dHash; finish() stores the rest and recomputes the stacks.
  const recorder = new AnalysisRecorder(lib, prefs);
  const cache = await MipmapCache.open({
    libraryPath,
    prefs,
    loadCacheFile: false,
    saveCacheFile: false,
    makeThumbnails: recorder.maker,
    diskOptions: BATCH_DISK,
  });
  let bar: ProgressBar | undefined;
  let made = { done: 0, failed: 0 };
  let finished = false;
  if (opts.progress !== false) {
    if (ids instanceof IdFeed) {
      void ids.ended.then(() => {
        if (finished) return;
        bar = thumbnailProgressBar(ids.fed);
        bar?.update(made.done, made.failed);
      });
    } else bar = thumbnailProgressBar(ids.length);
  }
  // In batches: a 100,000-image import must not hold every record at once.
  const chunks = async function* () {
    if (ids instanceof IdFeed) yield* ids;
    else for (let i = 0; i < ids.length; i += 500) yield ids.slice(i, i + 500);
  };
  try {
    return await cache.generateMissing({
      subjects: (async function* () {
        for await (const chunk of chunks()) for (const r of lib.getMany(chunk)) yield subjectFromRecord(r);
      })(),
      minLevel: opts.minLevel ?? 0,
      maxLevel: opts.maxLevel ?? 2,
      signal: opts.signal,
      onProgress: (p) => {
        made = { done: p.generated + p.present + p.failed, failed: p.failed };
        bar?.update(made.done, made.failed);
      },
    });
  } finally {
    finished = true;
    bar?.stop();
    recorder.finish();
    await cache.close();
  }
}

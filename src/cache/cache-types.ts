import type { Preferences } from '../config/preferences.js';
import type { DiskCacheOptions, DiskStats } from './disk-cache.js';
import type { DiskProblem } from './disk-health.js';
import type { ThumbnailMaker } from './maker.js';
import type { Level, ThumbFailure, ThumbSubject } from './types.js';

/** The options, statistics and batch summaries of MipmapCache (re-exported by index.ts). */

export interface MipmapCacheOptions {
  libraryPath: string;
  prefs: Preferences;
  /** Load the memory cache saved by the last run. @default true */
  loadCacheFile?: boolean;
  /** Save the memory cache on close(). Batch commands turn it off: they write the disk backend. @default true */
  saveCacheFile?: boolean;
  /** The decoder. @default makeThumbnails from src/cache/sources */
  makeThumbnails?: ThumbnailMaker;
  /** Disk backend folder. @default mipmapDir(libraryPath) */
  diskDir?: string;
  /** How the disk backend reads and writes (blocking calls for batch runs). @default {} */
  diskOptions?: DiskCacheOptions;
  /** Cache file. @default mipmapCacheFile(libraryPath) */
  cacheFile?: string;
  /** Pixel memory of the decodes in flight, in bytes (estimated from each file's header). @default DECODE_BUDGET_BYTES */
  decodeBudgetBytes?: number;
  /** Per-file time budget of a thumbnail job: past it the file fails as `unsupported`. @default JOB_TIMEOUT_MS (job-run.ts) */
  jobTimeoutMs?: number;
}

/** Decodes in flight hold at most this much pixel memory (eight 24 MP AVIFs at once took 2.0 GB). */
export const DECODE_BUDGET_BYTES = 256 * 1024 * 1024;

/** Queue progress of the current run (reset when new work arrives after the queue went idle). */
export interface QueueProgress {
  queued: number;
  running: number;
  done: number;
  failed: number;
  /** The disk cache cannot be written (full, read-only): one message for the whole cache. */
  diskProblem: DiskProblem | null;
}

export interface MemoryStats {
  hits: number;
  misses: number;
  evictions: number;
  bytes: number;
  entries: number;
  maxBytes: number;
  deadEntries: number;
  queue: QueueProgress;
}

export interface CacheStats extends MemoryStats {
  disk: { enabled: boolean; dir: string } & DiskStats;
}

export interface GenerateMissingOptions {
  subjects: Iterable<ThumbSubject> | AsyncIterable<ThumbSubject>;
  /** @default 0 */
  minLevel?: Level;
  /** @default 2 */
  maxLevel?: Level;
  /** Forget remembered failures of these images first and try again. @default false */
  retryFailed?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: GenerateProgress) => void;
}

export interface GenerateProgress {
  /** Images looked at so far. */
  seen: number;
  generated: number;
  present: number;
  failed: number;
}

export interface GenerateFailure {
  id: number;
  path: string;
  /** `disk`: made, but the disk cache could not be written (the message says why: ENOSPC, …). */
  cause: ThumbFailure['cause'] | 'disk';
  message: string;
}

export interface GenerateSummary {
  generated: number;
  present: number;
  failed: GenerateFailure[];
  /** True when the signal stopped the run before every image was looked at. */
  aborted: boolean;
}

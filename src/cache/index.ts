/**
 * The mipmap cache's public surface: the TUI, `show`, `thumb`, `generate-cache` and import
 * reach thumbnails only through MipmapCache.
 */
export {
  MipmapCache,
  type CacheStats,
  type GenerateFailure,
  type GenerateMissingOptions,
  type GenerateProgress,
  type GenerateSummary,
  type MemoryStats,
  type MipmapCacheOptions,
  type QueueProgress,
} from './mipmap-cache.js';
export { subjectFromRecord } from './subject.js';
export type { DiskProblem } from './disk-health.js';
export type { DeadEntry } from './entry.js';
export * from './types.js';
export { forgetThumbnails, type ForgetSummary } from './forget.js';

/**
 * The mipmap cache's public vocabulary, shared by src/render, src/tui and src/cli.
 * Owned by src/cache.
 */

/** Long edge in pixels of each mip level: mip0 … mip4, as darktable's. */
export const LEVEL_SIZES = [128, 256, 512, 1024, 2048] as const;
export type Level = 0 | 1 | 2 | 3 | 4;
export const LEVELS: readonly Level[] = [0, 1, 2, 3, 4];
export const MAX_LEVEL: Level = 4;

/** Smallest level whose long edge covers a box of w×h pixels (darktable's get_matching_size). */
export function matchingLevel(widthPx: number, heightPx: number): Level {
  const need = Math.max(widthPx, heightPx);
  for (const level of LEVELS) if (LEVEL_SIZES[level] >= need) return level;
  return MAX_LEVEL;
}

/** What the cache needs to know of an image: a subset of ImageRecord. */
export interface ThumbSubject {
  id: number;
  path: string;
  fileSize: number;
  mtime: number;
  /** EXIF orientation 1-8. */
  orientation: number;
  /** User rotation in clockwise quarter turns 0-3. */
  rotation: number;
}

/** Where a thumbnail's pixels came from. */
export type ThumbSource = 'embedded' | 'processed';

/** Why a thumbnail could not be made: what a skull says. */
export type ThumbCause = 'missing' | 'unsupported' | 'memory';

export interface Thumb {
  ok: true;
  id: number;
  level: Level;
  /** JPEG bytes, upright (orientation and user rotation applied), long edge ≤ LEVEL_SIZES[level]. */
  jpeg: Buffer;
  width: number;
  height: number;
  source: ThumbSource;
  /** The file is gone or unreadable now, but this thumbnail was made while it was there. */
  offline?: boolean;
}

export interface ThumbFailure {
  ok: false;
  id: number;
  level: Level;
  cause: ThumbCause;
  /** One line for humans, e.g. "premature end of JPEG file". Raw: sanitise before display. */
  detail: string;
}

export type ThumbResult = Thumb | ThumbFailure;

/** Queue priority: what is on screen first, then its neighbours, then batch work. */
export type Priority = 'visible' | 'prefetch' | 'batch';

export interface ThumbRequestOptions {
  /** @default 'visible' */
  priority?: Priority;
  /** Aborting drops the job if it has not started (and its result if it has). */
  signal?: AbortSignal;
  /**
   * Force decoding the image itself for this request (full preview: darktable replaces
   * embedded-JPEG thumbnails with processed ones once an image is opened).
   */
  processed?: boolean;
}

/** Human label of each cause, as the skull prints it. */
export const CAUSE_LABELS: Record<ThumbCause, string> = {
  missing: 'missing file',
  unsupported: 'unsupported or corrupt',
  memory: 'out of memory',
};

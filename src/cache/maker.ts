import type { ThumbnailSourcePref } from '../config/preferences.js';
import type { Level, ThumbCause, ThumbSource, ThumbSubject } from './types.js';

/** What the cache asks of the sources layer (src/cache/sources): one decode, several levels. */
export interface MakeThumbnailsOptions {
  levels: Level[];
  sourcePref: ThumbnailSourcePref;
  forceProcessed: boolean;
  colorManagement: boolean;
  monitorProfile: string | null;
  signal?: AbortSignal;
}

export interface MadeThumb {
  level: Level;
  jpeg: Buffer;
  width: number;
  height: number;
  source: ThumbSource;
}

export type MakeThumbnailsResult =
  | { ok: true; thumbs: MadeThumb[] }
  | { ok: false; cause: ThumbCause; detail: string };

/** The sources layer's entry point; never throws (the cache still guards against it). */
export type ThumbnailMaker = (subject: ThumbSubject, options: MakeThumbnailsOptions) => Promise<MakeThumbnailsResult>;

/** The real decoder: src/cache/sources, loaded on first use (commands like `cache stats` never need sharp). */
export async function loadDefaultMaker(): Promise<ThumbnailMaker> {
  const { makeThumbnails } = await import('./sources/index.js');
  return makeThumbnails;
}

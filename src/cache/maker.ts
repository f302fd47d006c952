import type { MakeResult, MakeThumbnailsOptions } from './sources/index.js';
import type { ThumbSubject } from './types.js';

// Type-only: erased at run time, so importing them does not load sharp (see loadDefaultMaker).
export type { MadeThumb, MakeThumbnailsOptions } from './sources/index.js';
export type MakeThumbnailsResult = MakeResult;

/** The sources layer's entry point; never throws (the cache still guards against it). */
export type ThumbnailMaker = (subject: ThumbSubject, options: MakeThumbnailsOptions) => Promise<MakeThumbnailsResult>;

/** The real decoder: src/cache/sources, loaded on first use (commands like `cache stats` never need sharp). */
export async function loadDefaultMaker(): Promise<ThumbnailMaker> {
  const { makeThumbnails } = await import('./sources/index.js');
  return makeThumbnails;
}

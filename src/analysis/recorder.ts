import type { Preferences } from '../config/preferences.js';
import { DECODE_BUDGET_BYTES } from '../cache/cache-types.js';
import { ByteBudget, estimateDecodeBytes } from '../cache/decode-budget.js';
import { loadDefaultMaker, type ThumbnailMaker } from '../cache/maker.js';
import { subjectFromRecord } from '../cache/subject.js';
import { LEVEL_SIZES, type Level, type ThumbSubject } from '../cache/types.js';
import { recordAnalyses, unanalysedIds, type AnalysisWrite } from '../db/library-analysis.js';
import type { Library } from '../db/library.js';
import { restackFilmRolls, rollsOf } from '../db/stacks.js';
import { readFocusPoint } from './af-point.js';
import type { ImageAnalysis } from './types.js';

/** Analyses written to the library per transaction. */
const BATCH = 64;
/** Levels a measuring decode makes: the analysis needs the multi-level path at mip2 (sources/render.ts). */
const MEASURE_LEVELS: readonly Level[] = [0, 1, 2];

export interface BackfillOptions {
  minId?: number;
  maxId?: number;
  signal?: AbortSignal;
  colorManagement: boolean;
  monitorProfile: string | null;
  thumbnailSource: Preferences['thumbnailSource'];
  /** Images not to try (their thumbnails failed in this run or before): every run would decode them again for nothing. */
  skip?: ReadonlySet<number>;
  /** Images started so far, of `total`. */
  onProgress?: (started: number, total: number) => void;
}

/**
 * Focus scores and dHashes for the library, from the thumbnail jobs themselves: `maker` wraps
 * the cache's decoder (MipmapCacheOptions.makeThumbnails) so every job up to mip2 also measures
 * the pixels it decoded (no second decode) and the recorder writes what was measured, in
 * batches. finish() writes the rest and recomputes the stacks of the rolls touched.
 * For batch commands (import, generate-cache); the lighttable can wrap its cache the same way.
 */
export class AnalysisRecorder {
  readonly maker: ThumbnailMaker;
  /** Images measured and written so far. */
  written = 0;
  /** Library writes that failed (the measurements are lost, the thumbnails are not). */
  readonly errors: string[] = [];
  #lib: Library;
  #prefs: Pick<Preferences, 'burstGapSeconds' | 'burstSimilarity' | 'concurrency'>;
  #pending: AnalysisWrite[] = [];
  #touched = new Set<number>();
  #inner: ThumbnailMaker | undefined;

  constructor(lib: Library, prefs: Pick<Preferences, 'burstGapSeconds' | 'burstSimilarity' | 'concurrency'>, inner?: ThumbnailMaker) {
    this.#lib = lib;
    this.#prefs = prefs;
    this.#inner = inner;
    this.maker = async (subject, options) => {
      const make = (this.#inner ??= await loadDefaultMaker());
      // A library opened read-only (full disk) keeps nothing: then the jobs only make thumbnails.
      if (this.#lib.readOnly) return make(subject, options);
      const result = await make(subject, { ...options, analyse: true });
      const analysis = result.ok ? largestAnalysis(result.thumbs) : undefined;
      if (analysis) {
        // A maker note that cannot be read is only a missing AF point.
        const focusPoint = await readFocusPoint(subject.path, subject.orientation, subject.rotation).catch(() => null);
        try {
          this.#add({ id: subject.id, analysis, fileSize: subject.fileSize, mtime: subject.mtime, focusPoint });
        } catch (err) {
          // The library's trouble must not turn a thumbnail made into a failure.
          this.errors.push((err as Error).message);
        }
      }
      return result;
    };
  }

  #add(write: AnalysisWrite): void {
    this.#pending.push(write);
    if (this.#pending.length >= BATCH) this.flush();
  }

  /** Writes what was measured so far. */
  flush(): void {
    const batch = this.#pending.splice(0);
    if (batch.length === 0) return;
    const ids = recordAnalyses(this.#lib, batch);
    this.written += ids.length;
    for (const id of ids) this.#touched.add(id);
  }

  /**
   * Measures the images of [minId, maxId] that have none yet and whose thumbnails were
   * already there (so no job of this run decoded them): one decode each, under the cache's
   * decode byte budget and `concurrency`, the thumbnails made thrown away. Returns how many
   * were measured.
   */
  async backfill(opts: BackfillOptions): Promise<number> {
    if (this.#lib.readOnly) return 0;
    this.flush();
    const before = this.written;
    const ids = unanalysedIds(this.#lib, opts).filter((id) => !opts.skip?.has(id));
    const budget = new ByteBudget(DECODE_BUDGET_BYTES);
    let next = 0;
    let done = 0;
    const worker = async () => {
      while (next < ids.length && !opts.signal?.aborted) {
        const record = this.#lib.get(ids[next++]!);
        if (!record) continue;
        const subject: ThumbSubject = subjectFromRecord(record);
        const release = await budget.acquire(await estimateDecodeBytes(subject.path, subject.fileSize, LEVEL_SIZES[2]));
        try {
          // A file that cannot be decoded stays unmeasured: its skull is the cache's business.
          opts.onProgress?.(++done, ids.length);
          await this.maker(subject, {
            levels: MEASURE_LEVELS,
            sourcePref: opts.thumbnailSource,
            colorManagement: opts.colorManagement,
            monitorProfile: opts.monitorProfile,
            signal: opts.signal,
          });
        } finally {
          release();
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.#prefs.concurrency) }, worker));
    this.flush();
    return this.written - before;
  }

  /** Writes the rest and recomputes the stacks of every roll an analysis was written in. */
  finish(): void {
    if (this.#lib.readOnly) return;
    this.flush();
    if (this.#touched.size === 0) return;
    restackFilmRolls(this.#lib, rollsOf(this.#lib, [...this.#touched]), {
      gapSeconds: this.#prefs.burstGapSeconds,
      maxDistance: this.#prefs.burstSimilarity,
    });
    this.#touched.clear();
  }
}

function largestAnalysis(thumbs: readonly { level: Level; analysis?: ImageAnalysis }[]): ImageAnalysis | undefined {
  let best: { level: Level; analysis?: ImageAnalysis } | undefined;
  for (const t of thumbs) if (t.analysis && (!best || t.level > best.level)) best = t;
  return best?.analysis;
}

import { AnalysisRecorder } from '../analysis/recorder.js';
import type { ThumbnailMaker } from '../cache/maker.js';
import type { Preferences } from '../config/preferences.js';
import { nextUnanalysedIds } from '../db/library-analysis.js';
import type { Library } from '../db/library.js';

/** Images measured per round: each round ends in one library write, one restack and one refresh. */
const ROUND = 4;
/** Between two rounds, after the lighttable's own work is done (ms): the UI's keys come first. */
const PAUSE_MS = 50;
/** Restacks during the walk at most this often (ms); always at its end. */
const RESTACK_EVERY_MS = 3000;
/** Once every image was tried: how often what the cache's jobs measured is written (ms). */
const TRICKLE_MS = 1000;

export type ScoringPrefs = Pick<
  Preferences,
  'burstGapSeconds' | 'burstSimilarity' | 'colorManagement' | 'monitorProfile' | 'thumbnailSource'
>;

export interface ScoringHooks {
  /** Resolves when the lighttable's thumbnail fetches and encodes started so far are done. */
  whenIdle(): Promise<void>;
  /** Scores (and maybe stacks) were written: the grid reads its records again. */
  onScored(ids: readonly number[]): void;
}

/**
 * Focus scores for the images that have none, while the lighttable is open (issue 13). Two
 * ways, both through one AnalysisRecorder: `maker` wraps the cache's decoder
 * (MipmapCacheOptions.makeThumbnails), so every thumbnail job up to mip2 the lighttable runs
 * is measured from the pixels it decoded anyway; and start() walks the library for the rest
 * (thumbnails already on disk) a few images at a time at the lowest priority: one decode at a time, each round only
 * once the lighttable's own fetches are idle, the decode in sharp's threads (the score itself is
 * about 1.3 ms of JavaScript per picture). After each round the grid is refreshed, so badges
 * and the status bar follow as scores arrive; the rolls measured are restacked every few
 * seconds and at the end, and the stack badges follow then.
 */
export class BackgroundScoring {
  readonly #lib: Library;
  /** Read at each use: the preferences pane may change them while the walk runs. */
  readonly #prefs: () => ScoringPrefs;
  readonly #recorder: AnalysisRecorder;
  readonly #abort = new AbortController();
  #running: Promise<void> | null = null;
  #walked: Promise<void> | null = null;
  #restackedAt = 0;
  /** Images measured by the walk (not counting those the cache's jobs measured). */
  measured = 0;

  constructor(lib: Library, prefs: ScoringPrefs | (() => ScoringPrefs), inner?: ThumbnailMaker) {
    this.#lib = lib;
    const read = typeof prefs === 'function' ? prefs : () => prefs;
    this.#prefs = read;
    // One decode at a time: the walk never takes both cores from the grid's own thumbnails.
    // The burst preferences are read when the recorder restacks, so a change in the pane applies.
    const live = {
      get burstGapSeconds() {
        return read().burstGapSeconds;
      },
      get burstSimilarity() {
        return read().burstSimilarity;
      },
      concurrency: 1,
    };
    this.#recorder = new AnalysisRecorder(lib, live, inner);
  }

  /** The cache's decoder, measuring as it goes. */
  get maker(): ThumbnailMaker {
    return this.#recorder.maker;
  }

  /** Library writes that failed (the scores are lost, nothing else). */
  get errors(): readonly string[] {
    return this.#recorder.errors;
  }

  /** Starts the walk (once), then writes what the cache's jobs measure every second until close(). */
  start(hooks: ScoringHooks): void {
    if (this.#running || this.#lib.readOnly) return;
    const report = (err: unknown) => {
      this.#recorder.errors.push(err instanceof Error ? err.message : String(err));
    };
    const walked = this.#walk(hooks).catch(report);
    this.#walked = walked;
    this.#running = walked.then(() => this.#trickle(hooks)).catch(report);
  }

  /** Resolves once every image without a score was tried (or close() stopped the walk). */
  walked(): Promise<void> {
    return this.#walked ?? Promise.resolve();
  }

  /** Stops the walk after the decode under way and writes what was measured. */
  async close(): Promise<void> {
    this.#abort.abort();
    await this.#running;
    if (this.#lib.readOnly) return;
    try {
      this.#recorder.finish();
    } catch {
      // The library may already be closed at exit; a lost score is measured next time.
    }
  }

  async #walk(hooks: ScoringHooks): Promise<void> {
    const signal = this.#abort.signal;
    let after = 0;
    while (!signal.aborted) {
      await hooks.whenIdle();
      await new Promise((r) => setTimeout(r, PAUSE_MS));
      if (signal.aborted) return;
      // What the cache's own jobs measured meanwhile is written with this round.
      const ids = nextUnanalysedIds(this.#lib, after, ROUND);
      if (ids.length === 0) return this.#finishRound(hooks, [], true);
      after = ids[ids.length - 1]!;
      // Those still unmeasured after their turn (a file that cannot be decoded) are passed by: `after` moves on.
      this.measured += await this.#recorder.backfill({
        minId: ids[0]!,
        maxId: after,
        signal,
        colorManagement: this.#prefs().colorManagement,
        monitorProfile: this.#prefs().monitorProfile,
        thumbnailSource: this.#prefs().thumbnailSource,
      });
      this.#finishRound(hooks, ids);
    }
  }

  async #trickle(hooks: ScoringHooks): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      // The listener goes with its round: added for good, one a round, they pile up on the
      // session's signal (Node's MaxListenersExceededWarning after eleven rounds).
      await new Promise<void>((r) => {
        const done = () => {
          clearTimeout(t);
          signal.removeEventListener('abort', done);
          r();
        };
        const t = setTimeout(done, TRICKLE_MS);
        t.unref();
        signal.addEventListener('abort', done, { once: true });
      });
      if (!signal.aborted) this.#finishRound(hooks, []);
    }
  }

  /**
   * Writes the round's scores; restacks (one synchronous pass over each roll measured) at most
   * every RESTACK_EVERY_MS, and at the walk's end (`last`), so a roll of many thousand images
   * is not read again after every four.
   */
  #finishRound(hooks: ScoringHooks, ids: readonly number[], last = false): void {
    const before = this.#recorder.written;
    const now = Date.now();
    if (last || now - this.#restackedAt >= RESTACK_EVERY_MS) {
      this.#recorder.finish();
      this.#restackedAt = now;
    } else {
      this.#recorder.flush();
    }
    if (ids.length || this.#recorder.written > before) hooks.onScored(ids);
  }
}

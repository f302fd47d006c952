import { LEVEL_SIZES, type Level } from '../../cache/types.js';
import { sanitizeText } from '../../util/sanitize.js';
import type { GenerationProgress } from '../services.js';
import type { StoreHost } from './host.js';

export type GenerationState = (GenerationProgress & { running: boolean }) | null;

/** Background generation of the collection's missing thumbnails (g), cancelled by Esc. */
export class GenerationEffects {
  readonly #host: StoreHost;
  #abort: AbortController | null = null;
  #progress: GenerationState = null;

  constructor(host: StoreHost) {
    this.#host = host;
  }

  get progress(): GenerationState {
    return this.#progress;
  }

  start(): void {
    const host = this.#host;
    if (this.#abort && !this.#abort.signal.aborted) {
      host.message('generation already running (Esc cancels)');
      return;
    }
    const ctrl = new AbortController();
    this.#abort = ctrl;
    const { library } = host.services;
    const query = host.state.query;
    const total = library.count(query);
    const maxLevel = (host.layout.slots.find((s) => s.role === 'thumb')?.level ?? 1) as Level;
    // Lazily, a thousand at a time: 100,000 records are never held at once.
    function* subjects() {
      for (let off = 0; off < total; off += 1000) yield* library.page(query, off, 1000);
    }
    this.#progress = { done: 0, total, failed: 0, running: true };
    host.publish();
    host.services.cache
      .generateMissing({
        subjects: subjects(),
        minLevel: 0,
        maxLevel,
        signal: ctrl.signal,
        onProgress: (p) => {
          this.#progress = { done: p.done, failed: p.failed, total, running: true };
          host.publishSoon();
        },
      })
      .then(
        () => {
          if (this.#progress) this.#progress = { ...this.#progress, running: false };
          if (!ctrl.signal.aborted) host.message(`thumbnails generated up to mip${maxLevel} (${LEVEL_SIZES[maxLevel]} px)`);
          host.syncThumbs(false);
          host.publish();
        },
        (err: unknown) => {
          if (this.#progress) this.#progress = { ...this.#progress, running: false };
          if (!ctrl.signal.aborted) host.message(`generation failed: ${sanitizeText(err instanceof Error ? err.message : String(err))}`);
          else host.publish();
        },
      )
      .finally(() => {
        if (this.#abort === ctrl) this.#abort = null;
      });
  }

  cancel(): void {
    if (!this.#abort) return;
    this.#abort.abort();
    this.#host.message('background generation cancelled');
  }

  close(): void {
    this.#abort?.abort();
  }
}

import type { QueueProgress } from './cache-types.js';

/** Progress notifications at most this often (~10/s): React re-renders, Ink caps at 30 fps. */
const NOTIFY_INTERVAL_MS = 100;

/**
 * The cache's progress for React's useSyncExternalStore: a snapshot that changes only when
 * something shown changed, and listeners called at most ~10 times a second.
 */
export class ProgressNotifier {
  #listeners = new Set<() => void>();
  #snapshot: QueueProgress = { queued: 0, running: 0, done: 0, failed: 0, diskProblem: null };
  #timer: NodeJS.Timeout | undefined;
  #last = 0;
  #now: () => QueueProgress;

  constructor(now: () => QueueProgress) {
    this.#now = now;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  getSnapshot = (): QueueProgress => this.#snapshot;

  notify(): void {
    if (this.#timer) return;
    const wait = Math.max(0, this.#last + NOTIFY_INTERVAL_MS - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#last = Date.now();
      const now = this.#now();
      const s = this.#snapshot;
      if (
        now.queued === s.queued && now.running === s.running && now.done === s.done && now.failed === s.failed &&
        now.diskProblem === s.diskProblem
      ) {
        return;
      }
      this.#snapshot = now;
      for (const listener of this.#listeners) listener();
    }, wait);
    this.#timer.unref();
  }

  stop(): void {
    clearTimeout(this.#timer);
  }
}

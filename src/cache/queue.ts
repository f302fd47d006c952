import type { Priority } from './types.js';

/** Lower rank runs first. */
const RANK: Record<Priority, number> = { visible: 0, prefetch: 1, batch: 2 };

export interface QueueCounts {
  queued: number;
  running: number;
}

interface Waiting<K> {
  key: K;
  priority: Priority;
  /** Arrival order: FIFO within one priority. */
  seq: number;
}

/**
 * The thumbnail work queue as pure bookkeeping: which keys wait, at which priority, and
 * which run. It does no I/O and starts nothing itself; the owner calls `take()` while it
 * returns keys and `finish()` when a job settles. That keeps the scheduling rules
 * (visible > prefetch > batch, FIFO inside a priority, bounded concurrency, cancel)
 * testable without images or timers.
 */
export class WorkQueue<K> {
  #waiting = new Map<K, Waiting<K>>();
  #running = new Set<K>();
  #seq = 0;
  #concurrency: number;

  /** @param concurrency jobs allowed to run at once (at least 1). */
  constructor(concurrency: number) {
    this.#concurrency = Math.max(1, Math.floor(concurrency));
  }

  get concurrency(): number {
    return this.#concurrency;
  }

  set concurrency(value: number) {
    this.#concurrency = Math.max(1, Math.floor(value));
  }

  /**
   * Adds a key, or raises the priority of one already waiting (a prefetched image that
   * scrolls into view jumps ahead). Returns false when the key is already running.
   */
  enqueue(key: K, priority: Priority): boolean {
    if (this.#running.has(key)) return false;
    const existing = this.#waiting.get(key);
    if (existing) {
      if (RANK[priority] < RANK[existing.priority]) existing.priority = priority;
      return true;
    }
    this.#waiting.set(key, { key, priority, seq: this.#seq++ });
    return true;
  }

  /** Removes a waiting key; running keys are not touched. True when something was removed. */
  cancel(key: K): boolean {
    return this.#waiting.delete(key);
  }

  /** Removes every waiting key the predicate selects; returns the removed keys. */
  cancelWhere(predicate: (key: K, priority: Priority) => boolean): K[] {
    const removed: K[] = [];
    for (const [key, w] of this.#waiting) {
      if (predicate(key, w.priority)) {
        this.#waiting.delete(key);
        removed.push(key);
      }
    }
    return removed;
  }

  /** The next key to start, marked running; undefined when idle or at the concurrency bound. */
  take(): K | undefined {
    if (this.#running.size >= this.#concurrency) return undefined;
    let best: Waiting<K> | undefined;
    // A linear scan: the queue holds at most a few thousand keys (one library's batch), and
    // this keeps priority changes O(1) without a heap that would need re-keying.
    for (const w of this.#waiting.values()) {
      if (!best || RANK[w.priority] < RANK[best.priority] || (w.priority === best.priority && w.seq < best.seq)) {
        best = w;
      }
    }
    if (!best) return undefined;
    this.#waiting.delete(best.key);
    this.#running.add(best.key);
    return best.key;
  }

  /** Marks a running key as done, freeing its slot. */
  finish(key: K): void {
    this.#running.delete(key);
  }

  has(key: K): boolean {
    return this.#waiting.has(key) || this.#running.has(key);
  }

  isRunning(key: K): boolean {
    return this.#running.has(key);
  }

  priorityOf(key: K): Priority | undefined {
    return this.#waiting.get(key)?.priority;
  }

  counts(): QueueCounts {
    return { queued: this.#waiting.size, running: this.#running.size };
  }

  get idle(): boolean {
    return this.#waiting.size === 0 && this.#running.size === 0;
  }
}

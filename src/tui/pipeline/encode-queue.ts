/**
 * The one scheduler for encoding pictures: what is visible first, then the neighbours the
 * cursor will move to, then the next page; a job whose slot left the screen is dropped before
 * it starts. Lower-priority work starts only when nothing visible is waiting or running, since
 * the sixel worker pool is first-come first-served and an early next-page encode made the
 * visible page wait for it (launch took twice as long).
 */
import { afterForeground, foregroundBusy } from '../screen/foreground.js';
import { trace, tracing } from '../screen/trace.js';

export const PRIORITIES = ['visible', 'neighbour', 'next'] as const;
export type Priority = (typeof PRIORITIES)[number];

export interface EncodeJob {
  /** Identity: a second job with the same key is merged with it (see push). */
  key: string;
  priority: Priority;
  run(): Promise<void>;
}

export interface EncodeQueueOptions {
  /** Jobs running at once. @default 4 */
  concurrency?: number;
  /** Whether visible work is in flight elsewhere (fetches): holds back lower priorities. */
  visibleBusy?: () => boolean;
  /** A hold ended (pictures held back with it may be written now). */
  onHoldEnd?: () => void;
}

export class EncodeQueue {
  readonly #concurrency: number;
  readonly #visibleBusy: () => boolean;
  readonly #onHoldEnd: (() => void) | undefined;
  #queued = new Map<string, EncodeJob>();
  #running = new Map<string, Priority>();
  #idleWaiters: (() => void)[] = [];
  /** Set while held (see hold()): nothing starts until it fires. */
  #holdTimer: NodeJS.Timeout | null = null;
  /** A start of jobs is due at the end of this turn of the event loop (see pump()). */
  #pumpQueued = false;
  readonly #pumpLater = () => this.pump();

  constructor(options: EncodeQueueOptions = {}) {
    this.#concurrency = Math.max(1, options.concurrency ?? 4);
    this.#visibleBusy = options.visibleBusy ?? (() => false);
    this.#onHoldEnd = options.onHoldEnd;
  }

  get size(): number {
    return this.#queued.size + this.#running.size;
  }

  /**
   * The same key again (a slot started over under it: a next-page slot that came on screen is
   * restarted at visible priority) is merged, and the newest job's work is what runs, at the
   * more urgent priority: its closure answers the slot's current entry. Keeping the older job
   * answered an entry that no longer existed and the slot was never drawn (a burst of page
   * downs ended on a page of empty boxes). While a job with the key runs, the new one waits.
   */
  push(job: EncodeJob): void {
    const prev = this.#queued.get(job.key);
    const priority = prev && PRIORITIES.indexOf(prev.priority) < PRIORITIES.indexOf(job.priority) ? prev.priority : job.priority;
    this.#queued.set(job.key, { ...job, priority });
    this.pump();
  }

  /** Moves queued jobs `match` picks to another priority (a next-page slot came on screen). */
  reprioritize(match: (key: string) => boolean, priority: Priority): void {
    for (const job of this.#queued.values()) if (match(job.key)) job.priority = priority;
    this.pump();
  }

  /** Drops queued jobs `keep` says no to (their slot left the screen). */
  retain(keep: (key: string) => boolean): void {
    for (const key of this.#queued.keys()) if (!keep(key)) this.#queued.delete(key);
    this.#settle();
  }

  clear(): void {
    this.#queued.clear();
    this.#release();
    this.#settle();
  }

  /**
   * Starts nothing for `ms` (again from now if already held): page keys are arriving faster than
   * a page can be encoded, and a page started now would be left before it is drawn. Jobs pushed
   * meanwhile wait in the queue (retain() still drops them) and start when the hold ends.
   */
  hold(ms: number): void {
    if (this.#holdTimer) clearTimeout(this.#holdTimer);
    if (tracing) trace('encode-hold', `${ms} ms, ${this.#queued.size} queued`);
    this.#holdTimer = setTimeout(() => {
      this.#holdTimer = null;
      if (tracing) trace('encode-hold-end', `${this.#queued.size} queued`);
      this.pump();
      this.#onHoldEnd?.();
    }, ms);
  }

  get held(): boolean {
    return this.#holdTimer !== null;
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Starts what may start, at the end of this turn of the event loop (call again when outside
   * conditions change). Not at once: on a loaded machine a key's page turn took 200-300 ms to
   * process, the next key was already waiting meanwhile, and an encode started now was for a
   * page about to be left (and a hold that ended late let a page passed start its encodes). In
   * the check phase, keys waiting have been read first (poll phase), so the page they turn to
   * has already dropped the jobs of the one left (retain()) or held them again (hold()).
   */
  pump(): void {
    if (this.#pumpQueued) return;
    this.#pumpQueued = true;
    setImmediate(() => {
      this.#pumpQueued = false;
      this.#startJobs();
    });
  }

  #startJobs(): void {
    if (this.#holdTimer) return;
    while (this.#running.size < this.#concurrency) {
      const job = this.#pick();
      if (!job) break;
      this.#queued.delete(job.key);
      this.#running.set(job.key, job.priority);
      if (tracing) trace('encode-start', `${job.priority} ${job.key.slice(0, job.key.indexOf('@'))} running ${this.#running.size}`);
      void job
        .run()
        .catch(() => undefined)
        .finally(() => {
          this.#running.delete(job.key);
          this.pump();
          this.#settle();
        });
    }
  }

  #pick(): EncodeJob | undefined {
    let best: EncodeJob | undefined;
    for (const job of this.#queued.values()) {
      if (this.#running.has(job.key)) continue;
      if (!best || PRIORITIES.indexOf(job.priority) < PRIORITIES.indexOf(best.priority)) best = job;
      if (best.priority === 'visible') break;
    }
    if (!best || best.priority === 'visible') return best;
    const visibleRunning = [...this.#running.values()].includes('visible');
    if (visibleRunning || this.#visibleBusy()) return undefined;
    // A key's picture is being written: work ahead would stall the write (screen/foreground.ts).
    if (foregroundBusy()) {
      afterForeground(this.#pumpLater);
      return undefined;
    }
    return best;
  }

  #release(): void {
    if (this.#holdTimer) clearTimeout(this.#holdTimer);
    this.#holdTimer = null;
  }

  #settle(): void {
    if (this.size > 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }
}

import type { Level, Priority, ThumbResult, ThumbSubject } from './types.js';
import { WorkQueue } from './queue.js';

/*
 * The job table of the mipmap cache: which thumbnail jobs exist, which levels each makes,
 * who waits for which level, and the queue that starts them. One job per image decode
 * serves every level and every waiter; a request joins a job already in flight instead of
 * decoding again. Running a job is the owner's (job-run.ts); this file only schedules.
 */

export interface Waiter {
  level: Level;
  resolve: (result: ThumbResult) => void;
  reject: (reason: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export interface Job {
  seq: number;
  subject: ThumbSubject;
  levels: Set<Level>;
  force: boolean;
  started: boolean;
  waiters: Waiter[];
  /** The generateMissing run that queued it (one abort listener per run, not per job). */
  group?: Set<Job>;
  /** A request from outside a batch run (the grid, a prefetch) waits for it too. */
  wanted?: boolean;
}

function inflightKey(id: number, level: Level, force: boolean): string {
  return `${id}:${level}:${force ? 'p' : 'a'}`;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('aborted', 'AbortError');
}

export interface JobBoardHooks {
  /** Runs a started job to its end (answers its waiters). */
  run: (job: Job) => Promise<void>;
  /** Something the progress snapshot shows changed. */
  notify: () => void;
  warn: (message: string) => void;
}

export class JobBoard {
  readonly queue: WorkQueue<number>;
  /** Jobs finished and failed in the current run (reset when new work arrives after idle). */
  done = 0;
  failed = 0;
  closed = false;
  readonly running = new Set<Promise<void>>();
  #jobs = new Map<number, Job>();
  #inflight = new Map<string, Job>();
  #seq = 0;
  #runEnded = false;
  #hooks: JobBoardHooks;

  constructor(concurrency: number, hooks: JobBoardHooks) {
    this.queue = new WorkQueue(concurrency);
    this.#hooks = hooks;
  }

  job(seq: number): Job | undefined {
    return this.#jobs.get(seq);
  }

  set concurrency(value: number) {
    this.queue.concurrency = value;
    this.pump();
  }

  /**
   * Joins or creates the job for these levels and waits for the `answer` levels.
   * Rejects with the signal's reason when aborted.
   */
  request(
    subject: ThumbSubject,
    answer: Level[],
    make: Set<Level>,
    force: boolean,
    priority: Priority,
    signal: AbortSignal | undefined,
    group?: Set<Job>,
  ): Promise<ThumbResult[]> {
    if (this.closed) return Promise.reject(new Error('mipmap cache is closed'));
    if (this.queue.idle && this.#runEnded) {
      this.done = 0;
      this.failed = 0;
      this.#runEnded = false;
    }
    const jobs = new Set<Job>();
    const promises = answer.map((level) => {
      let job = this.#inflight.get(inflightKey(subject.id, level, force));
      if (!job) {
        job = this.#pendingJobFor(subject.id, force) ?? this.#newJob(subject, force);
        for (const l of make) {
          if (!this.#inflight.has(inflightKey(subject.id, l, force))) {
            job.levels.add(l);
            this.#inflight.set(inflightKey(subject.id, l, force), job);
          }
        }
        job.levels.add(level);
        this.#inflight.set(inflightKey(subject.id, level, force), job);
      }
      jobs.add(job);
      if (!group) job.wanted = true;
      if (group && !job.started && job.waiters.length === 0) {
        job.group = group;
        group.add(job);
      }
      return this.#wait(job, level, signal);
    });
    for (const job of jobs) if (!job.started) this.queue.enqueue(job.seq, priority);
    this.pump();
    this.#hooks.notify();
    return Promise.all(promises);
  }

  #pendingJobFor(id: number, force: boolean): Job | undefined {
    for (const job of this.#jobs.values()) {
      if (!job.started && job.subject.id === id && job.force === force) return job;
    }
    return undefined;
  }

  #newJob(subject: ThumbSubject, force: boolean): Job {
    const job: Job = { seq: this.#seq++, subject, levels: new Set(), force, started: false, waiters: [] };
    this.#jobs.set(job.seq, job);
    return job;
  }

  #wait(job: Job, level: Level, signal: AbortSignal | undefined): Promise<ThumbResult> {
    return new Promise<ThumbResult>((resolve, reject) => {
      const waiter: Waiter = { level, resolve, reject };
      if (signal) {
        waiter.signal = signal;
        waiter.onAbort = () => {
          const i = job.waiters.indexOf(waiter);
          if (i >= 0) job.waiters.splice(i, 1);
          reject(abortReason(signal));
          // Nobody wants it any more and it has not started: take it out of the queue.
          if (!job.started && job.waiters.length === 0) {
            this.queue.cancel(job.seq);
            this.dropJob(job);
            this.#hooks.notify();
          }
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      job.waiters.push(waiter);
    });
  }

  /** Takes a queued job out and rejects everyone waiting for it. */
  cancelJob(job: Job, reason: unknown): void {
    this.queue.cancel(job.seq);
    this.dropJob(job);
    for (const w of job.waiters.splice(0)) {
      if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort);
      w.reject(reason ?? new DOMException('aborted', 'AbortError'));
    }
    this.#hooks.notify();
  }

  dropJob(job: Job): void {
    this.#jobs.delete(job.seq);
    job.group?.delete(job);
    for (const l of job.levels) {
      const k = inflightKey(job.subject.id, l, job.force);
      if (this.#inflight.get(k) === job) this.#inflight.delete(k);
    }
  }

  cancelAllQueued(): void {
    const removed = this.queue.cancelWhere(() => true);
    for (const seq of removed) {
      const job = this.#jobs.get(seq);
      if (job) this.cancelJob(job, new DOMException('mipmap cache closed', 'AbortError'));
    }
  }

  pump(): void {
    for (let seq = this.queue.take(); seq !== undefined; seq = this.queue.take()) {
      const job = this.#jobs.get(seq);
      if (!job) {
        this.queue.finish(seq);
        continue;
      }
      job.started = true;
      const run: Promise<void> = this.#hooks.run(job)
        .catch((err: unknown) => this.#hooks.warn(`thumbnail job failed: ${(err as Error).message}`))
        .finally(() => {
          this.running.delete(run);
          this.queue.finish(seq);
          this.dropJob(job);
          if (this.queue.idle) this.#runEnded = true;
          this.#hooks.notify();
          if (!this.closed) this.pump();
        });
      this.running.add(run);
    }
  }

  /**
   * Drops queued on-screen and prefetch work for images not in keepIds (they scrolled
   * away); their requests reject with an AbortError. Batch work is left alone.
   */
  cancelStale(keepIds: ReadonlySet<number>): number {
    const removed = this.queue.cancelWhere((seq, priority) => {
      const job = this.#jobs.get(seq);
      // A job a batch run also waits for (generateMissing) stays: the batch still wants it.
      return priority !== 'batch' && job !== undefined && job.group === undefined && !keepIds.has(job.subject.id);
    });
    for (const seq of removed) {
      const job = this.#jobs.get(seq);
      if (job) this.cancelJob(job, new DOMException('scrolled away', 'AbortError'));
    }
    if (removed.length) this.#hooks.notify();
    return removed.length;
  }
}

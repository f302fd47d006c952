import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/*
 * A small pool of worker threads that runs one job per worker under a deadline. Why
 * hand-written rather than piscina or workerpool: those keep a busy worker when a job runs
 * past its time (piscina's abort needs the job's cooperation; a synchronous infinite loop
 * inside a parser never yields), and both keep the process alive while workers idle. Here a
 * job that runs past its deadline terminates its worker, which is replaced on the next job.
 *
 * Keep-alive: a worker is ref'd only while it runs a job (the caller awaits the answer) and
 * unref'd otherwise, so an idle pool never holds the process open. Its listeners are
 * installed once, before the first unref(): Node re-refs a worker when a 'message'
 * listener is added, and piped stdio (`stdout: true`) holds the loop open too, so workers
 * silence their own console instead.
 *
 * Protocol: the pool posts {id, input}; the worker answers {id, result} or {id, error}.
 */

/** src/ (or dist/ when this runs compiled). */
const CODE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The compiled worker module `name`.js beside the caller. When the caller runs from
 * TypeScript sources (vitest, tsx) the worker comes from dist/, which the test setup builds,
 * since a worker thread has no TypeScript loader.
 */
export function workerModule(callerUrl: string, name: string): string {
  const caller = fileURLToPath(callerUrl);
  const dir = path.dirname(caller);
  if (caller.endsWith('.js')) return path.join(dir, `${name}.js`);
  return path.join(CODE_ROOT, '..', 'dist', path.relative(CODE_ROOT, dir), `${name}.js`);
}

export interface WorkerPoolOptions {
  /** The worker's module (compiled JavaScript). */
  file: string | URL;
  /** Workers at most. */
  size: number;
  /** An idle worker is terminated after this long (the pool starts a new one when needed). */
  idleMs: number;
  /** V8 heap bounds of each worker: past them the worker dies (the job fails), not the process. */
  resourceLimits?: { maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb?: number };
}

export interface RunOptions {
  /** The job's worker is terminated after this long and the job rejects with WorkerTimeoutError. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Transferred to the worker (not copied): do not use them afterwards. */
  transfer?: ArrayBuffer[];
}

/** The job ran past its deadline; its worker was terminated. */
export class WorkerTimeoutError extends Error {
  override name = 'WorkerTimeoutError';
}

/** The worker died (crash, out of memory, exit) while running the job. */
export class WorkerCrashError extends Error {
  override name = 'WorkerCrashError';
}

/** The job's signal aborted it; its worker was terminated if the job had started. */
export class WorkerAbortError extends Error {
  override name = 'WorkerAbortError';
}

interface Job {
  input: unknown;
  options: RunOptions;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
  jobId: number;
  timer: NodeJS.Timeout | null;
  idleTimer: NodeJS.Timeout | null;
}

interface Reply {
  id: number;
  result?: unknown;
  error?: string;
}

export class WorkerPool<In, Out> {
  readonly #options: WorkerPoolOptions;
  readonly #slots: Slot[] = [];
  readonly #waiting: Job[] = [];
  #nextId = 1;
  #closed = false;

  constructor(options: WorkerPoolOptions) {
    this.#options = { ...options, size: Math.max(1, Math.floor(options.size)) };
  }

  /** Workers alive now (busy or idle): for tests. */
  get workers(): number {
    return this.#slots.length;
  }

  run(input: In, options: RunOptions): Promise<Out> {
    if (this.#closed) return Promise.reject(new Error('worker pool is closed'));
    if (options.signal?.aborted) return Promise.reject(new WorkerAbortError('aborted'));
    return new Promise<Out>((resolve, reject) => {
      const job: Job = { input, options, resolve: resolve as (v: unknown) => void, reject };
      const onAbort = () => {
        const i = this.#waiting.indexOf(job);
        if (i >= 0) {
          this.#waiting.splice(i, 1);
          reject(new WorkerAbortError('aborted'));
          return;
        }
        const slot = this.#slots.find((s) => s.job === job);
        if (slot) this.#fail(slot, new WorkerAbortError('aborted'));
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const settle = (fn: () => void) => {
        options.signal?.removeEventListener('abort', onAbort);
        fn();
      };
      job.resolve = (v) => settle(() => resolve(v as Out));
      job.reject = (e) => settle(() => reject(e));
      this.#waiting.push(job);
      this.#pump();
    });
  }

  /** Terminates every worker; queued and running jobs reject. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#waiting.splice(0)) job.reject(new Error('worker pool is closed'));
    await Promise.all(
      [...this.#slots].map((slot) => {
        const job = slot.job;
        this.#retire(slot);
        job?.reject(new Error('worker pool is closed'));
        return slot.worker.terminate().catch(() => undefined);
      }),
    );
  }

  #pump(): void {
    while (this.#waiting.length > 0) {
      let slot = this.#slots.find((s) => s.job === null);
      if (!slot) {
        if (this.#slots.length >= this.#options.size) return;
        try {
          slot = this.#spawn();
        } catch (err) {
          this.#waiting.shift()?.reject(new WorkerCrashError(`worker did not start: ${(err as Error).message}`));
          continue;
        }
      }
      this.#start(slot, this.#waiting.shift()!);
    }
  }

  #spawn(): Slot {
    const worker = new Worker(this.#options.file, {
      // The parent's flags minus those that only make sense for a main script (`node
      // --input-type=module -e …` would stop every worker at start-up).
      execArgv: process.execArgv.filter((a) => !a.startsWith('--input-type')),
      resourceLimits: this.#options.resourceLimits,
    });
    const slot: Slot = { worker, job: null, jobId: 0, timer: null, idleTimer: null };
    worker.on('message', (msg: Reply) => {
      const job = slot.job;
      if (!job || msg.id !== slot.jobId) return;
      this.#finish(slot);
      if (msg.error !== undefined) job.reject(new Error(msg.error));
      else job.resolve(msg.result);
    });
    worker.on('error', (err: Error) => this.#fail(slot, new WorkerCrashError(err.message)));
    worker.on('exit', (code) => this.#fail(slot, new WorkerCrashError(`worker exited (code ${code})`)));
    // After the listeners: adding a 'message' listener refs the worker again.
    worker.unref();
    this.#slots.push(slot);
    return slot;
  }

  #start(slot: Slot, job: Job): void {
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    slot.idleTimer = null;
    slot.job = job;
    slot.jobId = this.#nextId++;
    // Held open while the caller waits for the answer.
    slot.worker.ref();
    const { timeoutMs } = job.options;
    slot.timer = setTimeout(() => this.#fail(slot, new WorkerTimeoutError(`timed out after ${timeoutMs} ms`)), timeoutMs);
    try {
      slot.worker.postMessage({ id: slot.jobId, input: job.input }, job.options.transfer ?? []);
    } catch (err) {
      this.#fail(slot, new WorkerCrashError(`cannot send the job: ${(err as Error).message}`));
    }
  }

  /** The job is answered: the worker goes idle, unref'd, and is retired after idleMs. */
  #finish(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job = null;
    slot.worker.unref();
    slot.idleTimer = setTimeout(() => {
      this.#retire(slot);
      void slot.worker.terminate().catch(() => undefined);
    }, this.#options.idleMs);
    slot.idleTimer.unref();
    // Jobs waiting for a slot start on this one (after the caller's continuation is queued).
    queueMicrotask(() => this.#pump());
  }

  /** The running job fails (deadline, abort, crash): its worker is terminated and replaced on demand. */
  #fail(slot: Slot, err: Error): void {
    const job = slot.job;
    const wasMember = this.#slots.includes(slot);
    this.#retire(slot);
    if (wasMember) void slot.worker.terminate().catch(() => undefined);
    job?.reject(err);
    if (!this.#closed) this.#pump();
  }

  #retire(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    slot.timer = null;
    slot.idleTimer = null;
    slot.job = null;
    const i = this.#slots.indexOf(slot);
    if (i >= 0) this.#slots.splice(i, 1);
    slot.worker.unref();
  }
}

/**
 * Writes a big picture to the terminal from a thread of its own, through a second, blocking
 * descriptor of the same terminal, so that the terminal is fed while the main thread renders.
 *
 * Why: the lighttable's stdout is non-blocking (terminal-writer.ts must be able to stop a
 * picture), so libuv feeds the pty only when the event loop polls. A next-image key renders
 * Ink's frame (about 20 ms of JavaScript at 160x48) and then writes a 1.3 MB sixel; written on
 * the main thread, the two add up, and any JavaScript during the write leaves the pty unfed.
 * From here the sixel drains while the frame is rendered.
 *
 * Order is kept by the caller: nothing else is written while a job runs (the writer waits for
 * done(), and settle() stops and waits for the thread before anything is written around it).
 * A job is written piece by piece, each piece in one write(2) call (the tty layer takes a whole
 * call under one lock); between pieces the thread looks at a shared flag, so a picture no
 * longer wanted is ended with its abort bytes after the piece under way.
 *
 * Why hand-written: no library writes to a terminal from a worker thread. Linux only (the
 * terminal is opened again through /proc/self/fd); elsewhere open() returns null and the main
 * thread writes, as before.
 */
import { closeSync, constants, openSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

/** Shared words: whether a job runs, the cancel request, and the finished job's result. */
const BUSY = 0;
const CANCEL = 1;
const DONE_PIECES = 2;
const DONE_CUT = 3;
const FAILED = 4;
const WORDS = 5;

/** A small heap: the picture's strings (a worst-case loupe crop of noise is about 5 MB) and one piece's bytes. */
const LIMITS = { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 32 } as const;

/**
 * What a thread adds to the process: an isolate (measured 10 MB of RSS with LIMITS, after 50
 * writes of 1.3 MB). Counted in the pictures' share of cacheSizeMB (memory-budget.ts).
 */
export const PICTURE_THREAD_BYTES = 10 * 1024 * 1024;

/** Threads running in this process (one per terminal: the lighttable has one), for the cache statistics. */
let running = 0;

/** What the picture threads add to the process now. */
export function pictureThreadBytes(): number {
  return running * PICTURE_THREAD_BYTES;
}

export interface PictureJobResult {
  /** Pieces written whole. */
  pieces: number;
  /** Stopped by cancel() before its last piece; its abort bytes were written. */
  cut: boolean;
  /** The terminal refused the bytes (gone: EIO, EPIPE): nothing more is written here. */
  failed: boolean;
}

function workerSource(): string {
  return `
const { parentPort, workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const flags = new Int32Array(workerData.shared);
const nap = new Int32Array(new SharedArrayBuffer(4));
const fd = workerData.fd;
function writeAll(bytes) {
  for (let at = 0; at < bytes.length; ) {
    try {
      at += writeSync(fd, bytes, at, bytes.length - at);
    } catch (err) {
      if (err.code !== 'EAGAIN' && err.code !== 'EINTR') throw err;
      Atomics.wait(nap, 0, 0, 1);
    }
  }
}
parentPort.on('message', (job) => {
  let pieces = 0, cut = false, failed = false;
  try {
    for (const piece of job.pieces) {
      if (pieces > 0 && Atomics.load(flags, ${CANCEL}) === 1) { cut = true; break; }
      writeAll(Buffer.from(piece, 'utf8'));
      pieces += 1;
    }
    if (cut && job.abort) writeAll(Buffer.from(job.abort, 'utf8'));
  } catch {
    failed = true;
  }
  Atomics.store(flags, ${DONE_PIECES}, pieces);
  Atomics.store(flags, ${DONE_CUT}, cut ? 1 : 0);
  Atomics.store(flags, ${FAILED}, failed ? 1 : 0);
  Atomics.store(flags, ${BUSY}, 0);
  Atomics.notify(flags, ${BUSY});
  parentPort.postMessage(job.id);
});`;
}

export class PictureThread {
  readonly #fd: number;
  readonly #flags: Int32Array;
  /** Started by the first picture big enough for it (start()): a grid never pays for it. */
  #worker: Worker | null = null;
  #online = false;
  #broken = false;
  #job = 0;
  #done: ((r: PictureJobResult) => void) | null = null;

  /** A thread for the terminal `stream` is on, or null (not a TTY, not Linux, cannot reopen it). */
  static open(stream: NodeJS.WriteStream): PictureThread | null {
    const fd = (stream as { fd?: number }).fd;
    if (!stream.isTTY || typeof fd !== 'number' || process.env.TERMTABLE_PICTURE_THREAD === '0') return null;
    return PictureThread.forFd(fd);
  }

  /** A thread writing to what descriptor `fd` is open on (a terminal; a FIFO in tests). */
  static forFd(fd: number): PictureThread | null {
    if (process.platform !== 'linux') return null;
    let own: number;
    try {
      // A new open file description, blocking: O_NONBLOCK of stdout's is shared by every dup of it.
      own = openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY | constants.O_NOCTTY);
    } catch {
      return null;
    }
    return new PictureThread(own);
  }

  private constructor(fd: number) {
    this.#fd = fd;
    this.#flags = new Int32Array(new SharedArrayBuffer(WORDS * 4));
  }

  /** Starts the thread (about 30 ms, off the main thread's path): ready once it is online. */
  start(): void {
    if (this.#worker || this.#broken) return;
    const worker = new Worker(workerSource(), { eval: true, resourceLimits: LIMITS, workerData: { fd: this.#fd, shared: this.#flags.buffer } });
    this.#worker = worker;
    running += 1;
    worker.unref();
    worker.on('online', () => (this.#online = true));
    worker.on('message', (id: number) => {
      if (id === this.#job) this.#finish();
    });
    worker.on('error', () => this.#fail());
    worker.on('exit', () => {
      running -= 1;
      this.#fail();
    });
  }

  /** Whether a job can be given now: started, not broken, idle. */
  get ready(): boolean {
    return this.#worker !== null && this.#online && !this.#broken && this.#done === null;
  }

  get busy(): boolean {
    return this.#done !== null;
  }

  /**
   * Writes `pieces` in order, then calls done (on the main thread). `abort` ends the picture
   * cleanly if cancel() stops it between pieces.
   */
  write(pieces: readonly string[], abort: string, done: (r: PictureJobResult) => void): void {
    if (!this.ready) throw new Error('picture thread not ready');
    const worker = this.#worker!;
    this.#job += 1;
    this.#done = done;
    Atomics.store(this.#flags, CANCEL, 0);
    Atomics.store(this.#flags, BUSY, 1);
    worker.ref();
    // The strings as they are: cloning one copies its characters (about 1.4 ms for 1.3 MB here),
    // while making its UTF-8 bytes on this thread took 2.5-3.8 ms; the thread makes them.
    worker.postMessage({ id: this.#job, pieces, abort });
  }

  /** Asks the job under way to stop after its current piece. */
  cancel(): void {
    if (this.#done) Atomics.store(this.#flags, CANCEL, 1);
  }

  /**
   * Stops the job under way after its current piece and waits for it (blocking, at most
   * `timeoutMs`): afterwards the main thread may write. Returns whether the thread is idle.
   */
  settle(timeoutMs = 2000): boolean {
    if (!this.#done) return true;
    this.cancel();
    const end = performance.now() + timeoutMs;
    while (Atomics.load(this.#flags, BUSY) === 1) {
      const left = end - performance.now();
      if (left <= 0) return false;
      Atomics.wait(this.#flags, BUSY, 1, left);
    }
    this.#finish();
    return true;
  }

  close(): void {
    this.settle(500);
    this.#broken = true;
    void this.#worker?.terminate();
    try {
      closeSync(this.#fd);
    } catch {
      // already closed
    }
  }

  #finish(): void {
    const done = this.#done;
    if (!done || Atomics.load(this.#flags, BUSY) === 1) return;
    this.#done = null;
    this.#worker?.unref();
    const failed = Atomics.load(this.#flags, FAILED) === 1;
    if (failed) this.#broken = true;
    done({ pieces: Atomics.load(this.#flags, DONE_PIECES), cut: Atomics.load(this.#flags, DONE_CUT) === 1, failed });
  }

  #fail(): void {
    this.#broken = true;
    const done = this.#done;
    this.#done = null;
    done?.({ pieces: 0, cut: true, failed: true });
  }
}

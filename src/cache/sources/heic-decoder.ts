import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ThumbError } from './causes.js';

export interface DecodedPixels {
  width: number;
  height: number;
  /** RGBA, 8 bits per channel. */
  pixels: Buffer;
}

export interface HeicDecodeOptions {
  /** Terminate the worker after this long. @default 60000 */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * The compiled worker beside this module; when this module runs from TypeScript sources
 * (vitest, tsx) the worker comes from dist/, which the test setup builds, since a worker
 * thread has no TypeScript loader.
 */
function workerPath(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return path.join(path.dirname(here), 'heic-worker.js');
  return path.resolve(path.dirname(here), '..', '..', '..', 'dist', 'cache', 'sources', 'heic-worker.js');
}

interface Job {
  data: Uint8Array;
  resolve: (value: DecodedPixels) => void;
  reject: (err: Error) => void;
  options: HeicDecodeOptions;
}

interface Slot {
  worker: Worker;
  busy: boolean;
  idleTimer: NodeJS.Timeout | null;
}

const IDLE_MS = 30_000;
let nextId = 1;
const slots: Slot[] = [];
const waiting: Job[] = [];
const maxWorkers = () => Math.max(1, Math.min(4, os.availableParallelism()));

function retire(slot: Slot): void {
  const i = slots.indexOf(slot);
  if (i !== -1) slots.splice(i, 1);
  if (slot.idleTimer) clearTimeout(slot.idleTimer);
  void slot.worker.terminate().catch(() => undefined);
}

function newSlot(): Slot {
  // libheif prints parse errors with console.log: kept off the parent's stdout, where a TUI is drawing.
  const worker = new Worker(workerPath(), { stdout: true, stderr: true });
  worker.stdout.resume();
  worker.stderr.resume();
  worker.unref(); // an idle decoder must not keep the process alive
  const slot: Slot = { worker, busy: false, idleTimer: null };
  slots.push(slot);
  return slot;
}

function pump(): void {
  while (waiting.length > 0) {
    let slot = slots.find((s) => !s.busy);
    if (!slot) {
      if (slots.length >= maxWorkers()) return;
      try {
        slot = newSlot();
      } catch (err) {
        const job = waiting.shift();
        job?.reject(new ThumbError('unsupported', `HEIC decoder worker did not start: ${(err as Error).message}`));
        continue;
      }
    }
    const job = waiting.shift();
    if (!job) continue;
    if (job.options.signal?.aborted) job.reject(new ThumbError('unsupported', 'aborted'));
    else run(slot, job);
  }
}

function run(slot: Slot, job: Job): void {
  slot.busy = true;
  if (slot.idleTimer) clearTimeout(slot.idleTimer);
  const id = nextId++;
  const { worker } = slot;
  let done = false;
  const settle = (crashed: boolean, fn: () => void) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    job.options.signal?.removeEventListener('abort', onAbort);
    worker.off('message', onMessage);
    worker.off('error', onError);
    worker.off('exit', onExit);
    if (crashed) retire(slot);
    else {
      slot.busy = false;
      slot.idleTimer = setTimeout(() => retire(slot), IDLE_MS);
      slot.idleTimer.unref();
    }
    fn();
    pump();
  };
  const onMessage = (msg: { id: number; width?: number; height?: number; pixels?: Uint8Array; error?: string }) => {
    if (msg.id !== id) return;
    if (msg.error !== undefined || !msg.pixels || !msg.width || !msg.height) {
      settle(false, () => job.reject(new ThumbError('unsupported', `HEIC decoder: ${msg.error ?? 'no image'}`)));
      return;
    }
    const pixels = Buffer.from(msg.pixels.buffer, msg.pixels.byteOffset, msg.pixels.byteLength);
    const out = { width: msg.width, height: msg.height, pixels };
    settle(false, () => job.resolve(out));
  };
  const onError = (err: Error) => settle(true, () => job.reject(new ThumbError(/memory|alloc/i.test(err.message) ? 'memory' : 'unsupported', `HEIC decoder crashed: ${err.message}`)));
  const onExit = (code: number) => settle(true, () => job.reject(new ThumbError('unsupported', `HEIC decoder exited (code ${code})`)));
  const onAbort = () => settle(true, () => job.reject(new ThumbError('unsupported', 'aborted')));
  const timeoutMs = job.options.timeoutMs ?? 60_000;
  const timer = setTimeout(() => settle(true, () => job.reject(new ThumbError('unsupported', `HEIC decoder timed out after ${timeoutMs} ms`))), timeoutMs);
  worker.on('message', onMessage);
  worker.on('error', onError);
  worker.on('exit', onExit);
  job.options.signal?.addEventListener('abort', onAbort, { once: true });
  worker.postMessage({ id, data: job.data }, [job.data.buffer as ArrayBuffer]);
}

/**
 * Decodes HEIC bytes to RGBA in a worker thread (libheif applies the file's irot/imir, so
 * the result is already upright). Crashed or timed-out workers are replaced by new ones.
 * `data` is transferred to the worker: do not use it afterwards.
 */
export function decodeHeic(data: Uint8Array, options: HeicDecodeOptions = {}): Promise<DecodedPixels> {
  if (options.signal?.aborted) return Promise.reject(new ThumbError('unsupported', 'aborted'));
  // Only a buffer that owns its whole ArrayBuffer may be transferred.
  const own = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : new Uint8Array(data);
  return new Promise<DecodedPixels>((resolve, reject) => {
    waiting.push({ data: own, resolve, reject, options });
    pump();
  });
}

import os from 'node:os';
import { WorkerAbortError, WorkerCrashError, WorkerPool, WorkerTimeoutError, workerModule } from '../../util/worker-pool.js';
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

interface WorkerResult {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/**
 * Idle decoders are unref'd (they never keep the process alive) and terminated after this
 * long; a worker costs ~40 MB, and its wasm start-up is worth keeping across a page of HEICs.
 */
const IDLE_MS = 30_000;

let pool: WorkerPool<Uint8Array, WorkerResult> | undefined;
function heicPool(): WorkerPool<Uint8Array, WorkerResult> {
  pool ??= new WorkerPool({
    file: workerModule(import.meta.url, 'heic-worker'),
    size: Math.max(1, Math.min(4, os.availableParallelism())),
    idleMs: IDLE_MS,
  });
  return pool;
}

function asThumbError(err: unknown, timeoutMs: number): ThumbError {
  if (err instanceof WorkerTimeoutError) return new ThumbError('unsupported', `HEIC decoder timed out after ${timeoutMs} ms`);
  if (err instanceof WorkerAbortError) return new ThumbError('unsupported', 'aborted');
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof WorkerCrashError) {
    return new ThumbError(/memory|alloc/i.test(message) ? 'memory' : 'unsupported', `HEIC decoder crashed: ${message}`);
  }
  return new ThumbError('unsupported', `HEIC decoder: ${message}`);
}

/**
 * Decodes HEIC bytes to RGBA in a worker thread (libheif applies the file's irot/imir, so
 * the result is already upright). Crashed or timed-out workers are replaced by new ones.
 * `data` is transferred to the worker: do not use it afterwards.
 */
export async function decodeHeic(data: Uint8Array, options: HeicDecodeOptions = {}): Promise<DecodedPixels> {
  if (options.signal?.aborted) throw new ThumbError('unsupported', 'aborted');
  // Only a buffer that owns its whole ArrayBuffer may be transferred.
  const own = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : new Uint8Array(data);
  const timeoutMs = options.timeoutMs ?? 60_000;
  let out: WorkerResult;
  try {
    out = await heicPool().run(own, { timeoutMs, signal: options.signal, transfer: [own.buffer as ArrayBuffer] });
  } catch (err) {
    throw asThumbError(err, timeoutMs);
  }
  if (!out || !out.pixels || !out.width || !out.height) throw new ThumbError('unsupported', 'HEIC decoder: no image');
  return { width: out.width, height: out.height, pixels: Buffer.from(out.pixels.buffer, out.pixels.byteOffset, out.pixels.byteLength) };
}

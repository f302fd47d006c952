/**
 * DEC sixel: quantised by libimagequant (libvips), bands encoded by the `sixel` package in
 * worker threads. The renderer caches the
 * encoded strings per image and box, so a repaint (needed after every Ink frame) never re-encodes.
 */
import { Worker } from 'node:worker_threads';
import sharp from '../../util/sharp.js';
import { clampBox, fitImage, fitWithin, outOfBandImage } from '../geometry.js';
import type { CellBox, CellPx, EncodeOptions, Encoder, ImageInput, RenderedImage } from '../types.js';
import { ENCODE_SOURCE, encodeQuantized, quantizeForSixel, type QuantizedImage } from './sixel-core.js';
import { SIXEL_WORKER_LIMITS, sixelWorkerCount } from './sixel-workers.js';

export interface SixelEncoderOptions {
  cellPx: CellPx;
  /** Colour registers (XTSMGRAPHICS). @default 256 */
  colors?: number;
  /** Largest image the terminal accepts (XTSMGRAPHICS); pictures are shrunk to fit. @default null */
  maxPx?: { width: number; height: number } | null;
  /** Encode in a worker thread; false encodes on the calling thread (one-shot CLI). @default true */
  worker?: boolean;
  /** Worker threads (sixel-workers.ts sizes them by bytes). @default sixelWorkerCount(undefined) */
  workers?: number;
}

/**
 * The worker is a small CommonJS script given as source: it runs the same way from dist/, under
 * tsx and under vitest, where a .ts worker file would need a loader the worker does not inherit.
 * Its input arrives as a transferred ArrayBuffer of already quantised pixels.
 */
function workerSource(): string {
  return `
const { parentPort } = require('node:worker_threads');
${ENCODE_SOURCE}
parentPort.on('message', (job) => {
  try {
    parentPort.postMessage({ id: job.id, sixel: encodeQuantized(new Uint8Array(job.rgba), job.width, job.height) });
  } catch (err) {
    parentPort.postMessage({ id: job.id, error: String(err && err.message || err) });
  }
});`;
}

interface SixelJob {
  id: number;
  rgba: ArrayBuffer;
  width: number;
  height: number;
}

type SixelReply = { id: number; sixel: string } | { id: number; error: string };

type Pending = { resolve: (s: string) => void; reject: (e: Error) => void };

/** One long-lived worker; jobs are matched to replies by id. */
class SixelWorker {
  private worker: Worker | null = null;
  private nextId = 1;
  private pending = new Map<number, Pending>();

  get load(): number {
    return this.pending.size;
  }

  /** Starts the thread now, so its start-up overlaps the caller's instead of the first encode. */
  warm(): void {
    this.start();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(workerSource(), { eval: true, resourceLimits: SIXEL_WORKER_LIMITS });
    worker.unref();
    worker.on('message', (reply: SixelReply) => {
      const job = this.pending.get(reply.id);
      if (!job) return;
      this.pending.delete(reply.id);
      if ('sixel' in reply) job.resolve(reply.sixel);
      else job.reject(new Error(reply.error));
    });
    worker.on('error', (err) => this.failAll(err));
    worker.on('exit', () => {
      this.worker = null;
      this.failAll(new Error('sixel worker exited'));
    });
    this.worker = worker;
    return worker;
  }

  private failAll(err: Error): void {
    for (const job of this.pending.values()) job.reject(err);
    this.pending.clear();
  }

  encode(image: QuantizedImage): Promise<string> {
    const worker = this.start();
    const id = this.nextId++;
    const rgba = image.rgba.buffer as ArrayBuffer;
    const job: SixelJob = { id, rgba, width: image.width, height: image.height };
    return new Promise<string>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) worker.ref();
      worker.postMessage(job, [rgba]);
    }).finally(() => {
      if (this.pending.size === 0) this.worker?.unref();
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}

/**
 * A page of thumbnails is encoded at once: one worker per core (at most two: the rest of the
 * machine decodes thumbnails), each job to the least busy one.
 */
class SixelPool {
  private readonly workers: SixelWorker[];

  constructor(size = sixelWorkerCount(undefined)) {
    this.workers = Array.from({ length: size }, () => new SixelWorker());
    // Worker start-up (a thread, a module load) is ~70 ms: pay it while the TUI loads its first
    // page, not when that page's pictures are waiting. Idle workers are unref'd.
    for (const w of this.workers) w.warm();
  }

  encode(image: QuantizedImage): Promise<string> {
    const idle = this.workers.reduce((a, b) => (b.load < a.load ? b : a));
    return idle.encode(image);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }
}

export function createSixelEncoder(options: SixelEncoderOptions): Encoder {
  const pool = options.worker === false ? null : new SixelPool(options.workers);
  const colors = options.colors ?? 256;
  return {
    protocol: 'sixel',
    inTree: false,
    async encode(input: ImageInput, rawBox: CellBox, opts?: EncodeOptions): Promise<RenderedImage> {
      const box = clampBox(rawBox);
      // Scaled down to what the terminal draws, the picture says the cells it really covers.
      const fit = fitWithin(fitImage(input.width, input.height, box, options.cellPx), box, options.cellPx, options.maxPx);
      const { widthPx, heightPx } = fit;
      const { data, info } = await sharp(input.data, { failOn: 'none' })
        .resize(widthPx, heightPx, { fit: 'fill' })
        .ensureAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      opts?.signal?.throwIfAborted();
      const quantized = await quantizeForSixel(data, info.width, info.height, colors);
      opts?.signal?.throwIfAborted();
      const place = pool ? await pool.encode(quantized) : encodeQuantized(quantized);
      return outOfBandImage('sixel', input.key, box, fit, place);
    },
    close: async () => pool?.close(),
  };
}

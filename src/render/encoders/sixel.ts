/**
 * DEC sixel through the `sixel` package, encoded in a worker thread. The renderer caches the
 * encoded strings per image and box, so a repaint (needed after every Ink frame) never re-encodes.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { clampBox, fitImage } from '../geometry.js';
import type { CellBox, CellPx, EncodeOptions, Encoder, ImageInput, RenderedImage } from '../types.js';
import { encodeSixel, type SixelJob, type SixelReply } from './sixel-core.js';

export interface SixelEncoderOptions {
  cellPx: CellPx;
  /** Colour registers (XTSMGRAPHICS). @default 256 */
  colors?: number;
  /** Largest image the terminal accepts (XTSMGRAPHICS); pictures are shrunk to fit. @default null */
  maxPx?: { width: number; height: number } | null;
  /** Encode in a worker thread; false encodes on the calling thread (one-shot CLI). @default true */
  worker?: boolean;
}

/**
 * The worker is a small CommonJS script given as source: it runs the same way from dist/, under
 * tsx and under vitest, where a .ts worker file would need a loader the worker does not inherit.
 * Its input arrives as a transferred ArrayBuffer, so the package never sees a Node Buffer
 * (which it would scramble).
 */
function workerSource(): string {
  const sixelPath = createRequire(import.meta.url).resolve('sixel');
  return `
const { parentPort } = require('node:worker_threads');
const { image2sixel } = require(${JSON.stringify(sixelPath)});
parentPort.on('message', (job) => {
  try {
    const colors = Math.max(2, Math.min(4096, Math.floor(job.colors)));
    parentPort.postMessage({ id: job.id, sixel: image2sixel(new Uint8Array(job.rgba), job.width, job.height, colors, 1) });
  } catch (err) {
    parentPort.postMessage({ id: job.id, error: String(err && err.message || err) });
  }
});`;
}

type Pending = { resolve: (s: string) => void; reject: (e: Error) => void };

/** One long-lived worker; jobs are matched to replies by id. */
class SixelWorker {
  private worker: Worker | null = null;
  private nextId = 1;
  private pending = new Map<number, Pending>();

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(workerSource(), { eval: true });
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

  encode(rgba: Buffer, width: number, height: number, colors: number): Promise<string> {
    const worker = this.start();
    const id = this.nextId++;
    // A private copy to transfer: sharp's Buffer may share a pooled ArrayBuffer.
    const copy = rgba.buffer.slice(rgba.byteOffset, rgba.byteOffset + rgba.length) as ArrayBuffer;
    const job: SixelJob = { id, rgba: copy, width, height, colors };
    return new Promise<string>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) worker.ref();
      worker.postMessage(job, [copy]);
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

export function createSixelEncoder(options: SixelEncoderOptions): Encoder {
  const worker = options.worker === false ? null : new SixelWorker();
  const colors = options.colors ?? 256;
  return {
    protocol: 'sixel',
    inTree: false,
    async encode(input: ImageInput, rawBox: CellBox, opts?: EncodeOptions): Promise<RenderedImage> {
      const box = clampBox(rawBox);
      const fit = fitImage(input.width, input.height, box, options.cellPx);
      let { widthPx, heightPx } = fit;
      const max = options.maxPx;
      if (max && max.width > 0 && max.height > 0 && (widthPx > max.width || heightPx > max.height)) {
        const s = Math.min(max.width / widthPx, max.height / heightPx);
        widthPx = Math.max(1, Math.floor(widthPx * s));
        heightPx = Math.max(1, Math.floor(heightPx * s));
      }
      const { data, info } = await sharp(input.data, { failOn: 'none' })
        .resize(widthPx, heightPx, { fit: 'fill' })
        .ensureAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      opts?.signal?.throwIfAborted();
      const place = worker
        ? await worker.encode(data, info.width, info.height, colors)
        : encodeSixel(new Uint8Array(data.buffer, data.byteOffset, data.length), info.width, info.height, colors);
      return {
        key: `${input.key}@${box.cols}x${box.rows}`,
        protocol: 'sixel',
        box,
        cols: fit.cols,
        rows: fit.rows,
        offsetCol: fit.offsetCol,
        offsetRow: fit.offsetRow,
        lines: null,
        imageId: null,
        transmit: null,
        place,
        byteLength: place.length,
      };
    },
    close: async () => worker?.close(),
  };
}

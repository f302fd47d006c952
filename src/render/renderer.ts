/**
 * The facade `show` and the TUI use: one encoder for the detected protocol, its encoded output
 * cached per image and box (so a repaint never re-encodes), and the painter for out-of-band bytes.
 */
import { LRUCache } from 'lru-cache';
import { createHalfBlockEncoder } from './encoders/half-block.js';
import { createIterm2Encoder } from './encoders/iterm2.js';
import { createKittyEncoder } from './encoders/kitty.js';
import { createSixelEncoder } from './encoders/sixel.js';
import { clampBox } from './geometry.js';
import { Painter } from './painter.js';
import type { CellBox, EncodeOptions, Encoder, ImageInput, RenderedImage, TerminalCaps } from './types.js';

export interface RendererOptions {
  /** Bytes of encoded output kept in memory. @default 64 MiB */
  cacheBytes?: number;
  /** Encode sixel in a worker thread (false for one-shot CLI use). @default true */
  worker?: boolean;
  /** kitty images kept in the terminal. @default 256 */
  maxTransmitted?: number;
  /** The caller's text redraw erases pictures that leave (see PainterOptions.textErases). @default false */
  textErases?: boolean;
}

export interface Renderer {
  readonly caps: TerminalCaps;
  readonly encoder: Encoder;
  readonly painter: Painter;
  /** Encodes a thumbnail for a box, or returns the cached encoding; concurrent calls are merged. */
  render(input: ImageInput, box: CellBox, options?: EncodeOptions): Promise<RenderedImage>;
  /** Stops the worker. */
  close(): Promise<void>;
}

export function createEncoder(caps: TerminalCaps, options: Pick<RendererOptions, 'worker'> = {}): Encoder {
  switch (caps.protocol) {
    case 'kitty':
      return createKittyEncoder({ cellPx: caps.cellPx, placeholders: caps.kittyPlaceholders });
    case 'sixel':
      return createSixelEncoder({
        cellPx: caps.cellPx,
        colors: caps.sixelColors,
        maxPx: caps.sixelMaxPx,
        worker: options.worker ?? true,
      });
    case 'iterm2':
      return createIterm2Encoder({ cellPx: caps.cellPx });
    case 'blocks':
      return createHalfBlockEncoder({ cellPx: caps.cellPx, truecolor: caps.truecolor });
  }
}

export function createRenderer(caps: TerminalCaps, options: RendererOptions = {}): Renderer {
  const encoder = createEncoder(caps, options);
  const painter = new Painter(caps, {
    ...(options.maxTransmitted !== undefined ? { maxTransmitted: options.maxTransmitted } : {}),
    textErases: options.textErases ?? false,
  });
  const done = new LRUCache<string, RenderedImage>({
    maxSize: options.cacheBytes ?? 64 * 1024 * 1024,
    sizeCalculation: (img) => Math.max(1, img.byteLength),
  });
  const inFlight = new Map<string, Promise<RenderedImage>>();
  return {
    caps,
    encoder,
    painter,
    render(input, rawBox, opts) {
      const box = clampBox(rawBox);
      const key = `${input.key}@${box.cols}x${box.rows}`;
      const hit = done.get(key);
      if (hit) return Promise.resolve(hit);
      const running = inFlight.get(key);
      if (running) return running;
      const job = encoder
        .encode(input, box, opts)
        .then((img) => {
          done.set(key, img);
          return img;
        })
        .finally(() => inFlight.delete(key));
      inFlight.set(key, job);
      return job;
    },
    async close() {
      await encoder.close?.();
    },
  };
}

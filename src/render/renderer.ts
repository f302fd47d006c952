/**
 * The facade `show` and the TUI use: one encoder for the detected protocol, its encoded output
 * cached per image and box (so a repaint never re-encodes), and the painter for out-of-band bytes.
 */
import { LRUCache } from 'lru-cache';
import { createHalfBlockEncoder } from './encoders/half-block.js';
import { createIterm2Encoder } from './encoders/iterm2.js';
import { createKittyEncoder } from './encoders/kitty.js';
import { createSixelEncoder } from './encoders/sixel.js';
import { paletteSize, paletteUnchanged, SIXEL_ENCODING } from './encoders/sixel-core.js';
import { SIXEL_WORKER_BYTES, sixelWorkerCount } from './encoders/sixel-workers.js';
import { EncodedDiskCache, STORABLE_PROTOCOLS } from './encoded-disk-cache.js';
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
  /** Encoded pictures kept between sessions (sixel, iTerm2; see encoded-disk-cache.ts). @default none */
  diskCache?: EncodedDiskCache;
}

export interface Renderer {
  readonly caps: TerminalCaps;
  readonly encoder: Encoder;
  readonly painter: Painter;
  /**
   * Bytes and entries of encoded output held, and the bound; and the sixel encoder's worker
   * threads, whose memory (about SIXEL_WORKER_BYTES each) is counted against the same bound.
   */
  stats(): { entries: number; bytes: number; maxBytes: number; workers: number; workerBytes: number };
  /** Changes the bound on encoded output (the preference changed); the most recent are kept. */
  setCacheBytes(bytes: number): void;
  /** Encodes a thumbnail for a box, or returns the cached encoding; concurrent calls are merged. */
  render(input: ImageInput, box: CellBox, options?: EncodeOptions): Promise<RenderedImage>;
  /** Stops the worker. */
  close(): Promise<void>;
}

/** Worker threads the encoder for these caps runs (sixel only; none when encoding in-thread). */
export function encoderWorkers(caps: TerminalCaps, options: Pick<RendererOptions, 'worker' | 'cacheBytes'> = {}): number {
  return caps.protocol === 'sixel' && (options.worker ?? true) ? sixelWorkerCount(options.cacheBytes) : 0;
}

export function createEncoder(caps: TerminalCaps, options: Pick<RendererOptions, 'worker' | 'cacheBytes'> = {}): Encoder {
  switch (caps.protocol) {
    case 'kitty':
      return createKittyEncoder({ cellPx: caps.cellPx, placeholders: caps.kittyPlaceholders });
    case 'sixel':
      return createSixelEncoder({
        cellPx: caps.cellPx,
        colors: caps.sixelColors,
        maxPx: caps.sixelMaxPx,
        worker: options.worker ?? true,
        // The workers' own memory is counted against the encoded-picture share.
        workers: Math.max(1, encoderWorkers(caps, options)),
      });
    case 'iterm2':
      return createIterm2Encoder({ cellPx: caps.cellPx });
    case 'blocks':
      return createHalfBlockEncoder({ cellPx: caps.cellPx, truecolor: caps.truecolor, ...(caps.colorDepth ? { depth: caps.colorDepth } : {}) });
  }
}

/**
 * Everything besides the pixels and the box that an encoder's output depends on, for the disk
 * cache's key. `v1` names the encoders' output format: bump it when an encoder's bytes change.
 */
export function encoderSettings(caps: TerminalCaps): string {
  // `centred`: pictures scaled to the limit kept the unscaled fit's cells before (drawn in the corner, their rect too big).
  const max = caps.sixelMaxPx ? `${caps.sixelMaxPx.width}x${caps.sixelMaxPx.height} centred` : 'none';
  const protocol = caps.protocol === 'sixel' ? `sixel ${SIXEL_ENCODING}` : caps.protocol;
  // Pictures kept for registers whose palette paletteSize() changed were made with too many colours.
  const colors = paletteUnchanged(caps.sixelColors) ? `${caps.sixelColors}` : `${caps.sixelColors} palette ${paletteSize(caps.sixelColors)}`;
  return `v1|${protocol}|cell ${caps.cellPx.width}x${caps.cellPx.height}|colors ${colors}|max ${max}`;
}

export function createRenderer(caps: TerminalCaps, options: RendererOptions = {}): Renderer {
  const encoder = createEncoder(caps, options);
  const workers = encoderWorkers(caps, options);
  // kitty placeholders carry the image id in their text cells: those are encoded each session.
  const storable = STORABLE_PROTOCOLS.includes(caps.protocol) && !(caps.protocol === 'kitty' && caps.kittyPlaceholders);
  const disk = options.diskCache && storable ? options.diskCache : null;
  const restoredIds = new RestoredKittyIds();
  const settings = encoderSettings(caps);
  const painter = new Painter(caps, {
    ...(options.maxTransmitted !== undefined ? { maxTransmitted: options.maxTransmitted } : {}),
    textErases: options.textErases ?? false,
  });
  const newLru = (maxSize: number) =>
    new LRUCache<string, RenderedImage>({ maxSize: Math.max(1, Math.floor(maxSize)), sizeCalculation: (img) => Math.max(1, img.byteLength) });
  let done = newLru(options.cacheBytes ?? 64 * 1024 * 1024);
  const inFlight = new Map<string, Promise<RenderedImage>>();
  // A stored picture is read instead of encoded; a new encoding is stored without waiting.
  async function fromDiskOrEncode(store: EncodedDiskCache, input: ImageInput, box: CellBox, key: string, opts?: EncodeOptions): Promise<RenderedImage> {
    const diskKey = EncodedDiskCache.keyOf(input.data, box, settings);
    const stored = await store.read(diskKey, key);
    const restored = stored && (stored.imageId === null ? stored : withImageId(stored, restoredIds.allocate()));
    if (restored) return restored;
    const img = await encoder.encode(input, box, opts);
    void store.write(diskKey, img);
    return img;
  }
  return {
    caps,
    encoder,
    painter,
    stats: () => ({ entries: done.size, bytes: done.calculatedSize, maxBytes: done.maxSize, workers, workerBytes: workers * SIXEL_WORKER_BYTES }),
    setCacheBytes(bytes) {
      const next = newLru(bytes);
      // Oldest first, so the most recently used end up most recent (and survive a smaller bound).
      for (const [k, v] of [...done.entries()].reverse()) next.set(k, v);
      done = next;
    },
    render(input, rawBox, opts) {
      const box = clampBox(rawBox);
      const key = `${input.key}@${box.cols}x${box.rows}`;
      const hit = done.get(key);
      if (hit) return Promise.resolve(hit);
      const running = inFlight.get(key);
      if (running) return running;
      const job = (disk ? fromDiskOrEncode(disk, input, box, key, opts) : encoder.encode(input, box, opts))
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

/**
 * Ids for kitty pictures read back from disk. The encoder hands out 1 … 0xFFFFFF (a 24-bit
 * colour, for placeholders); direct placements take any 32-bit id, so these come from above
 * that range and never meet one the encoder gives this session.
 */
class RestoredKittyIds {
  static readonly FIRST = 0x1000000;
  static readonly LAST = 0xffffffff;
  #next = RestoredKittyIds.FIRST + Math.floor(Math.random() * (RestoredKittyIds.LAST - RestoredKittyIds.FIRST));

  allocate(): number {
    const id = this.#next;
    this.#next = id >= RestoredKittyIds.LAST ? RestoredKittyIds.FIRST : id + 1;
    return id;
  }
}

/**
 * A stored kitty picture under a new id: the id is a key of the transmission's first command
 * (`ESC _G a=t,…,i=ID,…;payload`) and of the placement; base64 payloads hold no `,i=`.
 * undefined when the stored bytes do not name the id where they should.
 */
export function withImageId(img: RenderedImage, id: number): RenderedImage | undefined {
  const old = img.imageId;
  if (old === null || img.transmit === null) return undefined;
  const swap = (command: string): string | undefined => {
    const end = command.indexOf(';');
    const head = end < 0 ? command : command.slice(0, end);
    const moved = head.replace(`,i=${old},`, `,i=${id},`);
    return moved === head ? undefined : moved + (end < 0 ? '' : command.slice(end));
  };
  const transmit = swap(img.transmit);
  const place = img.place === null ? null : swap(img.place);
  if (transmit === undefined || place === undefined) return undefined;
  return { ...img, imageId: id, transmit, place, byteLength: transmit.length + (place?.length ?? 0) };
}

import { extensionOf, RAW_EXTENSIONS } from '../db/extensions.js';

/**
 * Decode memory in flight, bounded in bytes rather than by job count alone: eight AVIFs
 * at concurrency 8 reached 2.0 GB. Each job takes its estimated decode bytes before it
 * decodes and gives them back after; jobs wait in arrival order. A job larger than the
 * whole budget runs alone rather than never.
 */
export class ByteBudget {
  readonly limit: number;
  #inUse = 0;
  #waiting: { bytes: number; grant: () => void }[] = [];

  constructor(limitBytes: number) {
    this.limit = Math.max(1, Math.floor(limitBytes));
  }

  get inUse(): number {
    return this.#inUse;
  }

  /** Resolves with a release function once `bytes` (capped at the limit) fit. */
  async acquire(bytes: number): Promise<() => void> {
    const want = Math.min(this.limit, Math.max(0, Math.ceil(bytes)));
    if (this.#waiting.length === 0 && this.#inUse + want <= this.limit) {
      this.#inUse += want;
    } else {
      await new Promise<void>((grant) => this.#waiting.push({ bytes: want, grant }));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inUse -= want;
      this.#grant();
    };
  }

  #grant(): void {
    while (this.#waiting.length > 0 && this.#inUse + this.#waiting[0]!.bytes <= this.limit) {
      const next = this.#waiting.shift()!;
      this.#inUse += next.bytes;
      next.grant();
    }
  }
}

let sharpModule: Promise<typeof import('../util/sharp.js')> | undefined;
const loadSharp = async () => (await (sharpModule ??= import('../util/sharp.js'))).default;

/** What a raw's decode costs here: dcraw_emu's half-size 16-bit TIFF piped in, about twice the file. */
const RAW_BYTES_PER_FILE_BYTE = 2;
/** Bytes assumed when the header says nothing (a damaged file fails fast anyway). */
const UNKNOWN_BYTES = 32 * 1024 * 1024;

/**
 * Pixel memory a decode of this file needs, from its header (libvips reads only that):
 * width x height x channels x bytes per sample, divided by what JPEG shrink-on-load saves
 * for a thumbnail of `longEdge` pixels. Formats libvips cannot read (raws) are estimated
 * from the file size.
 */
export async function estimateDecodeBytes(file: string, fileSize: number, longEdge: number): Promise<number> {
  // A raw by its name is estimated from its size without asking libvips: the TIFF-based ones
  // (DNG, NEF, ARW…) it does read, but only IFD0, which is a thumbnail or the mosaic, not
  // what is decoded (an embedded preview or dcraw_emu's TIFF); and the header read was a
  // file open and parse per raw on the thread pool (40 DNGs: 10-30 ms of an import's CPU).
  if (RAW_EXTENSIONS.has(extensionOf(file))) return rawEstimate(fileSize);
  const sharp = await loadSharp();
  let meta;
  try {
    meta = await sharp(file, { limitInputPixels: false }).metadata();
  } catch {
    return rawEstimate(fileSize);
  }
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  if (w <= 0 || h <= 0) return UNKNOWN_BYTES;
  const channels = Math.max(3, meta.channels ?? 3) + 1; // RGBA at some point of the pipeline
  const sample = typeof meta.depth === 'string' && /16|short|ushort/.test(meta.depth) ? 2 : 1;
  let pixels = w * h;
  if (meta.format === 'jpeg') {
    // libjpeg decodes at 1/2, 1/4 or 1/8 when the thumbnail is that much smaller.
    const shrink = Math.min(8, 2 ** Math.floor(Math.log2(Math.max(1, Math.max(w, h) / longEdge))));
    pixels = Math.ceil(w / shrink) * Math.ceil(h / shrink);
  }
  // AVIF/HEIF decoders hold their own YUV planes and reference frames beside libvips's
  // image: counted at 3x the RGBA size (8 x 24 MP AVIFs at concurrency 8 peaked 1.76 GB RSS
  // unbounded, 1.31 GB under 256 MiB counted at 1x, 1.09 GB at 3x, one at a time).
  const decoder = meta.format === 'heif' ? HEIF_DECODER_FACTOR : 1;
  return pixels * channels * sample * decoder;
}

const HEIF_DECODER_FACTOR = 3;

function rawEstimate(fileSize: number): number {
  return fileSize > 0 ? Math.max(fileSize * RAW_BYTES_PER_FILE_BYTE, 1) : UNKNOWN_BYTES;
}

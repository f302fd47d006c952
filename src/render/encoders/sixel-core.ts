import sharp from '../../util/sharp.js';
import { SIXEL_BANDS_SOURCE } from './sixel-bands.js';

/**
 * Sixel encoding in two halves. Quantising runs in libvips (libimagequant, through sharp's
 * palette PNG) on its own threads; only the band encoding (sixel-bands.ts) runs in JavaScript.
 *
 * Why not the package's `image2sixel`: its quantiser runs in JavaScript (blocking a thread for
 * the whole encode) and its dithering "does not yet respect image width/height" (its own
 * FIXME). Measured on a 216x180 thumbnail of nikon-d70.jpg: 20.9 ms and mean error 1.87 for
 * image2sixel against 14.8 ms and 1.36 this way, most of it in libvips threads.
 */

/** RGBA pixels whose every colour is one of at most `colors` palette entries. */
export interface QuantizedImage {
  rgba: Uint8Array;
  width: number;
  height: number;
}

/**
 * How many colours a picture for a terminal with `registers` colour registers may have: the
 * largest of 2, 4, 16 and 256 within them. sharp makes `colours` a PNG bit depth (1, 2, 4 or 8
 * bits), rounding up: 64 registers got 256 colours and 8 got 16, and a terminal with fewer
 * registers than the picture has colours reuses registers while it paints (wrong colours). GIF
 * (any bit depth) does not help: libvips 8.18 gave 255 colours for 64 and 128 there. Terminals
 * report 256 or more, or 16 (a VT340); the sizes between get 16 colours, never wrong ones.
 */
export function paletteSize(registers: number): number {
  const n = Math.floor(registers) || 0;
  return n >= 256 ? 256 : n >= 16 ? 16 : n >= 4 ? 4 : 2;
}

/** Whether the palette for `registers` is the one the encoder made before paletteSize (the disk cache keeps those). */
export function paletteUnchanged(registers: number): boolean {
  return registers >= 256 || registers === 2 || registers === 4 || registers === 16;
}

export async function quantizeForSixel(
  rgba: Buffer,
  width: number,
  height: number,
  colors: number,
): Promise<QuantizedImage> {
  const palette = await sharp(rgba, { raw: { width, height, channels: 4 } })
    // Sixel has no alpha: flatten onto black as the terminal's background select (P2=1) does.
    .flatten({ background: '#000000' })
    .png({ palette: true, colours: paletteSize(colors), dither: 1, effort: 1, compressionLevel: 0 })
    .toBuffer();
  const { data, info } = await sharp(palette).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  // A private, aligned copy: transferable to a worker, never a pooled Buffer view (which the
  // sixel package would scramble).
  const copy = new Uint8Array(data.length);
  copy.set(data);
  return { rgba: copy, width: info.width, height: info.height };
}

/**
 * The band encoder as CommonJS source (sixel-bands.ts), for the worker (which runs the same way
 * from dist/, under tsx and under vitest) and, through `encodeQuantized`, for the calling thread.
 * Palette = the distinct colours present; every pixel then hits the palette exactly.
 */
export const ENCODE_SOURCE = SIXEL_BANDS_SOURCE;

/**
 * Names the band encoder's output in the encoded-picture disk cache's key (renderer.ts): a
 * picture kept by an older encoder is not the bytes this one writes.
 */
export const SIXEL_ENCODING = 'bands2';

const local = new Function(`${ENCODE_SOURCE}\nreturn encodeQuantized;`)() as (
  rgba: Uint8Array,
  width: number,
  height: number,
) => string;

/** The DCS string of a quantised image, on the calling thread. */
export function encodeQuantized(image: QuantizedImage): string {
  return local(image.rgba, image.width, image.height);
}

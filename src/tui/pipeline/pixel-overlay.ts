import sharp from '../../util/sharp.js';
import { markClipping } from '../../analysis/clipping.js';

/**
 * Overlays baked into a slot's pixels before they are encoded for the terminal, so they show
 * in every protocol. Part of the slot's pixel key (thumb-pipeline.ts pixelKey): turning one on
 * encodes again, turning it off finds the plain picture in the renderer's cache.
 */
export type PixelOverlay = 'clipping';

/**
 * The thumbnail with the overlay painted in, as a PNG (lossless, so the marking colours reach
 * the encoder exactly). Decoding and encoding run in libvips' threads, the marking is one pass.
 */
export async function applyOverlay(overlay: PixelOverlay, thumbnail: Buffer): Promise<Buffer> {
  const { data, info } = await sharp(thumbnail, { failOn: 'none' }).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (overlay === 'clipping') markClipping(data, info.channels);
  // Level 1: a 2048-pixel preview compresses in tens of milliseconds; the encoder decodes it at once.
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }).png({ compressionLevel: 1 }).toBuffer();
}

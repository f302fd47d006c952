import { image2sixel } from 'sixel';

export interface SixelJob {
  id: number;
  /** RGBA pixels, transferred (not copied) to the worker. */
  rgba: ArrayBuffer;
  width: number;
  height: number;
  colors: number;
}

export type SixelReply = { id: number; sixel: string } | { id: number; error: string };

/**
 * The DCS string for RGBA pixels. `rgba` must be a plain Uint8Array, never a Node Buffer:
 * the sixel package slices its input and Buffer#slice is a view, so a Buffer gets scrambled.
 */
export function encodeSixel(rgba: Uint8Array, width: number, height: number, colors: number): string {
  const plain = Buffer.isBuffer(rgba) ? new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.length) : rgba;
  return image2sixel(plain, width, height, Math.max(2, Math.min(4096, Math.floor(colors))), 1);
}

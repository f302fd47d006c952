import { crc32, deflateSync } from 'node:zlib';

/**
 * Inserts an iCCP chunk (the ICC profile) into a PNG that has none, right after IHDR.
 * Hand-written because sharp cannot assign an input profile to raw pixels: this is how
 * pixels decoded outside libvips (HEIC through libheif) get their profile back, so sharp's
 * usual conversion to the display profile applies to them too.
 */
export function withIccChunk(png: Buffer, icc: Buffer, name = 'ICC'): Buffer {
  const IHDR_END = 8 + 25; // signature + IHDR (length, type, 13 data bytes, CRC)
  if (png.length < IHDR_END || png.toString('latin1', 12, 16) !== 'IHDR') throw new Error('not a PNG with IHDR first');
  const data = Buffer.concat([Buffer.from(name, 'latin1'), Buffer.from([0, 0]), deflateSync(icc)]);
  const typeAndData = Buffer.concat([Buffer.from('iCCP', 'latin1'), data]);
  const chunk = Buffer.alloc(4 + typeAndData.length + 4);
  chunk.writeUInt32BE(data.length, 0);
  typeAndData.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(typeAndData) >>> 0, 4 + typeAndData.length);
  return Buffer.concat([png.subarray(0, IHDR_END), chunk, png.subarray(IHDR_END)]);
}

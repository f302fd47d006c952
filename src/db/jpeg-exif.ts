import type { FileReader } from '../cache/sources/file-reader.js';
import { DECODABLE_SOF, readJpegHeader } from '../cache/sources/jpeg-header.js';

/** What import needs of a JPEG's header: its stored pixel size and its EXIF (a TIFF stream), if any. */
export interface JpegFacts {
  width: number;
  height: number;
  /** The first APP1 "Exif\0\0" segment's payload (a copy, sized to it), or null when there is none. */
  exif: Buffer | null;
}

const MAX_MARKERS = 256;
const EXIF_ID = 'Exif\u0000\u0000';

/**
 * The first APP1 EXIF segment before the scan. Hand-written beside readJpegHeader (which
 * finds the size): the same bounded marker walk over untrusted lengths, usually inside the
 * reader's head, so no read goes to the file. Returns null for anything malformed.
 */
async function exifSegment(reader: FileReader): Promise<Buffer | null> {
  let pos = 2;
  for (let i = 0; i < MAX_MARKERS; i++) {
    const head = await reader.read(pos, 4);
    if (head.length < 4 || head[0] !== 0xff) return null;
    const marker = head[1] ?? 0;
    if (marker === 0xff) {
      pos += 1;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      pos += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null;
    const len = head.readUInt16BE(2);
    if (len < 2) return null;
    if (marker === 0xe1 && len >= 2 + EXIF_ID.length) {
      const body = await reader.read(pos + 4, len - 2);
      if (body.length < len - 2) return null;
      if (body.toString('latin1', 0, EXIF_ID.length) === EXIF_ID) {
        // Its own memory (not a view of the reader's 64 KiB head, nor of Buffer's shared
        // pool): the worker is sent a copy of the whole memory behind it.
        const tiff = Buffer.allocUnsafeSlow(body.length - EXIF_ID.length);
        body.copy(tiff, 0, EXIF_ID.length);
        return tiff;
      }
    }
    pos += 2 + len;
    if (pos > reader.size) return null;
  }
  return null;
}

/**
 * The size libvips would report (the SOF's) and the EXIF libvips would hand over, or null
 * when the header is not one libjpeg decodes (then sharp is asked, as for other formats).
 */
export async function readJpegFacts(reader: FileReader): Promise<JpegFacts | null> {
  const header = await readJpegHeader(reader, 0);
  if (!header || !DECODABLE_SOF.has(header.sof)) return null;
  return { width: header.width, height: header.height, exif: await exifSegment(reader) };
}

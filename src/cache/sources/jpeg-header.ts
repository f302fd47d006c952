import type { FileReader } from './file-reader.js';

export interface JpegHeader {
  width: number;
  height: number;
  /** SOF marker byte: 0xc0 baseline, 0xc1 extended, 0xc2 progressive, 0xc3 lossless, … */
  sof: number;
  /** Offset of the first byte after the SOS segment header: where entropy-coded data starts. */
  scanStart: number;
}

/** SOF processes libjpeg-turbo (and so sharp) decodes; lossless (0xc3) raw data is not one of them. */
export const DECODABLE_SOF = new Set([0xc0, 0xc1, 0xc2]);

const MAX_MARKERS = 256;

/**
 * Walks a JPEG's marker segments from SOI to SOS to learn its pixel size without decoding
 * it. Hand-written because it runs on untrusted offsets inside raw files, a few small reads
 * per candidate; returns null for anything that is not a well-formed JPEG header.
 */
export async function readJpegHeader(reader: FileReader, start: number): Promise<JpegHeader | null> {
  try {
    const soi = await reader.read(start, 2);
    if (soi.length < 2 || soi[0] !== 0xff || soi[1] !== 0xd8) return null;
    let pos = start + 2;
    let size: { width: number; height: number; sof: number } | null = null;
    for (let i = 0; i < MAX_MARKERS; i++) {
      const head = await reader.read(pos, 4);
      if (head.length < 4 || head[0] !== 0xff) return null;
      let marker = head[1] ?? 0;
      if (marker === 0xff) {
        pos += 1; // fill byte
        continue;
      }
      if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        pos += 2;
        continue;
      }
      if (marker === 0xd9) return null; // EOI before any scan
      const len = head.readUInt16BE(2);
      if (len < 2) return null;
      const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (isSof) {
        const sof = await reader.read(pos + 4, 5);
        if (sof.length < 5) return null;
        const height = sof.readUInt16BE(1);
        const width = sof.readUInt16BE(3);
        if (width === 0 || height === 0) return null;
        size = { width, height, sof: marker };
      }
      marker = head[1] ?? 0;
      if (marker === 0xda) {
        if (!size) return null;
        const scanStart = pos + 2 + len;
        if (scanStart > reader.size) return null;
        return { ...size, scanStart };
      }
      pos += 2 + len;
      if (pos > reader.size) return null;
    }
    return null;
  } catch {
    return null;
  }
}

const SCAN_CHUNK = 1 << 20;

/**
 * End (exclusive) of the JPEG whose entropy-coded data starts at scanStart: the first EOI
 * marker. In entropy-coded data 0xff is always followed by 0x00 (stuffing) or a marker, so
 * the first 0xffd9 there is the real end (embedded thumbnails sit in APP segments before SOS).
 * Returns the file's end when no EOI is found: libjpeg tolerates a missing EOI.
 */
export async function findJpegEnd(reader: FileReader, scanStart: number, limit = reader.size): Promise<number> {
  let pos = scanStart;
  while (pos < limit) {
    const chunk = await reader.read(pos, Math.min(SCAN_CHUNK, limit - pos) + 1);
    if (chunk.length < 2) break;
    let at = chunk.indexOf(0xff);
    while (at !== -1 && at < chunk.length - 1) {
      if (chunk[at + 1] === 0xd9) return pos + at + 2;
      at = chunk.indexOf(0xff, at + 1);
    }
    pos += chunk.length - 1;
  }
  return limit;
}

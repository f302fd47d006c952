import { crc32 } from 'node:zlib';
import type { CachedThumb } from './entry.js';
import type { Level } from './types.js';

/*
 * A disk thumbnail's own record of what it was made from: its freshness facts (source file
 * size and mtime, user rotation, source, size) in a JPEG COM segment written right after SOI,
 * with the length and CRC-32 of the bytes after it. Why a COM segment rather than a sidecar
 * index: the facts and the pixels then land in ONE rename, so two processes (the TUI and
 * generate-cache) writing the same thumbnail, or a writer killed half-way, can never leave an
 * index that disagrees with the file, and no index needs locking. Any JPEG decoder ignores
 * COM segments, so the files stay plain JPEGs for other tools.
 */

const COM_TAG = 'termtable-mip1 ';

export interface ComFacts {
  s: number; // source file size
  m: number; // source mtime ms
  r: number; // user rotation
  src: 'embedded' | 'processed';
  p: boolean; // processedAsked
  c: number; // colour key
  w: number;
  h: number;
  /** Bytes after our COM segment, and their CRC-32 (absent in files written before they were added). */
  n?: number;
  k?: number;
}

/**
 * JPEG bytes with our COM segment right after SOI. The segment records the length and
 * CRC-32 of everything after it: every thumbnail is sharp's own encoding, so bytes that
 * match what was written decode, and a reader can trust the file without decoding it.
 */
export function encodeDiskFile(entry: CachedThumb): Buffer {
  const jpeg = stripOurCom(entry.jpeg);
  const rest = jpeg.subarray(2);
  const facts: ComFacts = {
    s: entry.fileSize,
    m: entry.mtime,
    r: entry.rotation,
    src: entry.source,
    p: entry.processedAsked,
    c: entry.colorKey,
    w: entry.width,
    h: entry.height,
    n: rest.length,
    k: crc32(rest),
  };
  const payload = Buffer.from(COM_TAG + JSON.stringify(facts), 'latin1');
  const seg = Buffer.alloc(4);
  seg[0] = 0xff;
  seg[1] = 0xfe;
  seg.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), seg, payload, rest]);
}

/**
 * Whether the bytes after our COM segment are the ones written (length and CRC-32), or
 * undefined for a file that does not record them. Catches a file cut short with an end
 * marker put back, and garbage between an intact header and end marker, without a decode.
 */
export function intactByChecksum(bytes: Buffer): boolean | undefined {
  const facts = parseCom(bytes);
  return facts && checksumMatches(bytes, facts);
}

export function checksumMatches(bytes: Buffer, facts: ComFacts): boolean | undefined {
  if (facts.n === undefined || facts.k === undefined) return undefined;
  const rest = bytes.subarray(4 + bytes.readUInt16BE(4));
  return rest.length === facts.n && crc32(rest) === facts.k;
}

export function decodeDiskFile(bytes: Buffer, id: number, level: Level): CachedThumb | undefined {
  const facts = parseCom(bytes);
  return facts && entryOf(bytes, facts, id, level);
}

export function entryOf(bytes: Buffer, facts: ComFacts, id: number, level: Level): CachedThumb | undefined {
  // A complete JPEG ends with EOI; anything else was cut short (power loss, foreign file).
  if (bytes.length < 4 || bytes[bytes.length - 2] !== 0xff || bytes[bytes.length - 1] !== 0xd9) {
    return undefined;
  }
  return {
    id,
    level,
    jpeg: bytes,
    width: facts.w,
    height: facts.h,
    source: facts.src,
    rotation: facts.r,
    processedAsked: facts.p,
    colorKey: facts.c,
    fileSize: facts.s,
    mtime: facts.m,
  };
}

export function parseCom(bytes: Buffer): ComFacts | undefined {
  if (bytes.length < 6 || bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes[2] !== 0xff || bytes[3] !== 0xfe) return undefined;
  const len = bytes.readUInt16BE(4);
  if (len < 2 || 4 + len > bytes.length) return undefined;
  const text = bytes.subarray(6, 4 + len).toString('latin1');
  if (!text.startsWith(COM_TAG)) return undefined;
  try {
    const raw = JSON.parse(text.slice(COM_TAG.length)) as Partial<ComFacts>;
    if (
      typeof raw.s !== 'number' ||
      typeof raw.m !== 'number' ||
      typeof raw.r !== 'number' ||
      (raw.src !== 'embedded' && raw.src !== 'processed') ||
      typeof raw.w !== 'number' ||
      typeof raw.h !== 'number' ||
      typeof raw.c !== 'number'
    ) {
      return undefined;
    }
    const sum = typeof raw.n === 'number' && typeof raw.k === 'number' ? { n: raw.n, k: raw.k } : {};
    return { s: raw.s, m: raw.m, r: raw.r, src: raw.src, p: raw.p === true, c: raw.c, w: raw.w, h: raw.h, ...sum };
  } catch {
    return undefined;
  }
}

/** A JPEG read back from disk already has our segment: do not stack a second one. */
function stripOurCom(jpeg: Buffer): Buffer {
  if (!parseCom(jpeg)) return jpeg;
  const len = jpeg.readUInt16BE(4);
  return Buffer.concat([jpeg.subarray(0, 2), jpeg.subarray(4 + len)]);
}

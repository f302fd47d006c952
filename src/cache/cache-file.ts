import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { crc32 } from './crc32.js';
import { ChunkReader } from './chunk-reader.js';
import type { CachedThumb } from './entry.js';
import type { Level } from './types.js';

/*
 * The memory cache saved at exit: one binary file, so the first screen after a restart
 * needs no decoding.
 *
 *   header  "TTMIPMAP" (8 bytes) · format version u32 LE · CRC-32 of the rest of the header u32 ·
 *           hits f64 · misses f64 · evictions f64 · bound in bytes f64 · saved at (ms) f64
 *           (the statistics of the session that wrote it, for `termtable cache stats`)
 *   frame*  body length u32 LE · CRC-32 of body u32 LE · body
 *   body    id u32 · level u8 · source u8 (0 embedded, 1 processed) · rotation u8 ·
 *           flags u8 (bit 0 processedAsked) · width u16 · height u16 ·
 *           file size f64 · mtime f64 · colour key u32 · JPEG bytes (the rest)
 *   trailer a frame with body length 0 and CRC 0xFFFFFFFF: the writer finished
 *
 * Entries go most recently used first, so a reader bounded in bytes can stop as soon as its
 * bound is full and still hold the entries most worth keeping: a 500 MB file loaded under a
 * 64 MB preference reads about 64 MB. (Version 2 files went oldest first; read as newest
 * first they would keep the stalest thumbnails, hence the new version.) A frame whose CRC does not match ends the read: everything before it is kept,
 * the rest is dropped with a warning (each frame stands alone, so a flipped byte or a cut
 * costs only what follows it).
 */

export const CACHE_FILE_MAGIC = Buffer.from('TTMIPMAP', 'latin1');
export const CACHE_FILE_VERSION = 3;
const HEADER_BYTES = 56;
const FRAME_BYTES = 8;
const FIXED_BODY_BYTES = 32;
const TRAILER_CRC = 0xffffffff;
/** Read size while loading: large sequential reads, then each JPEG is copied out. */
const CHUNK_BYTES = 8 << 20;
/** A sanity bound on one frame: a mip4 JPEG is a few MB at most. */
const MAX_BODY_BYTES = 64 << 20;

/** The writing session's statistics, kept in the header. */
export interface CacheFileMeta {
  hits: number;
  misses: number;
  evictions: number;
  maxBytes: number;
  savedAt: number;
}

export interface CacheFileLoad {
  /** Most recently used first, as written. */
  entries: CachedThumb[];
  /** Present when the header was valid. */
  meta?: CacheFileMeta;
  /** Set when the file existed but could not be used whole. */
  warning?: string;
}

export interface CacheFileReadOptions {
  /**
   * Stop reading before the entry that would take the entries' total past this many bytes
   * (as counted by `sizeOf`); the rest of the file is not read at all.
   * @default Infinity
   */
  maxBytes?: number;
  /** What one entry costs against `maxBytes`. @default its JPEG's length */
  sizeOf?: (entry: CachedThumb) => number;
}

const NO_META: CacheFileMeta = { hits: 0, misses: 0, evictions: 0, maxBytes: 0, savedAt: 0 };

function header(meta: CacheFileMeta): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  CACHE_FILE_MAGIC.copy(h, 0);
  h.writeUInt32LE(CACHE_FILE_VERSION, 8);
  h.writeDoubleLE(meta.hits, 16);
  h.writeDoubleLE(meta.misses, 24);
  h.writeDoubleLE(meta.evictions, 32);
  h.writeDoubleLE(meta.maxBytes, 40);
  h.writeDoubleLE(meta.savedAt, 48);
  h.writeUInt32LE(crc32(h.subarray(16)), 12);
  return h;
}

function frameParts(entry: CachedThumb): [Buffer, Buffer] {
  const fixed = Buffer.alloc(FIXED_BODY_BYTES);
  fixed.writeUInt32LE(entry.id, 0);
  fixed.writeUInt8(entry.level, 4);
  fixed.writeUInt8(entry.source === 'processed' ? 1 : 0, 5);
  fixed.writeUInt8(entry.rotation & 3, 6);
  fixed.writeUInt8(entry.processedAsked ? 1 : 0, 7);
  fixed.writeUInt16LE(entry.width, 8);
  fixed.writeUInt16LE(entry.height, 10);
  fixed.writeDoubleLE(entry.fileSize, 12);
  fixed.writeDoubleLE(entry.mtime, 20);
  fixed.writeUInt32LE(entry.colorKey >>> 0, 28);
  const frame = Buffer.alloc(FRAME_BYTES + FIXED_BODY_BYTES);
  frame.writeUInt32LE(FIXED_BODY_BYTES + entry.jpeg.length, 0);
  frame.writeUInt32LE(crc32(entry.jpeg, crc32(fixed)), 4);
  fixed.copy(frame, FRAME_BYTES);
  return [frame, entry.jpeg];
}

function trailer(): Buffer {
  const t = Buffer.alloc(FRAME_BYTES);
  t.writeUInt32LE(TRAILER_CRC, 4);
  return t;
}

function tempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Writes the file atomically (temp + fsync + rename), streaming entry by entry.
 * Hand-written rather than util/atomic-write: that takes the whole content as one buffer,
 * which for a 512 MB cache would double the memory at exit.
 */
export async function writeCacheFile(
  file: string,
  entries: Iterable<CachedThumb>,
  meta: CacheFileMeta = NO_META,
): Promise<number> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = tempName(file);
  const fh = await open(tmp, 'w', 0o600);
  let count = 0;
  try {
    let batch: Buffer[] = [header(meta)];
    let batchBytes = HEADER_BYTES;
    for (const entry of entries) {
      const parts = frameParts(entry);
      batch.push(...parts);
      batchBytes += parts[0].length + parts[1].length;
      count++;
      if (batchBytes >= CHUNK_BYTES) {
        await fh.writev(batch);
        batch = [];
        batchBytes = 0;
      }
    }
    batch.push(trailer());
    await fh.writev(batch);
    await fh.sync();
    await fh.close();
    await rename(tmp, file);
    return count;
  } catch (err) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/** Synchronous twin for exit handlers, where no promise gets to settle. */
export function writeCacheFileSync(file: string, entries: Iterable<CachedThumb>, meta: CacheFileMeta = NO_META): number {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = tempName(file);
  const fd = openSync(tmp, 'w', 0o600);
  let count = 0;
  try {
    writeSync(fd, header(meta));
    for (const entry of entries) {
      for (const part of frameParts(entry)) writeSync(fd, part);
      count++;
    }
    writeSync(fd, trailer());
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, file);
    return count;
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    try {
      unlinkSync(tmp);
    } catch {
      // nothing to clean
    }
    throw err;
  }
}

/**
 * Reads the cache file, frame by frame, up to `maxBytes` of entries. Never throws: a missing
 * file gives nothing silently; anything else that is wrong (a directory, empty, foreign magic
 * or version, cut short, a bad CRC) gives what could be trusted plus a warning.
 */
export async function readCacheFile(file: string, opts: CacheFileReadOptions = {}): Promise<CacheFileLoad> {
  const maxBytes = opts.maxBytes ?? Infinity;
  const sizeOf = opts.sizeOf ?? ((e: CachedThumb) => e.jpeg.length);
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { entries: [] };
    return { entries: [], warning: `cache file ${file} unreadable (${(err as Error).message}); starting empty` };
  }
  const entries: CachedThumb[] = [];
  let bytes = 0;
  let reader: ChunkReader | undefined;
  try {
    // A frame longer than what is left is a cut, found before a buffer is made for it.
    const fileSize = (await fh.stat()).size;
    let at = HEADER_BYTES;
    reader = new ChunkReader(fh, CHUNK_BYTES);
    // Magic and version first, so a foreign or future file is named as such even if short.
    const ident = await reader.take(12);
    if (!ident) return { entries, warning: `cache file ${file} is empty or cut short; starting empty` };
    if (!ident.subarray(0, 8).equals(CACHE_FILE_MAGIC)) {
      return { entries, warning: `cache file ${file} is not a termtable cache file; ignored` };
    }
    const version = ident.readUInt32LE(8);
    if (version !== CACHE_FILE_VERSION) {
      return { entries, warning: `cache file ${file} has format version ${version}, expected ${CACHE_FILE_VERSION}; ignored` };
    }
    const rest = await reader.take(HEADER_BYTES - 12);
    if (!rest) return { entries, warning: `cache file ${file} is cut short in its header; starting empty` };
    const head = Buffer.concat([ident, rest]);
    if (crc32(head.subarray(16)) !== head.readUInt32LE(12)) {
      return { entries, warning: `cache file ${file} is corrupt (header checksum mismatch); ignored` };
    }
    const meta: CacheFileMeta = {
      hits: head.readDoubleLE(16),
      misses: head.readDoubleLE(24),
      evictions: head.readDoubleLE(32),
      maxBytes: head.readDoubleLE(40),
      savedAt: head.readDoubleLE(48),
    };
    for (;;) {
      // Without an await while the chunk holds the frame: a promise per frame was garbage too.
      const frame = reader.has(FRAME_BYTES) ? reader.takeNow(FRAME_BYTES) : await reader.take(FRAME_BYTES);
      if (!frame) return { entries, meta, warning: `cache file ${file} is cut short; kept ${entries.length} thumbnails before the cut` };
      const length = frame.readUInt32LE(0);
      const crc = frame.readUInt32LE(4);
      if (length === 0 && crc === TRAILER_CRC) return { entries, meta };
      if (length < FIXED_BODY_BYTES || length > MAX_BODY_BYTES) {
        return { entries, meta, warning: `cache file ${file} is corrupt (bad frame length); kept ${entries.length} thumbnails before it` };
      }
      at += FRAME_BYTES + length;
      const body = at > fileSize ? undefined : reader.has(length) ? reader.takeNow(length) : await reader.take(length);
      if (!body) return { entries, meta, warning: `cache file ${file} is cut short; kept ${entries.length} thumbnails before the cut` };
      if (crc32(body) !== crc) {
        return { entries, meta, warning: `cache file ${file} is corrupt (checksum mismatch); kept ${entries.length} thumbnails before it` };
      }
      const entry = parseBody(body);
      if (!entry) return { entries, meta, warning: `cache file ${file} is corrupt (bad entry); kept ${entries.length} thumbnails before it` };
      const size = sizeOf(entry);
      // Full: what follows was used less recently than everything kept, so it is not read.
      if (bytes + size > maxBytes) return { entries, meta };
      bytes += size;
      entries.push(entry);
    }
  } catch (err) {
    return { entries, warning: `cache file ${file} unreadable (${(err as Error).message}); kept ${entries.length} thumbnails` };
  } finally {
    await reader?.settle();
    await fh.close().catch(() => undefined);
  }
}

function parseBody(body: Buffer): CachedThumb | undefined {
  const level = body.readUInt8(4);
  const sourceCode = body.readUInt8(5);
  if (level > 4 || sourceCode > 1) return undefined;
  return {
    id: body.readUInt32LE(0),
    level: level as Level,
    source: sourceCode === 1 ? 'processed' : 'embedded',
    rotation: body.readUInt8(6) & 3,
    processedAsked: (body.readUInt8(7) & 1) === 1,
    width: body.readUInt16LE(8),
    height: body.readUInt16LE(10),
    fileSize: body.readDoubleLE(12),
    mtime: body.readDoubleLE(20),
    colorKey: body.readUInt32LE(28),
    // Copied out so the big read chunk can be freed; the LRU then owns exactly its bytes.
    jpeg: Buffer.from(body.subarray(FIXED_BODY_BYTES)),
  };
}

/** Writes the cache file at exit; a failure is a warning for the user, never a crash at exit. */
export async function saveCacheFile(file: string, entries: Iterable<CachedThumb>, meta: CacheFileMeta): Promise<{ warning?: string }> {
  try {
    await writeCacheFile(file, entries, meta);
    return {};
  } catch (err) {
    return { warning: `cannot save cache file ${file}: ${(err as Error).message}` };
  }
}

/** saveCacheFile for exit handlers, which cannot wait. */
export function saveCacheFileSync(file: string, entries: Iterable<CachedThumb>, meta: CacheFileMeta): { warning?: string } {
  try {
    writeCacheFileSync(file, entries, meta);
    return {};
  } catch (err) {
    return { warning: `cannot save cache file ${file}: ${(err as Error).message}` };
  }
}

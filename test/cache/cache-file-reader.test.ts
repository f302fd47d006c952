import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readCacheFile, writeCacheFile } from '../../src/cache/cache-file.js';
import { ChunkReader } from '../../src/cache/chunk-reader.js';
import type { CachedThumb } from '../../src/cache/entry.js';
import { tempEnv, type TempEnv } from './helpers.js';

let t: TempEnv;
beforeEach(() => {
  t = tempEnv();
});
afterEach(() => t.cleanup());

/** A real file handle whose reads are counted (bytes asked for and reads started). */
function counted(fh: FileHandle): { fh: FileHandle; reads: () => number; bytes: () => number } {
  let reads = 0;
  let bytes = 0;
  const read = ((buf: Buffer, off: number, len: number, pos: null) => {
    reads++;
    bytes += len;
    return fh.read(buf, off, len, pos);
  }) as FileHandle['read'];
  return { fh: Object.assign(Object.create(fh) as FileHandle, { read }), reads: () => reads, bytes: () => bytes };
}

describe('ChunkReader (the cache file reader)', () => {
  it('hands out the file exactly, in slices within, across and longer than its chunks', async () => {
    const data = randomBytes(10_007);
    const file = path.join(t.root, 'data.bin');
    writeFileSync(file, data);
    const fh = await open(file, 'r');
    try {
      // 64-byte chunks: 1-byte, chunk-sized, 3-chunk and odd slices all fall across chunk ends.
      const reader = new ChunkReader(fh, 64);
      const sizes = [1, 8, 64, 63, 200, 7, 129, 1000, 3];
      let pos = 0;
      for (let i = 0; pos < data.length; i++) {
        const n = Math.min(sizes[i % sizes.length]!, data.length - pos);
        const got = reader.has(n) ? reader.takeNow(n) : await reader.take(n);
        expect(got && Buffer.from(got).equals(data.subarray(pos, pos + n)), `slice at ${pos} of ${n}`).toBe(true);
        pos += n;
      }
      expect(await reader.take(1)).toBeUndefined();
      await reader.settle();
    } finally {
      await fh.close();
    }
  });

  it('past the end: undefined for a slice the file cannot fill, after the bytes it has', async () => {
    const file = path.join(t.root, 'short.bin');
    writeFileSync(file, Buffer.from('0123456789'));
    const fh = await open(file, 'r');
    try {
      const reader = new ChunkReader(fh, 4);
      expect((await reader.take(6))?.toString()).toBe('012345');
      expect(await reader.take(5)).toBeUndefined();
    } finally {
      await fh.close();
    }
  });

  it('reads at most one chunk ahead of what was taken', async () => {
    const file = path.join(t.root, 'big.bin');
    writeFileSync(file, randomBytes(100 * 1024));
    const fh = await open(file, 'r');
    try {
      const c = counted(fh);
      const reader = new ChunkReader(c.fh, 4096);
      await reader.take(10);
      // The chunk holding the slice, and the next one read ahead: nothing more.
      expect(c.reads()).toBe(2);
      for (let i = 0; i < 5; i++) await reader.take(4096);
      await reader.settle();
      expect(c.bytes()).toBeLessThanOrEqual(10 + 5 * 4096 + 2 * 4096);
    } finally {
      await fh.close();
    }
  });

  it('a read that fails is thrown to the taker, and a failed read ahead is no unhandled rejection', async () => {
    const dir = path.join(t.root, 'a-dir');
    mkdirSync(dir);
    const fh = await open(dir, 'r');
    try {
      const reader = new ChunkReader(fh, 4096);
      await expect(reader.take(8)).rejects.toThrow(/EISDIR/);
      await reader.settle();
    } finally {
      await fh.close();
    }
    const file = path.join(t.root, 'then-fails.bin');
    writeFileSync(file, randomBytes(8192));
    const real = await open(file, 'r');
    try {
      let n = 0;
      const read = ((buf: Buffer, off: number, len: number, pos: null) =>
        ++n === 1 ? real.read(buf, off, len, pos) : Promise.reject(new Error('EIO: the disk went away'))) as FileHandle['read'];
      const reader = new ChunkReader(Object.assign(Object.create(real) as FileHandle, { read }), 4096);
      // The first chunk is handed out while the read ahead fails; the failure comes with the next.
      expect((await reader.take(4000))?.length).toBe(4000);
      await new Promise((r) => setTimeout(r, 10));
      await expect(reader.take(200)).rejects.toThrow(/EIO/);
    } finally {
      await real.close();
    }
  });
});

describe('a cache file of several 8 MB chunks, damaged where the read ahead is', () => {
  const MiB = 1024 * 1024;
  const entries: CachedThumb[] = Array.from({ length: 20 }, (_, i) => ({
    id: i + 1,
    level: 4,
    jpeg: randomBytes(1_300_021 + i * 7919),
    width: 2048,
    height: 1365,
    source: 'processed',
    rotation: 0,
    processedAsked: false,
    colorKey: 3,
    fileSize: 99,
    mtime: 1_700_000_000_000,
  }));
  /** Where frame i starts, and where the file's frames end. */
  const starts: number[] = [];
  let end = 56;
  for (const e of entries) {
    starts.push(end);
    end += 8 + 32 + e.jpeg.length;
  }
  /** The frame that holds byte `at`. */
  const frameAt = (at: number) => starts.findLastIndex((s) => s <= at);

  it('cut short just past a chunk end: the frames wholly before the cut, a warning', async () => {
    await writeCacheFile(t.cacheFile, entries);
    const cut = 8 * MiB + 10;
    truncateSync(t.cacheFile, cut);
    const loaded = await readCacheFile(t.cacheFile);
    expect(loaded.warning).toMatch(/cut short; kept \d+ thumbnails before the cut/);
    expect(loaded.entries.length).toBe(frameAt(cut));
    for (const [i, e] of loaded.entries.entries()) expect(e.jpeg.equals(entries[i]!.jpeg), `entry ${i + 1}`).toBe(true);
  });

  it('a flipped byte in a frame across the second chunk end: the frames before it, a checksum warning', async () => {
    await writeCacheFile(t.cacheFile, entries);
    const bytes = readFileSync(t.cacheFile);
    const at = 16 * MiB + 5;
    const k = frameAt(at);
    // Inside the body (past the frame's 8 + 32 fixed bytes) and the frame really spans the chunk end.
    expect(at).toBeGreaterThan(starts[k]! + 40);
    expect(starts[k]!).toBeLessThan(16 * MiB);
    bytes[at] = bytes[at]! ^ 0x10;
    writeFileSync(t.cacheFile, bytes);
    const loaded = await readCacheFile(t.cacheFile);
    expect(loaded.warning).toMatch(new RegExp(`checksum mismatch\\); kept ${k} thumbnails`));
    expect(loaded.entries.map((e) => e.id)).toEqual(entries.slice(0, k).map((e) => e.id));
  });

  it('a frame length past the end of the file is a cut, not a read past it', async () => {
    await writeCacheFile(t.cacheFile, entries);
    const bytes = readFileSync(t.cacheFile);
    const k = frameAt(12 * MiB);
    bytes.writeUInt32LE(60 * MiB, starts[k]!);
    writeFileSync(t.cacheFile, bytes);
    const loaded = await readCacheFile(t.cacheFile);
    expect(loaded.warning).toMatch(/cut short/);
    expect(loaded.entries.length).toBe(k);
  });
});

import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { findEmbeddedPreviews } from '../../../src/cache/sources/embedded.js';
import { FileReader, OutOfBoundsError } from '../../../src/cache/sources/file-reader.js';
import { tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

/** Little-endian TIFF whose only IFD points at a JPEG strip placed `gap` bytes into the file. */
function tiffWithStripAt(jpeg: Buffer, gap: number): Buffer {
  const entries: [number, number, number, number][] = [
    [0xfe, 4, 1, 1], // NewSubfileType: a reduced-resolution image (a preview)
    [0x100, 4, 1, 1200],
    [0x101, 4, 1, 800],
    [0x103, 3, 1, 7], // JPEG
    [0x111, 4, 1, gap],
    [0x117, 4, 1, jpeg.length],
  ];
  const ifd = Buffer.alloc(2 + entries.length * 12 + 4);
  ifd.writeUInt16LE(entries.length, 0);
  entries.forEach(([tag, type, count, value], i) => {
    ifd.writeUInt16LE(tag, 2 + i * 12);
    ifd.writeUInt16LE(type, 4 + i * 12);
    ifd.writeUInt32LE(count, 6 + i * 12);
    ifd.writeUInt32LE(value, 10 + i * 12);
  });
  const head = Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]);
  const filler = Buffer.alloc(gap - head.length - ifd.length, 0x55);
  return Buffer.concat([head, ifd, filler, jpeg]);
}

describe('FileReader', () => {
  it('prefetch loads a range up to its bound in one read, and leaves bigger or outside ones to read()', async () => {
    const file = path.join(tmp.dir, 'prefetch.bin');
    const bytes = randomBytes(2 * 1024 * 1024);
    writeFileSync(file, bytes);
    const reader = await FileReader.open(file);
    try {
      const at = 300 * 1024;
      await reader.prefetch(at, 200 * 1024);
      expect(reader.fileReads).toBe(2);
      expect((await reader.readExactly(at, 200 * 1024)).equals(bytes.subarray(at, at + 200 * 1024))).toBe(true);
      expect((await reader.read(at + 1000, 10)).equals(bytes.subarray(at + 1000, at + 1010))).toBe(true);
      expect(reader.fileReads).toBe(2);
      await reader.prefetch(at, FileReader.PREFETCH_BYTES + 1); // too big: nothing read
      await reader.prefetch(bytes.length - 10, 20); // past the end: nothing read
      await reader.prefetch(-1, 10);
      expect(reader.fileReads).toBe(2);
    } finally {
      await reader.close();
    }
  });

  it('small reads past the head come from one window read and equal the file, at any offset', async () => {
    const file = path.join(tmp.dir, 'random.bin');
    const bytes = randomBytes(300 * 1024 + 123);
    writeFileSync(file, bytes);
    const reader = await FileReader.open(file);
    try {
      let seed = 7;
      const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
      const held: { buf: Buffer; at: number }[] = [];
      for (let i = 0; i < 400; i++) {
        const at = next(bytes.length + 1);
        const length = i % 10 === 0 ? next(40_000) : next(64);
        const buf = await reader.read(at, length);
        expect(buf.equals(bytes.subarray(at, at + length))).toBe(true);
        if (i % 50 === 0) held.push({ buf, at });
      }
      // What callers kept of earlier windows was not overwritten by later ones.
      for (const { buf, at } of held) expect(buf.equals(bytes.subarray(at, at + buf.length))).toBe(true);
      // The last bytes, a read straddling the end, and nothing past it.
      expect((await reader.read(bytes.length - 3, 10)).equals(bytes.subarray(bytes.length - 3))).toBe(true);
      expect((await reader.read(bytes.length, 10)).length).toBe(0);
      await expect(reader.read(bytes.length + 1, 1)).rejects.toBeInstanceOf(OutOfBoundsError);
      expect(reader.fileReads).toBeLessThan(reader.reads);
    } finally {
      await reader.close();
    }
  });

  it('finds a preview 200 kB into a TIFF raw and reads its bytes with two file reads in all (the head, then the preview whole), not one per marker', async () => {
    const jpeg = await sharp({ create: { width: 1200, height: 800, channels: 3, background: '#c04020' } }).jpeg().toBuffer();
    const file = path.join(tmp.dir, 'far-preview.dng');
    writeFileSync(file, tiffWithStripAt(jpeg, 200 * 1024));
    const reader = await FileReader.open(file);
    try {
      const scan = await findEmbeddedPreviews(reader, 'raw-tiff');
      expect(scan.previews).toEqual([expect.objectContaining({ offset: 200 * 1024, length: jpeg.length, width: 1200, height: 800 })]);
      expect(reader.reads).toBeGreaterThan(5); // the header walk's reads, as the parser made them
      expect(reader.fileReads).toBe(2);
      const preview = await reader.readExactly(scan.previews[0]!.offset, scan.previews[0]!.length);
      expect(preview.equals(readFileSync(file).subarray(200 * 1024))).toBe(true);
      expect(reader.fileReads).toBe(2);
    } finally {
      await reader.close();
    }
  });
});

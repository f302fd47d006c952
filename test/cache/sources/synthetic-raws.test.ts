import { writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { make, tempDir } from './helpers.js';

/*
 * Formats the corpus lacks, built here the way the cameras lay them out (only the parts the
 * preview finder reads), each carrying a 1200x800 JPEG preview and a 160x120 thumbnail.
 */

type Entry = [tag: number, type: number, count: number, value: number];

/** Little-endian TIFF: magic bytes, IFD0 at 8, then IFD1, then the payloads. */
function tiffFile(magic: Buffer, ifd0: (payloadAt: number[]) => Entry[], ifd1: (payloadAt: number[]) => Entry[], payloads: Buffer[]): Buffer {
  const ifdSize = (n: number) => 2 + n * 12 + 4;
  const n0 = ifd0([0, 0, 0]).length;
  const n1 = ifd1([0, 0, 0]).length;
  const ifd0At = 8;
  const ifd1At = ifd0At + ifdSize(n0);
  let at = ifd1At + ifdSize(n1);
  const offsets = payloads.map((p) => {
    const o = at;
    at += p.length;
    return o;
  });
  const write = (entries: Entry[], next: number) => {
    const b = Buffer.alloc(ifdSize(entries.length));
    b.writeUInt16LE(entries.length, 0);
    entries.forEach(([tag, type, count, value], i) => {
      b.writeUInt16LE(tag, 2 + i * 12);
      b.writeUInt16LE(type, 4 + i * 12);
      b.writeUInt32LE(count, 6 + i * 12);
      b.writeUInt32LE(value, 10 + i * 12);
    });
    b.writeUInt32LE(next, 2 + entries.length * 12);
    return b;
  };
  const head = Buffer.concat([magic, Buffer.from([8, 0, 0, 0])]);
  return Buffer.concat([head, write(ifd0(offsets), ifd1At), write(ifd1(offsets), 0), ...payloads]);
}

describe('preview formats the corpus does not hold', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);
  let preview: Buffer;
  let thumb: Buffer;
  beforeAll(async () => {
    preview = await sharp({ create: { width: 1200, height: 800, channels: 3, background: '#c04020' } }).jpeg().toBuffer();
    thumb = await sharp({ create: { width: 160, height: 120, channels: 3, background: '#000' } }).jpeg().toBuffer();
  });

  const II_TIFF = Buffer.from([0x49, 0x49, 0x2a, 0x00]);

  it.each([
    {
      name: 'Panasonic RW2: JpgFromRaw (tag 0x2e) in IFD0',
      file: 'p.rw2',
      magic: Buffer.from([0x49, 0x49, 0x55, 0x00]),
      ifd0: (o: number[], p: Buffer) => [[0x2e, 7, p.length, o[0]!]] as Entry[],
      ifd1: () => [] as Entry[],
    },
    {
      name: 'Pentax PEF: JPEGInterchangeFormat in the second IFD of the chain',
      file: 'p.pef',
      magic: II_TIFF,
      ifd0: () => [[0x112, 3, 1, 1]] as Entry[],
      ifd1: (o: number[], p: Buffer) => [[0x201, 4, 1, o[0]!], [0x202, 4, 1, p.length]] as Entry[],
    },
    {
      name: 'Olympus ORF: preview only in a maker note (found by the SOI scan)',
      file: 'p.orf',
      magic: Buffer.from([0x49, 0x49, 0x52, 0x4f]),
      ifd0: () => [[0x100, 4, 1, 4608], [0x101, 4, 1, 3072], [0x112, 3, 1, 1]] as Entry[],
      ifd1: () => [] as Entry[],
    },
    {
      name: 'DNG named .tif: a raw, its strip preview used',
      file: 'p.tif',
      magic: II_TIFF,
      ifd0: (o: number[], p: Buffer) =>
        [[0x103, 3, 1, 7], [0x111, 4, 1, o[0]!], [0x117, 4, 1, p.length], [0xc612, 1, 4, 0x00000401]] as Entry[],
      ifd1: () => [] as Entry[],
    },
  ])('$name', async ({ file, magic, ifd0, ifd1 }) => {
    const full = path.join(tmp.dir, file);
    writeFileSync(full, tiffFile(magic, (o) => ifd0(o, preview), (o) => ifd1(o, preview), [preview, Buffer.alloc(100), thumb]));
    const result = await make(full, [0, 2]);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.thumbs.map((t) => [t.level, t.width, t.height, t.source])).toEqual([
        [0, 128, 85, 'embedded'],
        [2, 512, 341, 'embedded'],
      ]);
    }
  });

  it('does not take a loose JPEG tile of a TIFF raw for its preview', async () => {
    const tile = await sharp({ create: { width: 256, height: 256, channels: 3, background: '#208040' } }).jpeg().toBuffer();
    const full = path.join(tmp.dir, 'tiled.nef');
    const entries: Entry[] = [[0x100, 4, 1, 6000], [0x101, 4, 1, 4000]];
    writeFileSync(full, tiffFile(II_TIFF, () => entries, () => [], [tile, tile]));
    const result = await make(full, [0]);
    expect(result).toMatchObject({ ok: false, cause: 'unsupported', detail: expect.stringMatching(/LibRaw/) });
  });

  it('a raw declaring a giant sensor fails as memory before any decoding', async () => {
    const full = path.join(tmp.dir, 'giant.dng');
    const entries: Entry[] = [[0x100, 4, 1, 65535], [0x101, 4, 1, 65535], [0xc612, 1, 4, 0x00000401]];
    writeFileSync(full, tiffFile(II_TIFF, () => entries, () => [], [Buffer.alloc(64)]));
    expect(await make(full, [0])).toMatchObject({ ok: false, cause: 'memory', detail: expect.stringMatching(/MP/) });
  });
});

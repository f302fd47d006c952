import { mkdtempSync, openSync, readdirSync, readSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rawSizeFromTiff, readRawSize } from '../../src/db/tiff-size.js';
import { corpus, CORPUS_DIR, HAVE_CORPUS } from '../helpers/corpus.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tt-tiff-size-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Entry = [tag: number, type: number, count: number, value: number];

/**
 * A little-endian TIFF of `size` bytes: IFD0 a 256x171 preview (NewSubfileType 1) whose
 * SubIFD, at `subAt`, is the 6000x4000 raw with a DefaultCropSize of 5990x3990 (two
 * RATIONALs, stored after the SubIFD's entries).
 */
function tiff(subAt: number, size: number): Buffer {
  const buf = Buffer.alloc(size);
  buf.write('II', 0, 'latin1');
  buf.writeUInt16LE(42, 2);
  buf.writeUInt32LE(8, 4);
  const ifd = (at: number, entries: Entry[]) => {
    buf.writeUInt16LE(entries.length, at);
    entries.forEach(([tag, type, count, value], i) => {
      const e = at + 2 + i * 12;
      buf.writeUInt16LE(tag, e);
      buf.writeUInt16LE(type, e + 2);
      buf.writeUInt32LE(count, e + 4);
      if (type === 3 && count === 1) buf.writeUInt16LE(value, e + 8);
      else buf.writeUInt32LE(value, e + 8);
    });
    buf.writeUInt32LE(0, at + 2 + entries.length * 12);
    return at + 2 + entries.length * 12 + 4;
  };
  ifd(8, [
    [0x00fe, 4, 1, 1],
    [0x0100, 3, 1, 256],
    [0x0101, 3, 1, 171],
    [0x014a, 4, 1, subAt],
  ]);
  const cropAt = subAt + 2 + 4 * 12 + 4;
  ifd(subAt, [
    [0x00fe, 4, 1, 0],
    [0x0100, 4, 1, 6000],
    [0x0101, 4, 1, 4000],
    [0xc620, 5, 2, cropAt],
  ]);
  buf.writeUInt32LE(5990, cropAt);
  buf.writeUInt32LE(1, cropAt + 4);
  buf.writeUInt32LE(3990, cropAt + 8);
  buf.writeUInt32LE(1, cropAt + 12);
  return buf;
}

function fileOf(name: string, bytes: Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

/** What the walk finds in the file's first 256 kB, read whole (readRawSize's reference). */
function fromHead(file: string): ReturnType<typeof rawSizeFromTiff> {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(256 * 1024);
    return rawSizeFromTiff(buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)));
  } finally {
    closeSync(fd);
  }
}

describe('raw pixel size from the TIFF structure', () => {
  it('takes the SubIFD raw and its crop wherever it lies in the first 256 kB', async () => {
    const crop = { width: 5990, height: 3990 };
    // Near the start, as in the cameras' files; and past the first read (64 kB), which
    // needs the second, whole-head read; with the crop's values right at that boundary too.
    for (const subAt of [400, 100_000, 64 * 1024 - 56]) {
      const file = fileOf(`sub-${subAt}.dng`, tiff(subAt, 300_000));
      expect({ subAt, size: await readRawSize(file) }).toEqual({ subAt, size: crop });
    }
    // A file smaller than the first read.
    expect(await readRawSize(fileOf('small.dng', tiff(400, 2_000)))).toEqual(crop);
  });

  it('finds nothing past the first 256 kB, as before', async () => {
    const file = fileOf('far.dng', tiff(300_000, 310_000));
    expect(await readRawSize(file)).toBeNull();
    expect(fromHead(file)).toBeNull();
  });

  it('gives the same size as a walk of the whole head for every raw of the sample corpus', async () => {
    if (!HAVE_CORPUS) corpus('raw');
    const files = readdirSync(path.join(CORPUS_DIR, 'raw')).map((n) => path.join(CORPUS_DIR, 'raw', n));
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) expect({ file, size: await readRawSize(file) }).toEqual({ file, size: fromHead(file) });
  });
});

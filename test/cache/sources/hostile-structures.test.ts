import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findEmbeddedPreviews } from '../../../src/cache/sources/embedded.js';
import { FileReader } from '../../../src/cache/sources/file-reader.js';
import { sniffKind, SNIFF_BYTES } from '../../../src/cache/sources/sniff.js';
import { readTiff } from '../../../src/cache/sources/tiff.js';
import { make, tempDir } from './helpers.js';

/**
 * The hand-written preview parsers on structures made to loop: an IFD chain that points back
 * at itself, SubIFD and EXIF links to their own IFD, counts of 65535 entries and 2^32 values,
 * ISO-BMFF boxes of size 0 and 1, a CIFF heap that contains itself, a file of nothing but JPEG
 * start markers. Each walk ends within the bounds its parser states (counted in reads, not
 * time), and the file ends as a skull with a clear cause.
 */
const tmp = tempDir();
afterAll(() => tmp.cleanup());

type Entry = [tag: number, type: number, count: number, value: number];

/** One little-endian IFD: entries (SHORT values written as 16 bits), then the next-IFD offset. */
function ifd(entries: Entry[], next: number): Buffer {
  const b = Buffer.alloc(2 + entries.length * 12 + 4);
  b.writeUInt16LE(entries.length, 0);
  entries.forEach(([tag, type, count, value], i) => {
    const o = 2 + i * 12;
    b.writeUInt16LE(tag, o);
    b.writeUInt16LE(type, o + 2);
    b.writeUInt32LE(count >>> 0, o + 4);
    if (type === 3) b.writeUInt16LE(value, o + 8);
    else b.writeUInt32LE(value >>> 0, o + 8);
  });
  b.writeUInt32LE(next >>> 0, 2 + entries.length * 12);
  return b;
}

const TIFF_LE = Buffer.from([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0]);

function write(name: string, bytes: Buffer): string {
  const file = path.join(tmp.dir, name);
  writeFileSync(file, bytes);
  return file;
}

async function walk(file: string) {
  const reader = await FileReader.open(file);
  try {
    const kind = sniffKind(await reader.read(0, SNIFF_BYTES), file);
    const tiff = kind === 'raw-tiff' || kind === 'tiff' ? await readTiff(reader) : null;
    const afterTiff = reader.reads;
    const scan = await findEmbeddedPreviews(reader, kind);
    return { kind, tiff, scan, tiffReads: afterTiff, reads: reader.reads };
  } finally {
    await reader.close();
  }
}

/** A skull: not made, cause `unsupported` or `memory`, a one-line detail that says something. */
async function expectSkull(file: string): Promise<string> {
  const r = await make(file, [0, 1], { sourcePref: 'always' });
  expect(r.ok, file).toBe(false);
  if (r.ok) return '';
  expect(['unsupported', 'memory']).toContain(r.cause);
  expect(r.detail.length).toBeGreaterThan(5);
  expect(r.detail).not.toMatch(/\n/);
  return r.detail;
}

describe('TIFF walker (DNG, CR2, NEF, ARW, … and plain TIFF)', () => {
  it('an IFD chain looping IFD0 -> IFD1 -> IFD0, with SubIFDs (count 2^32-1) and EXIF pointing at IFD0: each IFD once', async () => {
    const ifd0 = ifd(
      [
        [0x100, 4, 1, 4000],
        [0x101, 4, 1, 3000],
        [0x14a, 4, 0xffffffff, 8], // SubIFDs: 4 billion offsets, at IFD0 itself
        [0x8769, 4, 1, 8], // EXIF IFD: IFD0 again
        [0xc612, 1, 4, 0x00000401], // DNGVersion 1.4
      ],
      0, // patched below
    );
    const ifd1At = 8 + ifd0.length;
    ifd0.writeUInt32LE(ifd1At, ifd0.length - 4);
    const ifd1 = ifd([[0xfe, 4, 1, 1]], 8); // back to IFD0
    const file = write('loop.dng', Buffer.concat([TIFF_LE, ifd0, ifd1, Buffer.alloc(2048)]));
    const { tiff, tiffReads, scan } = await walk(file);
    expect(tiff).toMatchObject({ isDng: true, maxSize: { width: 4000, height: 3000 }, candidates: [] });
    // Two IFDs, a few reads each: the loop and the 4 billion SubIFDs cost nothing more.
    expect(tiffReads).toBeLessThan(60);
    expect(scan.previews).toEqual([]);
    expect(await expectSkull(file)).toMatch(/raw|LibRaw|cut short/i);
  });

  it('an IFD that is its own next IFD, declaring 65535 entries in a 200-byte file', async () => {
    const head = ifd([[0x100, 4, 1, 64], [0x101, 4, 1, 64]], 8);
    head.writeUInt16LE(0xffff, 0);
    const file = write('count.tif', Buffer.concat([TIFF_LE, head, Buffer.alloc(160)]));
    const { kind, tiff, tiffReads } = await walk(file);
    expect(kind).toBe('tiff');
    expect(tiff?.candidates).toEqual([]);
    expect(tiffReads).toBeLessThan(20);
    await expectSkull(file);
    // The same bytes as a raw: the raw path's walk and LibRaw refuse it too.
    await expectSkull(write('count.nef', Buffer.concat([TIFF_LE, head, Buffer.alloc(160)])));
  });
});

/** An ISO-BMFF box: size, type, body. */
function box(type: string, body: Buffer, size = 8 + body.length): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(size >>> 0, 0);
  b.write(type, 4, 'latin1');
  return Buffer.concat([b, body]);
}

describe('CR3 box walker', () => {
  it('boxes of size 0 (to the end) and 1 with a largesize smaller than its header: the walk always advances', async () => {
    const ftyp = box('ftyp', Buffer.from('crx \0\0\0\x01crx isom', 'latin1'));
    const largesize = Buffer.alloc(8); // size 1, then a 64-bit largesize of 0
    const badLarge = box('uuid', largesize, 1);
    const zeroChild = box('CMT1', Buffer.alloc(4), 0);
    const moov = box('moov', Buffer.concat([box('uuid', Buffer.concat([Buffer.alloc(16), zeroChild])), badLarge]));
    const file = write('boxes.cr3', Buffer.concat([ftyp, moov, box('mdat', Buffer.alloc(64), 0)]));
    const { kind, scan, reads } = await walk(file);
    expect(kind).toBe('cr3');
    expect(scan.previews).toEqual([]);
    expect(reads).toBeLessThan(60);
    // LibRaw 0.20 loops forever on that largesize of 0 (raw-identify and dcraw_emu alike):
    // it is never handed the file.
    expect(scan.broken).toMatch(/64-bit size of 0/);
    expect(await expectSkull(file)).toMatch(/^CR3 box 'uuid' at \d+ has a 64-bit size of 0, smaller than its header$/);
  });

  it('the same box deep in moov/trak/mdia/minf/stbl is found too (LibRaw loops on it at any depth)', async () => {
    const ftyp = box('ftyp', Buffer.from('crx \0\0\0\x01crx isom', 'latin1'));
    const bad = box('free', Buffer.alloc(8), 1);
    const moov = box('moov', box('trak', box('mdia', box('minf', box('stbl', bad)))));
    const file = write('deep.cr3', Buffer.concat([ftyp, moov, box('mdat', Buffer.alloc(64))]));
    const { scan } = await walk(file);
    expect(scan.broken).toMatch(/^CR3 box 'free' at \d+ has a 64-bit size of 0/);
    expect(await expectSkull(file)).toBe(scan.broken);
  });

  it('512 nested uuid boxes: the box budget ends the walk', async () => {
    let inner = box('THMB', Buffer.alloc(8));
    for (let i = 0; i < 512; i++) inner = box('uuid', Buffer.concat([Buffer.alloc(16), inner]));
    const file = write('nested.cr3', Buffer.concat([box('ftyp', Buffer.from('crx \0\0\0\x01', 'latin1')), box('moov', inner)]));
    const { reads } = await walk(file);
    expect(reads).toBeLessThan(600);
    await expectSkull(file);
  });
});

describe('CRW (CIFF) heap walker', () => {
  it('a heap whose 65535-record table holds itself as a sub-heap: depth and record budget hold', async () => {
    const size = 4096;
    const b = Buffer.alloc(size);
    b.write('II', 0, 'latin1');
    b.writeUInt32LE(26, 2); // header length: the heap starts at 26
    b.write('HEAPCCDR', 6, 'latin1');
    const heapStart = 26;
    const heapLength = size - heapStart;
    const table = 100;
    b.writeUInt32LE(table, size - 4); // the heap's last 4 bytes: its record table, relative
    b.writeUInt16LE(0xffff, heapStart + table); // 65535 records claimed
    for (let i = 0; i < 300 && heapStart + table + 2 + i * 10 + 10 <= size - 4; i++) {
      const at = heapStart + table + 2 + i * 10;
      b.writeUInt16LE(0x300a, at); // a sub-heap record type
      b.writeUInt32LE(heapLength, at + 2); // the whole heap...
      b.writeUInt32LE(0, at + 6); // ...at its own start
    }
    const file = write('self.crw', b);
    const { kind, scan, reads } = await walk(file);
    expect(kind).toBe('crw');
    expect(scan.previews).toEqual([]);
    expect(reads).toBeLessThan(2000);
    await expectSkull(file);
  });
});

describe('JPEG scan of unparsed raws', () => {
  it('a file of nothing but JPEG start markers: the tries are capped, every read bounded', async () => {
    const flood = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i + 2 < flood.length; i += 3) flood.set([0xff, 0xd8, 0xff], i);
    const file = write('flood.x3f', Buffer.concat([Buffer.from('FOVb'), flood]));
    const { kind, scan, reads } = await walk(file);
    expect(kind).toBe('raw-other');
    expect(scan.previews).toEqual([]);
    // 512 tries x a 256-marker header walk at most, well inside the reader's backstop.
    expect(reads).toBeLessThanOrEqual(512 * 260);
    expect(reads).toBeLessThan(FileReader.MAX_READS);
    await expectSkull(file);
  });
});

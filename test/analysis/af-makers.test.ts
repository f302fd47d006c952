import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NIKON_POINTS, SONY_POINTS, SONY_SELECTED, namedPoint } from '../../src/analysis/af-makers.js';
import { afPoint, readFocusPoint } from '../../src/analysis/af-point.js';
import { corpus } from '../helpers/corpus.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'tt-afm-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const HAVE_EXIFTOOL = spawnSync('exiftool', ['-ver']).status === 0;

/** exiftool's decoded tags of a file (printed values, and numbers with `-n`), the oracle. */
function exiftool(file: string, numeric = false): Record<string, unknown> {
  const r = spawnSync('exiftool', ['-j', '-G0', '-a', ...(numeric ? ['-n'] : []), file], { encoding: 'utf8' });
  return (JSON.parse(r.stdout) as Record<string, unknown>[])[0]!;
}

interface E {
  tag: number;
  type: number;
  count: number;
  data: Buffer;
}

/** An IFD (entries then their out-of-line data) that will sit at offset `at` of its offsets' space. */
function ifd(le: boolean, entries: E[], at: number): Buffer {
  const head = 2 + 12 * entries.length + 4;
  const out = Buffer.alloc(head + entries.reduce((s, e) => s + (e.data.length > 4 ? e.data.length + (e.data.length & 1) : 0), 0));
  const w16 = (v: number, o: number) => (le ? out.writeUInt16LE(v, o) : out.writeUInt16BE(v, o));
  const w32 = (v: number, o: number) => (le ? out.writeUInt32LE(v, o) : out.writeUInt32BE(v, o));
  w16(entries.length, 0);
  let data = head;
  entries.forEach((e, i) => {
    const o = 2 + 12 * i;
    w16(e.tag, o);
    w16(e.type, o + 2);
    w32(e.count, o + 4);
    if (e.data.length <= 4) e.data.copy(out, o + 8);
    else {
      w32(at + data, o + 8);
      e.data.copy(out, data);
      data += e.data.length + (e.data.length & 1);
    }
  });
  return out;
}

const shorts = (le: boolean, ...v: number[]) => {
  const b = Buffer.alloc(v.length * 2);
  v.forEach((x, i) => (le ? b.writeUInt16LE(x, i * 2) : b.writeUInt16BE(x, i * 2)));
  return b;
};
const ascii = (s: string): E => ({ tag: 0, type: 2, count: s.length + 1, data: Buffer.from(`${s}\0`, 'latin1') });
const NOTE_AT = 512;
const QUALITY: E = { tag: 0x0102, type: 4, count: 1, data: Buffer.from([2, 0, 0, 0]) };

/**
 * A little-endian EXIF TIFF as a camera writes it: IFD0 (Make, Model) → Exif IFD (pixel
 * size, MakerNote) → the maker note made by `note(at)`, which sits at offset `at`.
 */
function exifTiff(make: string, model: string, note: (at: number) => Buffer, size: [number, number] = [6000, 4000]): Buffer {
  const le = true;
  const noteBytes = note(NOTE_AT);
  const exifAt = 256;
  const long = (v: number) => shorts(le, v & 0xffff, v >>> 16);
  const ifd0 = ifd(le, [{ ...ascii(make), tag: 0x010f }, { ...ascii(model), tag: 0x0110 }, { tag: 0x8769, type: 4, count: 1, data: long(exifAt) }], 8);
  const exif = ifd(le, [{ tag: 0x927c, type: 7, count: noteBytes.length, data: Buffer.alloc(4) }, { tag: 0xa002, type: 4, count: 1, data: long(size[0]) },
    { tag: 0xa003, type: 4, count: 1, data: long(size[1]) }], exifAt);
  exif.writeUInt32LE(NOTE_AT, 2 + 8); // the maker note's offset, written after the fact
  const buf = Buffer.alloc(NOTE_AT + noteBytes.length);
  Buffer.from('II*\0\x08\0\0\0', 'latin1').copy(buf, 0);
  ifd0.copy(buf, 8);
  exif.copy(buf, exifAt);
  noteBytes.copy(buf, NOTE_AT);
  return buf;
}

/** The TIFF in a JPEG's APP1 Exif segment (no image data: exiftool and the reader only read the EXIF). */
function jpegOf(tiff: Buffer): Buffer {
  const app1 = Buffer.alloc(4 + 6);
  app1.writeUInt16BE(0xffe1, 0);
  app1.writeUInt16BE(2 + 6 + tiff.length, 2);
  app1.write('Exif\0\0', 4, 'latin1');
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app1, tiff, Buffer.from([0xff, 0xd9])]);
}

const crafted: Record<string, { file: Buffer; want: { x: number; y: number } | null; oracle: (t: Record<string, unknown>) => boolean }> = {
  fujifilm: {
    // FocusPixel (0x1023) 600 100 of a 1200 x 800 image; offsets from the note's start, little-endian.
    file: exifTiff('FUJIFILM', 'X-T2', () => Buffer.concat([Buffer.from('FUJIFILM\x0c\0\0\0', 'latin1'),
      ifd(true, [{ tag: 0x1023, type: 3, count: 2, data: shorts(true, 600, 100) }], 12)]), [1200, 800]),
    want: { x: 0.5, y: 0.125 },
    oracle: (t) => t['MakerNotes:FocusPixel'] === '600 100',
  },
  'nikon-afinfo': {
    // Type 3: "Nikon\0" 2.10, then its own big-endian TIFF header; AFInfo: Single Area, Upper-left, none in focus.
    file: exifTiff('NIKON CORPORATION', 'NIKON D200', () => Buffer.concat([Buffer.from('Nikon\0\x02\x10\0\0MM\0*\0\0\0\x08', 'latin1'),
      ifd(false, [{ tag: 0x0088, type: 7, count: 4, data: Buffer.from([0, 5, 0, 0]) }], 8)])),
    want: namedPoint('Upper-left'),
    oracle: (t) => t['MakerNotes:AFPoint'] === 'Upper-left' && t['MakerNotes:AFPointsInFocus'] === '(none)',
  },
  'nikon-afinfo-in-focus': {
    // Dynamic area: Center selected, Far Right and Mid-right flagged in focus → their mean.
    file: exifTiff('NIKON CORPORATION', 'NIKON D200', () => Buffer.concat([Buffer.from('Nikon\0\x02\x10\0\0MM\0*\0\0\0\x08', 'latin1'),
      ifd(false, [{ tag: 0x0088, type: 7, count: 4, data: Buffer.from([1, 0, 0x04, 0x10]) }], 8)])),
    want: { x: 0.725, y: 0.5 }, // (0.8 + 0.65) / 2
    oracle: (t) => t['MakerNotes:AFPointsInFocus'] === 'Mid-right,Far Right' || t['MakerNotes:AFPointsInFocus'] === 'Mid-right, Far Right',
  },
  'nikon-afinfo2': {
    // AFInfo2 0100 (contrast-detect AF): the area's centre 160, 360 on a 640 x 480 AF image.
    file: exifTiff('NIKON CORPORATION', 'NIKON D90', () => {
      const af2 = Buffer.alloc(30);
      af2.write('0100', 0, 'latin1');
      af2[4] = 1; // ContrastDetectAF on
      [640, 480, 160, 360, 352, 288].forEach((v, i) => af2.writeUInt16BE(v, 0x10 + 2 * i));
      return Buffer.concat([Buffer.from('Nikon\0\x02\x10\0\0MM\0*\0\0\0\x08', 'latin1'), ifd(false, [{ tag: 0x00b7, type: 7, count: af2.length, data: af2 }], 8)]);
    }),
    want: { x: 0.25, y: 0.75 },
    oracle: (t) => t['MakerNotes:AFAreaXPosition'] === 160 && t['MakerNotes:AFImageHeight'] === 480,
  },
  'sony-focus-location': {
    // A bare IFD, offsets from the TIFF header (exiftool takes one starting 01 00 for another
    // kind, so a second entry, Quality); FocusLocation 6000 4000 1500 3000.
    file: exifTiff('SONY', 'ILCE-7M3', (at) => ifd(true, [QUALITY, { tag: 0x2027, type: 3, count: 4, data: shorts(true, 6000, 4000, 1500, 3000) }], at)),
    want: { x: 0.25, y: 0.75 },
    oracle: (t) => t['MakerNotes:FocusLocation'] === '6000 4000 1500 3000',
  },
  'sony-slt-named': {
    // SLT body: CameraInfo3 (0x0010, 15360 bytes), AFPoint at byte 0x20 = 3 (Far Left).
    file: exifTiff('SONY', 'SLT-A55V', (at) => {
      const info = Buffer.alloc(15360);
      info[0x20] = 3;
      return ifd(true, [{ tag: 0x0010, type: 7, count: info.length, data: info }, QUALITY], at);
    }),
    want: namedPoint('Far Left'),
    oracle: (t) => t['MakerNotes:AFPoint'] === 'Far Left',
  },
  'sony-slt-selected': {
    // An SLT body without CameraInfo3: AFPointSelected (0x201e) 9, Upper-left.
    file: exifTiff('SONY', 'SLT-A99V', (at) => ifd(true, [QUALITY, { tag: 0x201e, type: 1, count: 1, data: Buffer.from([9, 0, 0, 0]) }], at)),
    want: namedPoint('Upper-left'),
    oracle: (t) => t['MakerNotes:AFPointSelected'] === 'Upper-left',
  },
  'nikon-dynamic-none-in-focus': {
    // Dynamic area, Top selected, nothing flagged in focus: no point.
    file: exifTiff('NIKON CORPORATION', 'NIKON D200', () => Buffer.concat([Buffer.from('Nikon\0\x02\x10\0\0MM\0*\0\0\0\x08', 'latin1'),
      ifd(false, [{ tag: 0x0088, type: 7, count: 4, data: Buffer.from([1, 1, 0, 0]) }], 8)])),
    want: null,
    oracle: (t) => t['MakerNotes:AFAreaMode'] === 'Dynamic Area' && t['MakerNotes:AFPoint'] === 'Top',
  },
  olympus: {
    // "OLYMPUS\0II" 3: offsets from the note's start; CameraSettings (0x2020, an IFD) → AFPointSelected 0x0305.
    file: exifTiff('OLYMPUS IMAGING CORP.', 'E-M5', () => {
      const rat = Buffer.alloc(40);
      [[0, 1], [1, 10], [2, 10], [3, 10], [6, 10]].forEach(([n, d], i) => (rat.writeInt32LE(n!, 8 * i), rat.writeInt32LE(d!, 8 * i + 4)));
      const main = ifd(true, [{ tag: 0x2020, type: 13, count: 1, data: shorts(true, 12 + 18, 0) }], 12);
      return Buffer.concat([Buffer.from('OLYMPUS\0II\x03\0', 'latin1'), main, ifd(true, [{ tag: 0x0305, type: 10, count: 5, data: rat }], 12 + main.length)]);
    }),
    want: { x: 0.2, y: 0.4 },
    oracle: (t) => t['MakerNotes:AFPointSelected'] === '(10%,20%) (30%,60%)',
  },
};

describe('AF points of Nikon, Sony, Fujifilm and Olympus maker notes', () => {
  it.each(Object.keys(crafted))('reads a %s maker note made here, as exiftool decodes it', (name) => {
    const { file, want, oracle } = crafted[name]!;
    expect(afPoint(file)).toEqual(want);
    expect(afPoint(jpegOf(file))).toEqual(want);
    if (!HAVE_EXIFTOOL) return;
    // The oracle: exiftool decodes the same values from the bytes, so they are laid out as cameras write them.
    const jpg = path.join(work, `${name}.jpg`);
    writeFileSync(jpg, jpegOf(file));
    const tags = exiftool(jpg);
    // On a mismatch the message shows every tag exiftool decoded.
    expect(oracle(tags) ? 'agrees' : tags).toBe('agrees');
  });

  it('names points where the grid has them', () => {
    expect(namedPoint('Center')).toEqual({ x: 0.5, y: 0.5 });
    expect(namedPoint('Center (horizontal)')).toEqual({ x: 0.5, y: 0.5 });
    expect(namedPoint('Upper-left')).toEqual({ x: 0.3, y: 0.333 });
    expect(namedPoint('Lower-right')).toEqual({ x: 0.7, y: 0.667 });
    expect(namedPoint('Far Left')).toEqual({ x: 0.2, y: 0.5 });
    expect(namedPoint('Near Right')).toEqual({ x: 0.6, y: 0.5 });
    expect(namedPoint('Mid-left')).toEqual({ x: 0.35, y: 0.5 });
    expect(namedPoint('Top')).toEqual({ x: 0.5, y: 0.333 });
    for (const n of [...NIKON_POINTS, ...SONY_POINTS, ...SONY_SELECTED]) {
      const p = namedPoint(n);
      expect(p.x > 0 && p.x < 1 && p.y > 0 && p.y < 1).toBe(true);
    }
  });

  it('gives null, never an exception, for maker notes cut short, with huge counts or bytes scrambled', () => {
    let points = 0;
    for (const [name, { file, want }] of Object.entries(crafted)) {
      for (let cut = 0; cut < file.length; cut += name.startsWith('sony-slt') ? 97 : 3) {
        const p = afPoint(file.subarray(0, cut));
        if (p) expect(p).toEqual(want);
      }
      // The note's IFD claims 65535 entries; then each of its entries claims 2^31 values.
      const note = file.subarray(NOTE_AT);
      const ifdAt = ({ fujifilm: 12, olympus: 12 } as Record<string, number>)[name] ?? (name.startsWith('nikon') ? 18 : 0);
      const huge = Buffer.from(file);
      huge.writeUInt16LE(0xffff, NOTE_AT + ifdAt);
      expect(afPoint(huge)).toBeNull();
      const big = Buffer.from(file);
      const le = !name.startsWith('nikon');
      const entries = le ? big.readUInt16LE(NOTE_AT + ifdAt) : big.readUInt16BE(NOTE_AT + ifdAt);
      for (let i = 0; i < entries; i++) {
        const at = NOTE_AT + ifdAt + 2 + 12 * i + 4;
        if (le) big.writeUInt32LE(0x80000000, at);
        else big.writeUInt32BE(0x80000000, at);
      }
      expect(afPoint(big)).toBeNull();
      // Scrambled: a seeded run of random bytes over the note; whatever comes out lies in the picture.
      let seed = 13;
      const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
      for (let round = 0; round < 300; round++) {
        const bad = Buffer.from(file);
        for (let k = 0; k < 8; k++) bad[NOTE_AT + Math.floor(rand() * Math.min(note.length, 200))] = Math.floor(rand() * 256);
        const p = afPoint(bad);
        if (p) {
          points++;
          expect(p.x >= 0 && p.x <= 1 && p.y >= 0 && p.y <= 1).toBe(true);
        }
      }
    }
    expect(points).toBeGreaterThan(0); // the scrambling left some notes readable, so both paths ran
  });

  it('reads raw files by their extension (an ORF, a NEF and a RAF made here), upright', async () => {
    const file = path.join(work, 'P1010001.ORF');
    writeFileSync(file, crafted.olympus!.file);
    expect(await readFocusPoint(file, 1, 0)).toEqual({ x: 0.2, y: 0.4 });
    expect(await readFocusPoint(file, 6, 0)).toEqual({ x: 0.6, y: 0.2 });
    const nef = path.join(work, 'DSC_0001.NEF');
    writeFileSync(nef, crafted['nikon-afinfo2']!.file);
    expect(await readFocusPoint(nef, 1, 0)).toEqual({ x: 0.25, y: 0.75 });
    // A RAF: its big-endian header's word at 84 says where the full-size JPEG (with the EXIF) starts.
    const head = Buffer.alloc(160);
    head.write('FUJIFILMCCD-RAW 0201FF383501', 0, 'latin1');
    head.writeUInt32BE(head.length, 84);
    const raf = path.join(work, 'DSCF0001.RAF');
    writeFileSync(raf, Buffer.concat([head, jpegOf(crafted.fujifilm!.file)]));
    expect(await readFocusPoint(raf, 1, 0)).toEqual({ x: 0.5, y: 0.125 });
    if (HAVE_EXIFTOOL) expect(exiftool(raf)['MakerNotes:FocusPixel']).toBe('600 100');
  });
});

/** The point exiftool's decoded tags give, by the same rules: the oracle for the corpus files. */
function oraclePoint(t: Record<string, unknown>, n: Record<string, unknown>): { x: number; y: number } | null {
  const mean = (names: string[]) => {
    const pts = names.map(namedPoint);
    return { x: Math.round((pts.reduce((s, p) => s + p.x, 0) / pts.length) * 1000) / 1000, y: Math.round((pts.reduce((s, p) => s + p.y, 0) / pts.length) * 1000) / 1000 };
  };
  const pair = (v: unknown) => String(v).split(' ').map(Number);
  if (n['MakerNotes:FocusPixel'] !== undefined) {
    const [x, y] = pair(n['MakerNotes:FocusPixel']);
    return { x: x! / Number(n['EXIF:ExifImageWidth']), y: y! / Number(n['EXIF:ExifImageHeight']) };
  }
  if (n['MakerNotes:AFAreaXPosition'] !== undefined) {
    return { x: Number(n['MakerNotes:AFAreaXPosition']) / Number(n['MakerNotes:AFImageWidth']), y: Number(n['MakerNotes:AFAreaYPosition']) / Number(n['MakerNotes:AFImageHeight']) };
  }
  if (n['MakerNotes:FocusLocation'] !== undefined) {
    const [w, h, x, y] = pair(n['MakerNotes:FocusLocation']);
    return { x: x! / w!, y: y! / h! };
  }
  const inFocus = t['MakerNotes:AFPointsInFocus'];
  const make = String(t['EXIF:Make']).toUpperCase();
  if (make.startsWith('NIKON') && typeof inFocus === 'string' && inFocus !== '(none)') return mean(inFocus.split(/,\s*/));
  const point = t['MakerNotes:AFPoint'];
  const single = String(t['MakerNotes:AFAreaMode']).startsWith('Single Area');
  if (make.startsWith('NIKON') && single && typeof point === 'string') return mean([point]);
  if (make.startsWith('SONY') && typeof point === 'string' && point !== '(none)') return mean([point]);
  const selected = t['MakerNotes:AFPointSelected'];
  if (make.startsWith('SONY') && typeof selected === 'string' && selected !== 'Auto') return mean([selected]);
  return null;
}

describe('AF points of the corpus files, against exiftool', () => {
  it.each([
    ['photos/fujifilm-finepix-s5500.jpg', { x: 0.5, y: 0.5 }], // FocusPixel 1136 852 of 2272 x 1704
    ['raw/nikon-d1.nef', namedPoint('Lower-right')], // AFPoint Center, AFPointsInFocus Lower-right
    ['photos/nikon-coolpix-p6000-gps.jpg', namedPoint('Center')], // AFPoint Center, none flagged in focus
    ['raw/sony-slt-a55v-truncated.arw', namedPoint('Center (horizontal)')],
    ['photos/nikon-d70.jpg', null], // manual focus: no AFInfo
    ['raw/nikon-d7100-truncated.nef', null], // manual focus: AFInfo2 without an AF area
    ['photos/olympus-c720uz.jpg', null], // an old Olympus: no AFPointSelected
    ['raw/fujifilm-s5pro-stripped.raf', null], // no FocusPixel
    ['photos/sony-dsc-p52.jpg', null],
  ] as const)('%s', async (rel, want) => {
    const file = corpus(rel);
    const got = await readFocusPoint(file, 1, 0);
    expect(got).toEqual(want);
    if (!HAVE_EXIFTOOL) return;
    const oracle = oraclePoint(exiftool(file), exiftool(file, true));
    if (oracle === null) expect(got).toBeNull();
    else {
      expect(got!.x).toBeCloseTo(oracle.x, 3);
      expect(got!.y).toBeCloseTo(oracle.y, 3);
    }
  });
});

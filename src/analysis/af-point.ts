import { open } from 'node:fs/promises';
import type { FocusPosition } from '../db/types.js';

/*
 * The AF point a camera recorded, so the loupe can open where the camera focused (issue 13).
 * Hand-written: exifr returns maker notes only as raw bytes, and no npm package decodes
 * Canon's AF tables. Only Canon's AFInfo2 (maker note tag 0x0026, DSLRs since about 2004) in
 * a TIFF-based file (CR2, and Canon JPEGs' EXIF) is read; Nikon, Sony, Fujifilm and Olympus
 * AF tables and CR3's CMT3 box are not (the focus point stays null, the loupe uses the
 * sharpest tile). Every read is bounded by the bytes read: offsets outside them end the parse.
 */

/** Bytes of the file read: a CR2's or JPEG's EXIF and maker notes sit well inside this. */
const HEAD_BYTES = 256 * 1024;
const MAKER_NOTE = 0x927c;
const EXIF_IFD = 0x8769;
const AF_INFO2 = 0x0026;
/** Entries of one IFD looked at: real ones have a few dozen. */
const MAX_ENTRIES = 512;

interface Tiff {
  buf: Buffer;
  /** Where the TIFF header starts in buf (offsets are relative to it). */
  base: number;
  le: boolean;
}

const u16 = (t: Tiff, at: number) => (at + 2 <= t.buf.length ? (t.le ? t.buf.readUInt16LE(at) : t.buf.readUInt16BE(at)) : undefined);
const u32 = (t: Tiff, at: number) => (at + 4 <= t.buf.length ? (t.le ? t.buf.readUInt32LE(at) : t.buf.readUInt32BE(at)) : undefined);

/** The entry `tag` of the IFD at `ifd` (relative offset): its type, count and value offset (absolute in buf). */
function entry(t: Tiff, ifd: number, tag: number): { type: number; count: number; value: number } | undefined {
  const start = t.base + ifd;
  const n = u16(t, start);
  if (n === undefined || n > MAX_ENTRIES) return undefined;
  for (let i = 0; i < n; i++) {
    const e = start + 2 + i * 12;
    if (u16(t, e) !== tag) continue;
    const type = u16(t, e + 2)!;
    const count = u32(t, e + 4);
    if (count === undefined) return undefined;
    const size = ({ 1: 1, 2: 1, 3: 2, 4: 4, 7: 1, 8: 2, 9: 4 } as Record<number, number>)[type] ?? 0;
    const value = size * count <= 4 ? e + 8 : t.base + (u32(t, e + 8) ?? Number.MAX_SAFE_INTEGER);
    return value + size * count <= t.buf.length ? { type, count, value } : undefined;
  }
  return undefined;
}

/** The TIFF structure of a CR2 (TIFF from byte 0) or of a JPEG's APP1 Exif segment. */
function tiffOf(buf: Buffer): Tiff | undefined {
  const header = (base: number): Tiff | undefined => {
    const order = buf.toString('latin1', base, base + 2);
    if (order !== 'II' && order !== 'MM') return undefined;
    const t = { buf, base, le: order === 'II' };
    return u16(t, base + 2) === 42 ? t : undefined;
  };
  if (buf[0] === 0xff && buf[1] === 0xd8) {
    // JPEG: walk the markers to APP1 "Exif\0\0".
    for (let at = 2, seen = 0; at + 4 <= buf.length && seen < 64; seen++) {
      if (buf[at] !== 0xff) return undefined;
      const marker = buf[at + 1]!;
      const length = buf.readUInt16BE(at + 2);
      if (marker === 0xe1 && buf.toString('latin1', at + 4, at + 10) === 'Exif\0\0') return header(at + 10);
      if (marker === 0xda || length < 2) return undefined;
      at += 2 + length;
    }
    return undefined;
  }
  return header(0);
}

/**
 * Canon's AF point in the sensor's frame (fractions of width and height, before any
 * rotation), from the TIFF bytes of a file; null when none is recorded or the data is not
 * understood. In focus: the mean of the points flagged in AFPointsInFocus. AFInfo2 layout
 * (ExifTool's Canon AFInfo2 table, shorts): [2] points N, [6] [7] the AF image's width and
 * height, then N widths, N heights, N x and N y positions from the centre (y up), then the
 * in-focus bits, point i at bit i % 16 of short i / 16.
 */
export function canonAfPoint(buf: Buffer): FocusPosition | null {
  const t = tiffOf(buf);
  if (!t) return null;
  const ifd0 = u32(t, t.base + 4);
  if (ifd0 === undefined) return null;
  const exif = entry(t, ifd0, EXIF_IFD);
  const exifOffset = exif ? u32(t, exif.value) : undefined;
  if (exifOffset === undefined) return null;
  const note = entry(t, exifOffset, MAKER_NOTE);
  if (!note) return null;
  // Canon's maker note is a bare IFD with offsets from the TIFF header.
  const af = entry(t, note.value - t.base, AF_INFO2);
  if (!af || af.type !== 3) return null;
  const at = (k: number) => (k < af.count ? u16(t, af.value + 2 * k) : undefined);
  const signed = (v: number | undefined) => (v === undefined ? undefined : v > 0x7fff ? v - 0x10000 : v);
  const n = at(2) ?? 0;
  const w = at(6) ?? 0;
  const h = at(7) ?? 0;
  const words = Math.ceil(n / 16);
  if (n === 0 || n > 1024 || w === 0 || h === 0 || af.count < 8 + 4 * n + words) return null;
  let sx = 0;
  let sy = 0;
  let inFocus = 0;
  for (let i = 0; i < n; i++) {
    const bits = at(8 + 4 * n + Math.floor(i / 16))!;
    if (((bits >> (i % 16)) & 1) === 0) continue;
    sx += signed(at(8 + 2 * n + i))!;
    sy += signed(at(8 + 3 * n + i))!;
    inFocus++;
  }
  if (inFocus === 0) return null;
  const clamp = (v: number) => Math.min(1, Math.max(0, Math.round(v * 1000) / 1000));
  return { x: clamp(0.5 + sx / inFocus / w), y: clamp(0.5 - sy / inFocus / h) };
}

/**
 * A point of the sensor's frame in the upright picture: EXIF orientation (1-8), then the
 * user's clockwise quarter turns, as the thumbnails are shown.
 */
export function uprightPoint(p: FocusPosition, orientation: number, rotation: number): FocusPosition {
  let { x, y } = p;
  // EXIF orientations as a transpose-free sequence: mirror, then clockwise turns.
  const turns: Record<number, [boolean, number]> = { 1: [false, 0], 2: [true, 0], 3: [false, 2], 4: [true, 2], 5: [true, 3], 6: [false, 1], 7: [true, 1], 8: [false, 3] };
  const [mirror, quarter] = turns[orientation] ?? [false, 0];
  if (mirror) x = 1 - x;
  for (let k = 0; k < (quarter + rotation) % 4; k++) [x, y] = [1 - y, x];
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return { x: round(x), y: round(y) };
}

/** The AF point of a file, upright; null when it records none this reader understands. */
export async function readFocusPoint(file: string, orientation: number, rotation: number): Promise<FocusPosition | null> {
  if (!/\.(cr2|jpe?g)$/i.test(file)) return null;
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buf, 0, HEAD_BYTES, 0);
    const p = canonAfPoint(buf.subarray(0, bytesRead));
    return p && uprightPoint(p, orientation, rotation);
  } finally {
    await handle.close();
  }
}

import { open } from 'node:fs/promises';
import type { FocusPosition } from '../db/types.js';
import { fujifilmAfPoint, nikonAfPoint, olympusAfPoint, sonyAfPoint } from './af-makers.js';
import { entry, makerNote, tiffOf, u16, type Entry, type Tiff } from './tiff-walk.js';

/*
 * The AF point a camera recorded, so the loupe can open where the camera focused (issue 13).
 * Hand-written: exifr returns maker notes only as raw bytes, and no npm package decodes the
 * makers' AF tables. Read from TIFF-based files (CR2, NEF, ARW, ORF, the JPEG inside a RAF,
 * and JPEGs' EXIF): Canon's AFInfo2 here, Nikon's, Sony's, Fujifilm's and Olympus's in
 * af-makers.ts. CR3's CMT3 box, Panasonic, Pentax and the rest are not read (the focus
 * point stays null, the loupe uses the sharpest tile). Every read is bounded by the bytes
 * read and every loop by a count (tiff-walk.ts).
 */

/** Bytes of the file read: a raw's or JPEG's EXIF and maker notes sit well inside this. */
const HEAD_BYTES = 256 * 1024;
const AF_INFO2 = 0x0026;

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
  const m = t && makerNote(t);
  return m ? canonNote(t, m.note) : null;
}

function canonNote(t: Tiff, note: Entry): FocusPosition | null {
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

/**
 * The AF point of a file's maker note in the sensor's frame, by its Make; null when none is
 * recorded or the data is not understood (never an exception, whatever the bytes).
 */
export function afPoint(buf: Buffer): FocusPosition | null {
  const t = tiffOf(buf);
  const m = t && makerNote(t);
  if (!m) return null;
  const make = m.make.toUpperCase();
  // No Make at all: read it as Canon's, as the Canon-only reader did.
  if (make.startsWith('CANON') || make === '') return canonNote(t, m.note);
  if (make.startsWith('NIKON')) return nikonAfPoint(t, m.note);
  if (make.startsWith('SONY')) return sonyAfPoint(t, m.model, m.note);
  if (make.startsWith('FUJIFILM')) return fujifilmAfPoint(t, m.exif, m.note);
  if (make.startsWith('OLYMPUS') || make.startsWith('OM DIGITAL')) return olympusAfPoint(t, m.note);
  return null;
}

/** The AF point of a file, upright; null when it records none this reader understands. */
export async function readFocusPoint(file: string, orientation: number, rotation: number): Promise<FocusPosition | null> {
  if (!/\.(cr2|nef|nrw|arw|sr2|orf|raf|jpe?g)$/i.test(file)) return null;
  const handle = await open(file, 'r');
  try {
    // Unfilled (zeroing 256 kB per photo was a cost of its own): only the bytes read are looked at.
    const buf = Buffer.allocUnsafe(HEAD_BYTES);
    const { bytesRead } = await handle.read(buf, 0, HEAD_BYTES, 0);
    let p: FocusPosition | null = null;
    try {
      p = afPoint(buf.subarray(0, bytesRead));
    } catch {
      // Bounds are checked on every read; this only guards a reader's oversight from failing an import.
    }
    return p && uprightPoint(p, orientation, rotation);
  } finally {
    await handle.close();
  }
}

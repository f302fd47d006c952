import type { FocusPosition } from '../db/types.js';
import { entry, i32, u16, u32, type Entry, type Tiff } from './tiff-walk.js';

/*
 * The AF point of Nikon, Sony, Fujifilm and Olympus maker notes, in the sensor's frame
 * (fractions of width and height, y down), from ExifTool's tables of each make. Each reader
 * gives null when the maker note lacks the tag or holds values out of range. Named points
 * (Nikon's AFInfo, Sony's 15-point sensor) have no coordinates in the file: namedPoint maps
 * the name to an approximate place.
 */

const round = (v: number) => Math.round(v * 1000) / 1000;
const frac = (x: number, y: number): FocusPosition | null =>
  Number.isFinite(x) && Number.isFinite(y) && x >= 0 && x <= 1 && y >= 0 && y <= 1 ? { x: round(x), y: round(y) } : null;

/**
 * Where a named AF point sits, roughly: the cameras' grids differ, so the name's words place
 * it (far left 0.2, mid-left 0.35, left 0.3, near left 0.4, centre 0.5 and the mirror images;
 * upper/top 1/3, lower/bottom 2/3 of the height).
 */
export function namedPoint(name: string): FocusPosition {
  const n = name.toLowerCase();
  const side = (s: 'left' | 'right') =>
    n.includes(`far ${s}`) ? 0.3 : n.includes(`mid-${s}`) ? 0.15 : n.includes(`near ${s}`) ? 0.1 : n.includes(s) ? 0.2 : 0;
  const x = 0.5 - side('left') + side('right');
  const y = /upper|top/.test(n) ? 1 / 3 : /lower|bottom/.test(n) ? 2 / 3 : 0.5;
  return { x: round(x), y: round(y) };
}

/** Nikon AFInfo's AFPoint / AFPointsInFocus bits (ExifTool Nikon AFInfo). */
export const NIKON_POINTS = ['Center', 'Top', 'Bottom', 'Mid-left', 'Mid-right', 'Upper-left', 'Upper-right', 'Lower-left', 'Lower-right', 'Far Left', 'Far Right'];
/** Sony CameraInfo3's AFPoint for the SLT and A560/A580 15-point sensor (ExifTool %afPoint15). */
export const SONY_POINTS = ['Upper-left', 'Left', 'Lower-left', 'Far Left', 'Top (horizontal)', 'Near Right', 'Center (horizontal)', 'Near Left',
  'Bottom (horizontal)', 'Top (vertical)', 'Center (vertical)', 'Bottom (vertical)', 'Far Right', 'Upper-right', 'Right', 'Lower-right', 'Upper-middle', 'Lower-middle'];
/** Sony AFPointSelected (0x201e) of SLT bodies, from 1 (0 is Auto: none chosen). */
export const SONY_SELECTED = ['Center', 'Top', 'Upper-right', 'Right', 'Lower-right', 'Bottom', 'Lower-left', 'Left', 'Upper-left', 'Far Right', 'Far Left',
  'Upper-middle', 'Near Right', 'Lower-middle', 'Near Left', 'Upper Far Right', 'Lower Far Right', 'Lower Far Left', 'Upper Far Left'];

/** The maker note's IFD: the Tiff its offsets count from and the IFD's offset in it. */
interface NoteIfd {
  t: Tiff;
  ifd: number;
}

/** A maker note whose own TIFF header starts `at` bytes in (Nikon type 3). */
function ownHeader(t: Tiff, note: Entry, at: number): NoteIfd | undefined {
  const base = note.value + at;
  const order = t.buf.toString('latin1', base, base + 2);
  if (order !== 'II' && order !== 'MM') return undefined;
  const own = { buf: t.buf, base, le: order === 'II' };
  const ifd = u32(own, base + 4);
  return ifd === undefined ? undefined : { t: own, ifd };
}

const startsWith = (t: Tiff, note: Entry, s: string) => t.buf.toString('latin1', note.value, note.value + s.length) === s;

/** Fujifilm FocusPixel (0x1023): x y in the full image's pixels; the Exif IFD gives that size. */
export function fujifilmAfPoint(t: Tiff, exif: number, note: Entry): FocusPosition | null {
  if (!startsWith(t, note, 'FUJIFILM')) return null;
  // Always little-endian, offsets from the maker note's start.
  const own = { buf: t.buf, base: note.value, le: true };
  const ifd = u32(own, note.value + 8);
  const e = ifd === undefined ? undefined : entry(own, ifd, 0x1023);
  if (!e || e.type !== 3 || e.count !== 2) return null;
  const dim = (tag: number) => {
    const d = entry(t, exif, tag);
    return !d || d.count !== 1 ? 0 : d.type === 3 ? u16(t, d.value)! : d.type === 4 ? u32(t, d.value)! : 0;
  };
  const w = dim(0xa002);
  const h = dim(0xa003);
  if (w === 0 || h === 0) return null;
  return frac(u16(own, e.value)! / w, u16(own, e.value + 2)! / h);
}

/**
 * Nikon: AFInfo2 (0x00b7) version 0100 gives the contrast-detect AF area's centre on an AF
 * image (live view); otherwise AFInfo (0x0088) names the point: the mean of the points in
 * focus when any is flagged, else the point selected in the single-area modes (in the
 * dynamic ones a point selected but not in focus says little about where the subject was).
 */
export function nikonAfPoint(t: Tiff, note: Entry): FocusPosition | null {
  const n: NoteIfd | undefined = startsWith(t, note, 'Nikon\0\x02') ? ownHeader(t, note, 10)
    : startsWith(t, note, 'Nikon\0') ? { t, ifd: note.value + 8 - t.base } : { t, ifd: note.value - t.base };
  if (!n) return null;
  const af2 = entry(n.t, n.ifd, 0x00b7);
  if (af2 && af2.type === 7 && af2.count >= 0x18 && n.t.buf.toString('latin1', af2.value, af2.value + 4) === '0100') {
    const [w, h, x, y] = [0x10, 0x12, 0x14, 0x16].map((k) => u16(n.t, af2.value + k)!);
    if (w && h && x && y) return frac(x / w, y / h);
  }
  const af = entry(n.t, n.ifd, 0x0088);
  if (!af || af.type !== 7 || af.count < 4) return null;
  const bits = u16(n.t, af.value + 2)!;
  const inFocus = NIKON_POINTS.filter((_, i) => (bits >> i) & 1);
  const mode = n.t.buf[af.value]!;
  // AFAreaMode 0 Single Area, 4 Single Area (wide).
  const chosen = mode === 0 || mode === 4 ? NIKON_POINTS[n.t.buf[af.value + 1]!] : undefined;
  const names = inFocus.length > 0 ? inFocus : chosen ? [chosen] : [];
  if (names.length === 0) return null;
  const pts = names.map(namedPoint);
  return frac(pts.reduce((s, p) => s + p.x, 0) / pts.length, pts.reduce((s, p) => s + p.y, 0) / pts.length);
}

/**
 * Sony: FocusLocation (0x2027: width, height, x, y of the image, playback zoom's centre);
 * otherwise, for the SLT and A560/A580 bodies, CameraInfo3's AFPoint (byte 0x20, the sensor
 * used), else on SLT bodies the point selected (0x201e), named.
 */
export function sonyAfPoint(t: Tiff, model: string, note: Entry): FocusPosition | null {
  const ifd = note.value + (startsWith(t, note, 'SONY DSC ') || startsWith(t, note, 'SONY CAM ') ? 12 : 0) - t.base;
  const loc = entry(t, ifd, 0x2027);
  if (loc && loc.type === 3 && loc.count === 4) {
    const [w, h, x, y] = [0, 2, 4, 6].map((k) => u16(t, loc.value + k)!);
    // 0 0 0 0 for panoramas: no point.
    if (w && h) return frac(x! / w, y! / h);
  }
  const info = entry(t, ifd, 0x0010);
  if (info && info.type === 7 && info.count === 15360 && /^(SLT-|DSLR-A(560|580))\b/.test(model)) {
    const used = SONY_POINTS[t.buf[info.value + 0x20]!];
    if (used) return namedPoint(used);
  }
  const selected = entry(t, ifd, 0x201e);
  if (!selected || selected.type !== 1 || selected.count !== 1 || !/^(SLT-|HV)/.test(model)) return null;
  const name = SONY_SELECTED[t.buf[selected.value]! - 1];
  return name ? namedPoint(name) : null;
}

/**
 * Olympus CameraSettings (0x2020, a sub-IFD) → AFPointSelected (0x0305): five signed
 * rationals, an unused one then the AF frame's left, top, right and bottom as fractions.
 * (FocusInfo, 0x2050, has FocusDistance under 0x0305, not the AF point.)
 */
export function olympusAfPoint(t: Tiff, note: Entry): FocusPosition | null {
  const own = (ifdAt: number): NoteIfd | undefined => {
    const order = t.buf.toString('latin1', note.value + ifdAt - 4, note.value + ifdAt - 2);
    return order === 'II' || order === 'MM' ? { t: { buf: t.buf, base: note.value, le: order === 'II' }, ifd: ifdAt } : undefined;
  };
  // New maker notes carry their byte order and count offsets from their own start; old ones ("OLYMP\0") from the TIFF's.
  const n = startsWith(t, note, 'OLYMPUS\0') ? own(12) : startsWith(t, note, 'OM SYSTEM\0') ? own(16)
    : startsWith(t, note, 'OLYMP\0') ? { t, ifd: note.value + 8 - t.base } : undefined;
  if (!n) return null;
  const cs = entry(n.t, n.ifd, 0x2020);
  if (!cs) return null;
  const sub = cs.type === 7 ? cs.value - n.t.base : cs.count === 1 && (cs.type === 13 || cs.type === 4) ? u32(n.t, cs.value) : undefined;
  const sel = sub === undefined ? undefined : entry(n.t, sub, 0x0305);
  if (!sel || sel.type !== 10 || sel.count !== 5) return null;
  const v = [1, 2, 3, 4].map((k) => i32(n.t, sel.value + 8 * k)! / i32(n.t, sel.value + 8 * k + 4)!);
  const [left, top, right, bottom] = v as [number, number, number, number];
  if (!(left <= right && top <= bottom) || (left === 0 && right === 0 && top === 0 && bottom === 0)) return null;
  return frac((left + right) / 2, (top + bottom) / 2);
}

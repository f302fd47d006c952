/*
 * A bounded walk over TIFF structures (a CR2/NEF/ARW/ORF file, a JPEG's APP1 Exif, a maker
 * note's own IFDs), for the AF point readers. Hand-written: exifr returns maker notes only as
 * raw bytes. Every read is bounded by the buffer: an offset outside it gives undefined, and
 * every loop by a count checked against MAX_ENTRIES, so a hostile file ends the walk, never
 * hangs it or throws.
 */

/** Entries of one IFD looked at: real ones have a few dozen (Sony's a few hundred). */
const MAX_ENTRIES = 512;
/** Bytes per value of each TIFF type (5/10 rationals, 13 a sub-IFD offset). */
const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 13: 4 };

export interface Tiff {
  buf: Buffer;
  /** Where offsets are counted from in buf (the TIFF header, or a maker note's start). */
  base: number;
  le: boolean;
}

export interface Entry {
  type: number;
  count: number;
  /** Where the value starts, absolute in buf; the whole value lies inside buf. */
  value: number;
}

export const u16 = (t: Tiff, at: number): number | undefined =>
  at >= 0 && at + 2 <= t.buf.length ? (t.le ? t.buf.readUInt16LE(at) : t.buf.readUInt16BE(at)) : undefined;
export const u32 = (t: Tiff, at: number): number | undefined =>
  at >= 0 && at + 4 <= t.buf.length ? (t.le ? t.buf.readUInt32LE(at) : t.buf.readUInt32BE(at)) : undefined;
export const i32 = (t: Tiff, at: number): number | undefined =>
  at >= 0 && at + 4 <= t.buf.length ? (t.le ? t.buf.readInt32LE(at) : t.buf.readInt32BE(at)) : undefined;

/** The entry `tag` of the IFD at `ifd` (relative to t.base). */
export function entry(t: Tiff, ifd: number, tag: number): Entry | undefined {
  const start = t.base + ifd;
  const n = u16(t, start);
  if (n === undefined || n > MAX_ENTRIES) return undefined;
  for (let i = 0; i < n; i++) {
    const e = start + 2 + i * 12;
    const id = u16(t, e);
    if (id === undefined) return undefined;
    if (id !== tag) continue;
    const type = u16(t, e + 2)!;
    const count = u32(t, e + 4);
    const size = TYPE_SIZE[type];
    if (count === undefined || size === undefined) return undefined;
    const value = size * count <= 4 ? e + 8 : t.base + (u32(t, e + 8) ?? Number.MAX_SAFE_INTEGER);
    return value + size * count <= t.buf.length ? { type, count, value } : undefined;
  }
  return undefined;
}

/** An ASCII entry's text up to its first NUL ('' when absent). */
export function text(t: Tiff, ifd: number, tag: number): string {
  const e = entry(t, ifd, tag);
  if (!e || e.type !== 2) return '';
  const s = t.buf.toString('latin1', e.value, e.value + Math.min(e.count, 256));
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

/** The TIFF structure of a TIFF-based raw (TIFF from byte 0), a JPEG's APP1 Exif, or a RAF's JPEG. */
export function tiffOf(buf: Buffer): Tiff | undefined {
  const header = (base: number): Tiff | undefined => {
    const order = buf.toString('latin1', base, base + 2);
    if (order !== 'II' && order !== 'MM') return undefined;
    const t = { buf, base, le: order === 'II' };
    return u16(t, base + 2) === 42 || u16(t, base + 2) === 0x4f52 ? t : undefined; // 0x4f52: Olympus ORF
  };
  if (buf.toString('latin1', 0, 16) === 'FUJIFILMCCD-RAW ' && buf.length >= 88) {
    // RAF: a big-endian header whose word at 84 is where its full-size JPEG (with the EXIF) starts.
    const jpeg = buf.readUInt32BE(84);
    return jpeg > 0 && jpeg < buf.length && buf[jpeg] === 0xff && buf[jpeg + 1] === 0xd8 ? tiffOf(buf.subarray(jpeg)) : undefined;
  }
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

/** The camera's Make and Model, the Exif IFD's offset and the maker note entry (undefined when any is missing). */
export function makerNote(t: Tiff): { make: string; model: string; exif: number; note: Entry } | undefined {
  const ifd0 = u32(t, t.base + 4);
  if (ifd0 === undefined) return undefined;
  const exif = entry(t, ifd0, 0x8769);
  const exifOffset = exif ? u32(t, exif.value) : undefined;
  if (exifOffset === undefined) return undefined;
  const note = entry(t, exifOffset, 0x927c);
  if (!note) return undefined;
  return { make: text(t, ifd0, 0x010f).trim(), model: text(t, ifd0, 0x0110).trim(), exif: exifOffset, note };
}

import { open } from 'node:fs/promises';

/**
 * Pixel size of the raw image in a TIFF-based raw (DNG, NEF, PEF, …). Their IFD0 often
 * describes a small preview and the raw data sits in a SubIFD, which exifr does not walk.
 * Hand-written: a bounded walk of IFD0, its chain and SubIFDs in the file's head, taking the
 * largest full-resolution image (NewSubfileType 0), DNG's DefaultCropSize where given.
 */

const HEAD_BYTES = 256 * 1024;
/**
 * What is read first: IFD0, its chain and SubIFDs sit in a raw's first few kB, and reading
 * (and zero-filling) 256 kB for each of them was most of this step's time in an import of
 * DNGs. The whole HEAD_BYTES is read only when the walk met an offset past the first read,
 * and then walked again: the result is the one the full head gives.
 */
const FIRST_BYTES = 64 * 1024;
const MAX_IFDS = 32;

const TAG = {
  newSubfileType: 0x00fe,
  imageWidth: 0x0100,
  imageLength: 0x0101,
  subIfds: 0x014a,
  defaultCropSize: 0xc620,
} as const;

interface Reader {
  u16(at: number): number;
  u32(at: number): number;
  ok(at: number, len: number): boolean;
}

/** `short` is set when something was looked for past the buffer's end (a longer head may hold it). */
function reader(buf: Buffer, little: boolean, seen: { short: boolean }): Reader {
  return {
    u16: (at) => (little ? buf.readUInt16LE(at) : buf.readUInt16BE(at)),
    u32: (at) => (little ? buf.readUInt32LE(at) : buf.readUInt32BE(at)),
    ok: (at, len) => {
      const inside = at >= 0 && at + len <= buf.length;
      if (!inside && at >= 0) seen.short = true;
      return inside;
    },
  };
}

/** The numeric values of one IFD entry (SHORT, LONG, RATIONAL or IFD), when in the buffer. */
function values(r: Reader, entry: number): number[] {
  const type = r.u16(entry + 2);
  const count = r.u32(entry + 4);
  const size = type === 3 ? 2 : type === 4 || type === 13 ? 4 : type === 5 ? 8 : 0;
  if (size === 0 || count === 0 || count > 64) return [];
  const at = size * count <= 4 ? entry + 8 : r.u32(entry + 8);
  if (!r.ok(at, size * count)) return [];
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const p = at + i * size;
    if (type === 3) out.push(r.u16(p));
    else if (type === 5) {
      const den = r.u32(p + 4);
      out.push(den ? r.u32(p) / den : 0);
    } else out.push(r.u32(p));
  }
  return out;
}

export function rawSizeFromTiff(buf: Buffer): { width: number; height: number } | null {
  return walkTiff(buf).best;
}

function walkTiff(buf: Buffer): { best: { width: number; height: number } | null; short: boolean } {
  const state = { short: false };
  return { best: largestImage(buf, state), short: state.short };
}

function largestImage(buf: Buffer, state: { short: boolean }): { width: number; height: number } | null {
  if (buf.length < 8) {
    state.short = true;
    return null;
  }
  const order = buf.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') return null;
  const r = reader(buf, order === 'II', state);
  const queue = [r.u32(4)];
  const seen = new Set<number>();
  let best: { width: number; height: number } | null = null;
  while (queue.length && seen.size < MAX_IFDS) {
    const ifd = queue.shift()!;
    if (ifd === 0 || seen.has(ifd) || !r.ok(ifd, 2)) continue;
    seen.add(ifd);
    const n = r.u16(ifd);
    if (!r.ok(ifd + 2, n * 12 + 4)) continue;
    let subfileType = 0;
    let width = 0;
    let height = 0;
    let crop: number[] = [];
    for (let i = 0; i < n; i++) {
      const entry = ifd + 2 + i * 12;
      const tag = r.u16(entry);
      if (tag === TAG.newSubfileType) subfileType = values(r, entry)[0] ?? 0;
      else if (tag === TAG.imageWidth) width = values(r, entry)[0] ?? 0;
      else if (tag === TAG.imageLength) height = values(r, entry)[0] ?? 0;
      else if (tag === TAG.subIfds) queue.push(...values(r, entry));
      else if (tag === TAG.defaultCropSize) crop = values(r, entry);
    }
    queue.push(r.u32(ifd + 2 + n * 12));
    if (subfileType !== 0 || width <= 0 || height <= 0) continue;
    const size =
      crop.length === 2 && crop[0]! > 0 && crop[1]! > 0
        ? { width: Math.round(crop[0]!), height: Math.round(crop[1]!) }
        : { width, height };
    if (!best || size.width * size.height > best.width * best.height) best = size;
  }
  return best;
}

export async function readRawSize(file: string): Promise<{ width: number; height: number } | null> {
  const fh = await open(file, 'r');
  try {
    for (let size = FIRST_BYTES; ; size = HEAD_BYTES) {
      // Unfilled: only the bytes read are ever looked at.
      const buf = Buffer.allocUnsafe(size);
      const { bytesRead } = await fh.read(buf, 0, size, 0);
      const walk = walkTiff(buf.subarray(0, bytesRead));
      if (!walk.short || bytesRead < size || size >= HEAD_BYTES) return walk.best;
    }
  } finally {
    await fh.close();
  }
}

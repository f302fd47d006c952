import type { FileReader } from './file-reader.js';

/** A byte range that may hold a JPEG, found in a container's structure. */
export interface PreviewCandidate {
  offset: number;
  /** Declared length; null when only the start is known (the JPEG's own EOI ends it). */
  length: number | null;
  /** Where it was found, for details and tests, e.g. "IFD0 JPEGInterchangeFormat". */
  origin: string;
}

export interface TiffInfo {
  /** IFD0 Orientation, when present and 1-8. */
  orientation: number | null;
  /** IFD0 carries DNGVersion. */
  isDng: boolean;
  /** Largest width×height declared by any IFD (the sensor for raws): guards decoding. */
  maxPixels: number;
  /** Width and height of that largest image. */
  maxSize: { width: number; height: number } | null;
  /** Width and height of IFD0's image, when declared (the main image of a plain TIFF). */
  ifd0Size: { width: number; height: number } | null;
  /** IFD1 thumbnail (JPEGInterchangeFormat in the second IFD of the chain). */
  ifd1Thumbnail: PreviewCandidate | null;
  candidates: PreviewCandidate[];
}

const TYPE_SIZES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4 };
/*
 * Bounds of the walk, whatever the file says: IFDs visited once each (by offset) and at most
 * MAX_IFDS of them; entries per IFD, values per tag, SubIFDs per IFD and IFDs waiting in the
 * queue capped; every read clamped to the file. A chain that loops (IFD1 -> IFD0), a count of
 * 65535 entries or 2^32 values costs at most these, never a loop.
 */
const MAX_IFDS = 64;
const MAX_ENTRIES = 4096;
const MAX_VALUES = 4096;
const MAX_SUB_IFDS = 16;
const MAX_QUEUED = 256;

const TAG = {
  subfileType: 0xfe,
  width: 0x100,
  height: 0x101,
  compression: 0x103,
  stripOffsets: 0x111,
  orientation: 0x112,
  stripByteCounts: 0x117,
  subIfds: 0x14a,
  jpegOffset: 0x201,
  jpegLength: 0x202,
  exifIfd: 0x8769,
  dngVersion: 0xc612,
  /** Panasonic RW2 JpgFromRaw: the whole embedded JPEG as an UNDEFINED value. */
  rw2JpgFromRaw: 0x2e,
} as const;

/**
 * The TIFF magic variants raws use: II*\0 / MM\0* (TIFF, DNG, CR2, NEF, ARW, PEF, SRW, …),
 * IIRO / IIRS / MMOR (Olympus ORF), IIU\0 (Panasonic RW2).
 */
export function tiffByteOrder(head: Buffer): 'LE' | 'BE' | null {
  if (head.length < 8) return null;
  const a = head.readUInt16BE(0);
  const m = head.readUInt16BE(2);
  if (a === 0x4949 && (m === 0x2a00 || m === 0x524f || m === 0x5253 || m === 0x5500)) return 'LE';
  if (a === 0x4d4d && (m === 0x002a || m === 0x4f52)) return 'BE';
  return null;
}

interface Entry {
  tag: number;
  type: number;
  count: number;
  /** Absolute file offset of the value (inline values point into the entry). */
  valueAt: number;
}

/**
 * Walks a TIFF structure (IFD chain, SubIFDs, EXIF IFD) starting at `base` in the file and
 * collects every JPEG byte range its standard tags declare. Hand-written rather than taken
 * from exifr: exifr extracts IFD1 thumbnails only, not the large previews raws keep in
 * IFD0/SubIFDs/strips, and we need offsets (not copies) so we read only the preview chosen.
 * Every offset and count is untrusted: checked against the file size, loops and counts bounded.
 */
export async function readTiff(reader: FileReader, base = 0): Promise<TiffInfo | null> {
  const head = await reader.read(base, 8);
  const order = tiffByteOrder(head);
  if (!order) return null;
  const le = order === 'LE';
  const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));

  const info: TiffInfo = { orientation: null, isDng: false, maxPixels: 0, maxSize: null, ifd0Size: null, ifd1Thumbnail: null, candidates: [] };
  const seen = new Set<number>();
  // (absolute offset, label, position in the main chain or -1)
  const queue: Array<{ at: number; label: string; chainIndex: number }> = [
    { at: base + u32(head, 4), label: 'IFD0', chainIndex: 0 },
  ];

  async function values(e: Entry): Promise<number[]> {
    const size = TYPE_SIZES[e.type];
    if (!size || e.count === 0) return [];
    const n = Math.min(e.count, MAX_VALUES);
    if (e.type !== 3 && e.type !== 4 && e.type !== 13 && e.type !== 1 && e.type !== 7) return [];
    if (e.valueAt < 0 || e.valueAt >= reader.size) return [];
    const buf = await reader.read(e.valueAt, n * size);
    const out: number[] = [];
    for (let i = 0; i + size <= buf.length && out.length < n; i += size) {
      out.push(size === 1 ? (buf[i] ?? 0) : size === 2 ? u16(buf, i) : u32(buf, i));
    }
    return out;
  }

  const enqueue = (item: { at: number; label: string; chainIndex: number }) => {
    if (queue.length < MAX_QUEUED && !seen.has(item.at)) queue.push(item);
  };

  while (queue.length > 0 && seen.size < MAX_IFDS) {
    const item = queue.shift();
    if (!item) break;
    const { at, label, chainIndex } = item;
    if (seen.has(at) || at < base || at + 2 > reader.size) continue;
    seen.add(at);
    const countBuf = await reader.read(at, 2);
    if (countBuf.length < 2) continue;
    const count = Math.min(u16(countBuf, 0), MAX_ENTRIES);
    const table = await reader.read(at + 2, count * 12 + 4);
    const entries = new Map<number, Entry>();
    for (let i = 0; i + 12 <= table.length && i < count * 12; i += 12) {
      const tag = u16(table, i);
      const type = u16(table, i + 2);
      const cnt = u32(table, i + 4);
      const size = (TYPE_SIZES[type] ?? 1) * cnt;
      const valueAt = size <= 4 ? at + 2 + i + 8 : base + u32(table, i + 8);
      entries.set(tag, { tag, type, count: cnt, valueAt });
    }
    const first = async (tag: number): Promise<number | null> => {
      const e = entries.get(tag);
      if (!e) return null;
      const v = await values(e);
      return v[0] ?? null;
    };

    const width = await first(TAG.width);
    const height = await first(TAG.height);
    if (width && height) {
      if (width * height > info.maxPixels) {
        info.maxPixels = width * height;
        info.maxSize = { width, height };
      }
      if (label === 'IFD0') info.ifd0Size = { width, height };
    }
    if (label === 'IFD0') {
      const o = await first(TAG.orientation);
      if (o !== null && o >= 1 && o <= 8) info.orientation = o;
      info.isDng = entries.has(TAG.dngVersion);
    }

    const jpegOffset = await first(TAG.jpegOffset);
    const jpegLength = await first(TAG.jpegLength);
    if (jpegOffset && jpegLength) {
      const cand = { offset: base + jpegOffset, length: jpegLength, origin: `${label} JPEGInterchangeFormat` };
      info.candidates.push(cand);
      if (chainIndex === 1) info.ifd1Thumbnail = cand;
    }

    const compression = await first(TAG.compression);
    if (compression === 6 || compression === 7) {
      const offsets = entries.get(TAG.stripOffsets);
      const counts = entries.get(TAG.stripByteCounts);
      // A JPEG in one strip is a whole JPEG file; several strips are separate JPEG tiles/raw slices.
      if (offsets && counts && offsets.count === 1 && counts.count === 1) {
        const o = (await values(offsets))[0];
        const n = (await values(counts))[0];
        if (o && n) info.candidates.push({ offset: base + o, length: n, origin: `${label} strip (compression ${compression})` });
      }
    }

    const rw2 = entries.get(TAG.rw2JpgFromRaw);
    if (rw2 && (rw2.type === 7 || rw2.type === 1) && rw2.count > 4) {
      info.candidates.push({ offset: rw2.valueAt, length: rw2.count, origin: `${label} RW2 JpgFromRaw` });
    }

    const sub = entries.get(TAG.subIfds);
    if (sub) {
      const offs = await values({ ...sub, count: Math.min(sub.count, MAX_SUB_IFDS) });
      offs.forEach((o, i) => enqueue({ at: base + o, label: `${label}.SubIFD${i}`, chainIndex: -1 }));
    }
    const exif = entries.get(TAG.exifIfd);
    if (exif) {
      const o = (await values(exif))[0];
      if (o) enqueue({ at: base + o, label: `${label}.EXIF`, chainIndex: -1 });
    }
    if (chainIndex >= 0) {
      const nextBuf = table.subarray(count * 12, count * 12 + 4);
      if (nextBuf.length === 4) {
        const next = u32(nextBuf, 0);
        if (next !== 0) enqueue({ at: base + next, label: `IFD${chainIndex + 1}`, chainIndex: chainIndex + 1 });
      }
    }
  }
  return info;
}

/*
 * Where a file claims sizes: the length, count and offset fields of its container, found by
 * walking it the way a reader does. The mutator overwrites them with huge, zero or
 * self-referencing values, which is how real parsers get driven into loops and giant
 * allocations. Each walk is bounded (field and depth caps) and never trusts what it reads.
 */

export type FieldRole =
  | 'length' // a byte count of what follows
  | 'count' // a number of entries
  | 'offset' // where something else starts
  | 'dimension' // a pixel width or height
  | 'bmff-size'; // an ISO-BMFF box size (0 = to the end of the file, 1 = a 64-bit size follows)

export interface SizeField {
  pos: number;
  width: 2 | 3 | 4;
  le: boolean;
  role: FieldRole;
  /** What it belongs to, for the mutant's description (e.g. "PNG IHDR length"). */
  what: string;
}

const MAX_FIELDS = 2000;

function u16(b: Buffer, pos: number, le: boolean): number {
  return le ? b.readUInt16LE(pos) : b.readUInt16BE(pos);
}
function u32(b: Buffer, pos: number, le: boolean): number {
  return le ? b.readUInt32LE(pos) : b.readUInt32BE(pos);
}

function jpegFields(b: Buffer, out: SizeField[]): void {
  let pos = 2;
  while (pos + 4 <= b.length && out.length < MAX_FIELDS) {
    if (b[pos] !== 0xff) return;
    const marker = b[pos + 1]!;
    if (marker === 0xff) {
      pos++;
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2;
      continue;
    }
    if (marker === 0xd9) return;
    const len = b.readUInt16BE(pos + 2);
    const name = `JPEG FF${marker.toString(16).toUpperCase()}`;
    out.push({ pos: pos + 2, width: 2, le: false, role: 'length', what: `${name} segment length` });
    // SOF0-SOF15 (not DHT C4, JPG C8, DAC CC): precision, height, width.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc && pos + 9 <= b.length) {
      out.push({ pos: pos + 5, width: 2, le: false, role: 'dimension', what: `${name} height` });
      out.push({ pos: pos + 7, width: 2, le: false, role: 'dimension', what: `${name} width` });
    }
    if (marker === 0xe1 && b.toString('latin1', pos + 4, pos + 10) === 'Exif\0\0') {
      tiffFields(b, pos + 10, out, 'EXIF ');
    }
    if (marker === 0xda) return; // entropy-coded data follows
    pos += 2 + len;
  }
}

function pngFields(b: Buffer, out: SizeField[]): void {
  let pos = 8;
  while (pos + 8 <= b.length && out.length < MAX_FIELDS) {
    const len = b.readUInt32BE(pos);
    const type = b.toString('latin1', pos + 4, pos + 8);
    out.push({ pos, width: 4, le: false, role: 'length', what: `PNG ${type} length` });
    if (type === 'IHDR' && pos + 16 <= b.length) {
      out.push({ pos: pos + 8, width: 4, le: false, role: 'dimension', what: 'PNG IHDR width' });
      out.push({ pos: pos + 12, width: 4, le: false, role: 'dimension', what: 'PNG IHDR height' });
    }
    if (type === 'IEND') return;
    pos += 12 + len;
  }
}

/** TIFF at `base` (a whole TIFF file, or the TIFF inside a JPEG's EXIF segment). */
export function tiffFields(b: Buffer, base: number, out: SizeField[], prefix = ''): void {
  if (base + 8 > b.length) return;
  const order = b.toString('latin1', base, base + 2);
  if (order !== 'II' && order !== 'MM') return;
  const le = order === 'II';
  out.push({ pos: base + 4, width: 4, le, role: 'offset', what: `${prefix}TIFF IFD0 offset` });
  const seen = new Set<number>();
  const queue: { off: number; name: string }[] = [{ off: u32(b, base + 4, le), name: 'IFD0' }];
  while (queue.length && seen.size < 32 && out.length < MAX_FIELDS) {
    const { off, name } = queue.shift()!;
    const at = base + off;
    if (off === 0 || seen.has(at) || at + 2 > b.length) continue;
    seen.add(at);
    const n = u16(b, at, le);
    out.push({ pos: at, width: 2, le, role: 'count', what: `${prefix}TIFF ${name} entry count` });
    for (let i = 0; i < n && at + 2 + 12 * i + 12 <= b.length && i < 200; i++) {
      const e = at + 2 + 12 * i;
      const tag = u16(b, e, le);
      const type = u16(b, e + 2, le);
      const tagName = `${prefix}TIFF ${name} tag ${tag}`;
      out.push({ pos: e + 4, width: 4, le, role: 'count', what: `${tagName} value count` });
      out.push({ pos: e + 8, width: 4, le, role: 'offset', what: `${tagName} value offset` });
      // ImageWidth, ImageLength, StripByteCounts, JPEGInterchangeFormatLength, TileWidth/Length.
      if (tag === 256 || tag === 257 || tag === 322 || tag === 323) {
        out.push({ pos: e + 8, width: type === 3 ? 2 : 4, le, role: 'dimension', what: `${tagName} (pixels)` });
      }
      if (tag === 279 || tag === 514) out.push({ pos: e + 8, width: 4, le, role: 'length', what: `${tagName} (bytes)` });
      // SubIFDs, ExifIFD, GPS, Interop: follow them.
      if (tag === 330 || tag === 34665 || tag === 34853 || tag === 40965) {
        const count = u32(b, e + 4, le);
        if (count === 1) queue.push({ off: u32(b, e + 8, le), name: `IFD@tag${tag}` });
        else if (count > 1 && count < 8) {
          const arr = base + u32(b, e + 8, le);
          for (let k = 0; k < count && arr + 4 * k + 4 <= b.length; k++) {
            queue.push({ off: u32(b, arr + 4 * k, le), name: `SubIFD${k}` });
          }
        }
      }
    }
    const next = at + 2 + 12 * n;
    if (next + 4 <= b.length) {
      out.push({ pos: next, width: 4, le, role: 'offset', what: `${prefix}TIFF ${name} next-IFD offset` });
      queue.push({ off: u32(b, next, le), name: `${name}+next` });
    }
  }
}

const BMFF_CONTAINERS = new Set([
  'moov', 'trak', 'mdia', 'minf', 'stbl', 'dinf', 'edts', 'udta', 'iprp', 'ipco', 'moof', 'traf', 'mvex',
]);
/** Full boxes with children after their 4-byte version/flags (iinf also has an entry count). */
const BMFF_FULL_CONTAINERS = new Set(['meta', 'iref']);

function bmffFields(b: Buffer, start: number, end: number, depth: number, out: SizeField[]): void {
  let pos = start;
  while (pos + 8 <= end && out.length < MAX_FIELDS) {
    let size = b.readUInt32BE(pos);
    const type = b.toString('latin1', pos + 4, pos + 8);
    let header = 8;
    out.push({ pos, width: 4, le: false, role: 'bmff-size', what: `BMFF ${type} box size` });
    if (size === 1 && pos + 16 <= end) {
      out.push({ pos: pos + 12, width: 4, le: false, role: 'length', what: `BMFF ${type} largesize (low word)` });
      size = Number(b.readBigUInt64BE(pos + 8));
      header = 16;
    } else if (size === 0) size = end - pos;
    if (size < header || pos + size > end) return;
    if (depth < 6) {
      if (BMFF_CONTAINERS.has(type)) bmffFields(b, pos + header, pos + size, depth + 1, out);
      else if (BMFF_FULL_CONTAINERS.has(type)) bmffFields(b, pos + header + 4, pos + size, depth + 1, out);
      else if (type === 'iinf' && pos + header + 6 <= end) {
        out.push({ pos: pos + header + 4, width: 2, le: false, role: 'count', what: 'BMFF iinf entry count' });
        bmffFields(b, pos + header + 6, pos + size, depth + 1, out);
      } else if (type === 'iloc' && pos + header + 8 <= end) {
        out.push({ pos: pos + header + 6, width: 2, le: false, role: 'count', what: 'BMFF iloc item count' });
      } else if (type === 'ispe' && pos + header + 12 <= end) {
        out.push({ pos: pos + header + 4, width: 4, le: false, role: 'dimension', what: 'BMFF ispe width' });
        out.push({ pos: pos + header + 8, width: 4, le: false, role: 'dimension', what: 'BMFF ispe height' });
      } else if (type === 'uuid') {
        // Canon CR3: children after the 16-byte UUID (and 8 more bytes in the preview uuid).
        bmffFields(b, pos + header + 16, pos + size, depth + 1, out);
      } else if (type === 'CMT1' || type === 'CMT2' || type === 'CMT3' || type === 'CMT4') {
        tiffFields(b, pos + header, out, `CR3 ${type} `);
      }
    }
    pos += size;
  }
}

function riffFields(b: Buffer, out: SizeField[]): void {
  out.push({ pos: 4, width: 4, le: true, role: 'length', what: 'RIFF size' });
  let pos = 12;
  while (pos + 8 <= b.length && out.length < MAX_FIELDS) {
    const type = b.toString('latin1', pos, pos + 4);
    out.push({ pos: pos + 4, width: 4, le: true, role: 'length', what: `WebP ${type} chunk size` });
    if (type === 'VP8X' && pos + 18 <= b.length) {
      out.push({ pos: pos + 12, width: 3, le: true, role: 'dimension', what: 'WebP VP8X canvas width-1' });
      out.push({ pos: pos + 15, width: 3, le: true, role: 'dimension', what: 'WebP VP8X canvas height-1' });
    }
    pos += 8 + b.readUInt32LE(pos + 4) + (b.readUInt32LE(pos + 4) & 1);
  }
}

function gifFields(b: Buffer, out: SizeField[]): void {
  out.push({ pos: 6, width: 2, le: true, role: 'dimension', what: 'GIF screen width' });
  out.push({ pos: 8, width: 2, le: true, role: 'dimension', what: 'GIF screen height' });
  // First image descriptor: after the global colour table, skipping extension blocks.
  let pos = 13 + (b[10]! & 0x80 ? 3 << ((b[10]! & 7) + 1) : 0);
  while (pos < b.length && out.length < 64) {
    if (b[pos] === 0x21) {
      pos += 2;
      while (pos < b.length && b[pos] !== 0) {
        out.push({ pos, width: 2, le: true, role: 'length', what: 'GIF sub-block size' });
        pos += 1 + b[pos]!;
      }
      pos++;
    } else if (b[pos] === 0x2c && pos + 9 <= b.length) {
      out.push({ pos: pos + 5, width: 2, le: true, role: 'dimension', what: 'GIF image width' });
      out.push({ pos: pos + 7, width: 2, le: true, role: 'dimension', what: 'GIF image height' });
      return;
    } else return;
  }
}

function ciffFields(b: Buffer, out: SizeField[]): void {
  const le = b.toString('latin1', 0, 2) === 'II';
  out.push({ pos: 2, width: 4, le, role: 'offset', what: 'CIFF header length' });
  const heapStart = u32(b, 2, le);
  if (b.length < 4 || heapStart >= b.length) return;
  out.push({ pos: b.length - 4, width: 4, le, role: 'offset', what: 'CIFF record table offset' });
  const table = heapStart + u32(b, b.length - 4, le);
  if (table + 2 > b.length) return;
  out.push({ pos: table, width: 2, le, role: 'count', what: 'CIFF record count' });
  const n = Math.min(u16(b, table, le), 64);
  for (let i = 0; i < n && table + 2 + 10 * i + 10 <= b.length; i++) {
    const r = table + 2 + 10 * i;
    out.push({ pos: r + 2, width: 4, le, role: 'length', what: `CIFF record ${i} size` });
    out.push({ pos: r + 6, width: 4, le, role: 'offset', what: `CIFF record ${i} offset` });
  }
}

function rafFields(b: Buffer, out: SizeField[]): void {
  for (const [pos, what] of [
    [84, 'RAF JPEG offset'],
    [88, 'RAF JPEG length'],
    [92, 'RAF CFA header offset'],
    [96, 'RAF CFA header length'],
    [100, 'RAF CFA offset'],
    [104, 'RAF CFA length'],
  ] as const) {
    if (pos + 4 <= b.length) out.push({ pos, width: 4, le: false, role: pos % 8 === 4 ? 'offset' : 'length', what });
  }
  const jpeg = b.length >= 92 ? b.readUInt32BE(84) : 0;
  if (jpeg > 0 && jpeg + 4 < b.length && b[jpeg] === 0xff && b[jpeg + 1] === 0xd8) {
    const inner: SizeField[] = [];
    jpegFields(b.subarray(jpeg), inner);
    for (const f of inner) out.push({ ...f, pos: f.pos + jpeg, what: `RAF embedded ${f.what}` });
  }
}

/** Every size, count, offset and dimension field the container's readers will trust. */
export function findSizeFields(b: Buffer): SizeField[] {
  const out: SizeField[] = [];
  if (b.length < 8) return out;
  const head4 = b.toString('latin1', 0, 4);
  if (b[0] === 0xff && b[1] === 0xd8) jpegFields(b, out);
  else if (b.readUInt32BE(0) === 0x89504e47) pngFields(b, out);
  else if (head4 === 'II*\0' || head4 === 'MM\0*' || head4 === 'IIRO' || head4 === 'IIU\0' || head4 === 'IIRS' || head4 === 'MMOR')
    tiffFields(b, 0, out);
  else if (b.toString('latin1', 4, 8) === 'ftyp') bmffFields(b, 0, b.length, 0, out);
  else if (head4 === 'RIFF') riffFields(b, out);
  else if (head4 === 'GIF8') gifFields(b, out);
  else if (b.length > 14 && b.toString('latin1', 6, 14) === 'HEAPCCDR') ciffFields(b, out);
  else if (b.toString('latin1', 0, 15) === 'FUJIFILMCCD-RAW') rafFields(b, out);
  return out.filter((f) => f.pos >= 0 && f.pos + f.width <= b.length);
}

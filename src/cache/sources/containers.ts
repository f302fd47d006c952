import type { FileReader } from './file-reader.js';
import type { PreviewCandidate } from './tiff.js';

/*
 * Preview locations in the non-TIFF raw containers. Hand-written for the same reason as
 * tiff.ts (no maintained npm library returns raw preview offsets), each bounded: box and
 * record counts are capped, offsets checked against the enclosing range and the file.
 */

const MAX_BOXES = 512;

export interface Cr3Scan {
  candidates: PreviewCandidate[];
  /**
   * A box no decoder gets past, when there is one: a 64-bit size smaller than its own header
   * (LibRaw 0.20's CR3 parser loops forever on a largesize of 0, in raw-identify and dcraw_emu).
   */
  broken: string | null;
}

/** Boxes whose body is a list of boxes from its first byte (ISO/IEC 14496-12). */
const PLAIN_CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'dinf', 'edts', 'udta']);

/**
 * Canon CR3 (ISO base media file): the PRVW box (≈1620 px) inside a top-level uuid box and the
 * THMB box (160 px) inside moov's Canon uuid box. Each holds a small header then the JPEG.
 * The walk always advances (a box is at least its header; size 0 runs to the parent's end)
 * and reads at most MAX_BOXES box headers, nested 8 deep at most. The plain containers are
 * all walked (LibRaw parses them), so a box LibRaw would loop on is found wherever it is.
 */
export async function cr3Candidates(reader: FileReader): Promise<Cr3Scan> {
  const out: PreviewCandidate[] = [];
  let broken: string | null = null;
  let budget = MAX_BOXES;
  /** `aligned`: start is known to be a box boundary (not a guessed offset inside a uuid box). */
  async function walk(start: number, end: number, depth: number, aligned: boolean): Promise<void> {
    let pos = start;
    while (pos + 8 <= end && budget-- > 0) {
      const head = await reader.read(pos, 16);
      if (head.length < 8) return;
      let size = head.readUInt32BE(0);
      const type = head.toString('latin1', 4, 8);
      let headerLen = 8;
      if (size === 1) {
        if (head.length < 16) return;
        const big = head.readBigUInt64BE(8);
        if (big < 16n) {
          // Only where a box must be: bytes at a guessed offset can look like anything.
          if (aligned) broken ??= `CR3 box '${type.replace(/[^\x20-\x7e]/g, '?')}' at ${pos} has a 64-bit size of ${big}, smaller than its header`;
          return;
        }
        if (big > BigInt(Number.MAX_SAFE_INTEGER)) return;
        size = Number(big);
        headerLen = 16;
      } else if (size === 0) size = end - pos;
      if (size < headerLen || pos + size > end) return;
      const bodyStart = pos + headerLen;
      const boxEnd = pos + size;
      if (type === 'PRVW' || type === 'THMB') {
        const body = await reader.read(bodyStart, 64);
        const soi = body.indexOf(Buffer.from([0xff, 0xd8, 0xff]));
        if (soi !== -1) out.push({ offset: bodyStart + soi, length: boxEnd - (bodyStart + soi), origin: `CR3 ${type}` });
      } else if (depth < 3 && (type === 'moov' || type === 'uuid')) {
        // uuid boxes: 16-byte UUID, then (for the preview uuid) 8 bytes before the child boxes.
        const uuidEnd = bodyStart + 16;
        await walk(uuidEnd, boxEnd, depth + 1, false);
        if (type === 'uuid') await walk(uuidEnd + 8, boxEnd, depth + 1, false);
        if (type === 'moov') await walk(bodyStart, boxEnd, depth + 1, aligned);
      } else if (depth < 8 && aligned && PLAIN_CONTAINERS.has(type)) {
        await walk(bodyStart, boxEnd, depth + 1, true);
      }
      pos = boxEnd;
    }
  }
  await walk(0, reader.size, 0, true);
  return { candidates: out, broken };
}

/** Fujifilm RAF: a fixed header with the JPEG's offset and length at 84 and 88 (big-endian). */
export async function rafCandidates(reader: FileReader): Promise<PreviewCandidate[]> {
  const head = await reader.read(0, 92);
  if (head.length < 92) return [];
  const offset = head.readUInt32BE(84);
  const length = head.readUInt32BE(88);
  if (offset === 0 || length === 0) return [];
  return [{ offset, length, origin: 'RAF header JPEG' }];
}


/**
 * Canon CRW (CIFF): a heap whose last 4 bytes point at a record table; records of type
 * 0x2007 are JpgFromRaw, types 0x28xx/0x30xx are sub-heaps.
 */
export async function crwCandidates(reader: FileReader): Promise<PreviewCandidate[]> {
  const head = await reader.read(0, 14);
  if (head.length < 14 || head.toString('latin1', 6, 14) !== 'HEAPCCDR') return [];
  const le = head.readUInt16BE(0) === 0x4949;
  const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const out: PreviewCandidate[] = [];
  // Records read in all, over every heap: a heap that lists itself as a sub-heap recurses at
  // most 4 deep and stops when the budget is spent.
  let budget = MAX_BOXES;
  async function heap(start: number, length: number, depth: number): Promise<void> {
    if (depth > 4 || length < 6 || start + length > reader.size) return;
    const tail = await reader.read(start + length - 4, 4);
    if (tail.length < 4) return;
    const table = start + u32(tail, 0);
    if (table + 2 > start + length) return;
    const countBuf = await reader.read(table, 2);
    const count = Math.min(u16(countBuf, 0), 1024);
    const recs = await reader.read(table + 2, count * 10);
    for (let i = 0; i + 10 <= recs.length && budget-- > 0; i += 10) {
      const tag = u16(recs, i);
      if ((tag & 0xc000) !== 0) continue; // value stored inside the record itself
      const size = u32(recs, i + 2);
      const off = start + u32(recs, i + 6);
      if (off + size > start + length) continue;
      const type = tag & 0x3fff;
      if (type === 0x2007) out.push({ offset: off, length: size, origin: 'CRW JpgFromRaw' });
      const kind = (type >> 8) & 0x38;
      if (kind === 0x28 || kind === 0x30) await heap(off, size, depth + 1);
    }
  }
  await heap(u32(head, 2), reader.size - u32(head, 2), 0);
  return out;
}

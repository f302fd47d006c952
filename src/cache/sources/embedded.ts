import { crwCandidates, cr3Candidates, rafCandidates } from './containers.js';
import type { FileReader } from './file-reader.js';
import { DECODABLE_SOF, findJpegEnd, readJpegHeader } from './jpeg-header.js';
import type { FileKind } from './sniff.js';
import { readTiff, type PreviewCandidate, type TiffInfo } from './tiff.js';

export interface EmbeddedPreview {
  offset: number;
  length: number;
  width: number;
  height: number;
  origin: string;
}

export interface EmbeddedScan {
  /** Decodable JPEG previews, largest first. */
  previews: EmbeddedPreview[];
  /** The TIFF structure, when the file has one (orientation, DNG flag, declared sensor size). */
  tiff: TiffInfo | null;
  /** Why the raw data must not be handed to LibRaw (a structure it loops on), or null. */
  broken: string | null;
}

/** Skip the last-resort SOI scan on files bigger than this: reading them whole costs more than decoding. */
const SCAN_LIMIT = 256 * 1024 * 1024;
const SCAN_CHUNK = 4 * 1024 * 1024;
const MAX_SCAN_HITS = 64;
/**
 * SOI markers tried at most: each costs a header walk of up to 256 markers, and a file made of
 * FF D8 FF repeated has one every 3 bytes. Real raws have a handful outside their previews.
 */
const MAX_SOI_TRIES = 512;
/** Scan the whole file only when the structure gave no preview at least this big (long edge). */
const SCAN_BELOW = 256;

/** Checks a declared range really starts with a decodable JPEG header and knows its pixel size. */
async function validate(reader: FileReader, c: PreviewCandidate): Promise<EmbeddedPreview | null> {
  if (c.offset < 0 || c.offset >= reader.size) return null;
  // A declared range small enough is read whole now: its header is walked from it, and its
  // bytes are there when it is the one decoded.
  if (c.length) await reader.prefetch(c.offset, c.length);
  const header = await readJpegHeader(reader, c.offset);
  if (!header || !DECODABLE_SOF.has(header.sof)) return null;
  let length = c.length ?? (await findJpegEnd(reader, header.scanStart)) - c.offset;
  length = Math.min(length, reader.size - c.offset);
  if (length <= 0 || header.scanStart >= c.offset + length) return null;
  return { offset: c.offset, length, width: header.width, height: header.height, origin: c.origin };
}

/**
 * Last resort for containers we do not parse (ORF/PEF maker-note previews, X3F, MRW, IIQ…):
 * every SOI whose header parses as a decodable JPEG. Continues after each JPEG found so
 * thumbnails nested inside a preview's APP1 are not counted twice.
 */
async function scanForJpegs(reader: FileReader): Promise<PreviewCandidate[]> {
  if (reader.size > SCAN_LIMIT) return [];
  const out: PreviewCandidate[] = [];
  const soi = Buffer.from([0xff, 0xd8, 0xff]);
  let pos = 0;
  let tries = 0;
  // Advances every round: past the JPEG found, or to the chunk's end less the 2 bytes a
  // marker split across chunks needs (chunks are at least 3 bytes here).
  while (pos < reader.size && out.length < MAX_SCAN_HITS && tries < MAX_SOI_TRIES) {
    const chunk = await reader.read(pos, SCAN_CHUNK + 2);
    if (chunk.length < 3) break;
    let at = chunk.indexOf(soi);
    let next = pos + chunk.length - 2;
    while (at !== -1 && tries++ < MAX_SOI_TRIES) {
      const abs = pos + at;
      const header = await readJpegHeader(reader, abs);
      if (header && DECODABLE_SOF.has(header.sof)) {
        const end = await findJpegEnd(reader, header.scanStart);
        out.push({ offset: abs, length: end - abs, origin: `scan at ${abs}` });
        next = Math.max(end, pos + 1);
        break;
      }
      at = chunk.indexOf(soi, at + 1);
    }
    pos = next;
  }
  return out;
}

/** Same aspect ratio within 5%, either way round (a preview may be stored rotated). */
function sameShape(a: { width: number; height: number }, b: { width: number; height: number }): boolean {
  const r = (s: { width: number; height: number }) => Math.max(s.width, s.height) / Math.min(s.width, s.height);
  return Math.abs(r(a) - r(b)) <= 0.05 * r(b);
}

/** Every decodable embedded JPEG of a raw file, largest first. */
export async function findEmbeddedPreviews(reader: FileReader, kind: FileKind): Promise<EmbeddedScan> {
  let tiff: TiffInfo | null = null;
  let candidates: PreviewCandidate[] = [];
  let broken: string | null = null;
  try {
    if (kind === 'raw-tiff' || kind === 'tiff') {
      tiff = await readTiff(reader);
      candidates = tiff?.candidates ?? [];
    } else if (kind === 'cr3') ({ candidates, broken } = await cr3Candidates(reader));
    else if (kind === 'raf') candidates = await rafCandidates(reader);
    else if (kind === 'crw') candidates = await crwCandidates(reader);
  } catch {
    // A structure broken past what the parsers check: fall through to the scan.
  }

  const seen = new Set<number>();
  const previews: EmbeddedPreview[] = [];
  for (const c of candidates) {
    if (seen.has(c.offset)) continue;
    seen.add(c.offset);
    const v = await validate(reader, c);
    if (v) previews.push(v);
  }
  if (kind === 'raf' && previews[0]) {
    // A RAF's header JPEG may be a stub whose EXIF IFD1 still carries the real thumbnail.
    const inner = await findJpegExifThumbnail(reader, previews[0].offset).catch(() => null);
    if (inner) previews.push({ ...inner.preview, origin: `RAF JPEG ${inner.preview.origin}` });
  }
  if (!previews.some((p) => Math.max(p.width, p.height) >= SCAN_BELOW)) {
    for (const c of await scanForJpegs(reader).catch(() => [])) {
      if (seen.has(c.offset)) continue;
      const v = await validate(reader, c);
      // In a TIFF raw, loose JPEGs may be tiles of the raw data or of a tiled preview: only
      // one shaped like the whole sensor is taken for a preview of it.
      if (v && (!tiff?.maxSize || sameShape(v, tiff.maxSize))) previews.push(v);
    }
  }
  previews.sort((a, b) => b.width * b.height - a.width * a.height);
  return { previews, tiff, broken };
}

/**
 * The EXIF (IFD1) thumbnail of a JPEG file: APP1 "Exif\0\0" holds a TIFF whose second IFD
 * points at the thumbnail. Returned with the main image's size so callers can reject
 * letterboxed thumbnails (160x120 for a 3:2 photo).
 */
export async function findJpegExifThumbnail(
  reader: FileReader,
  start = 0,
): Promise<{ preview: EmbeddedPreview; main: { width: number; height: number } } | null> {
  const main = await readJpegHeader(reader, start);
  if (!main) return null;
  let pos = start + 2;
  for (let i = 0; i < 32; i++) {
    const head = await reader.read(pos, 10);
    if (head.length < 4 || head[0] !== 0xff) return null;
    const marker = head[1];
    const len = head.readUInt16BE(2);
    if (marker === 0xda || len < 2) return null;
    if (marker === 0xe1 && head.toString('latin1', 4, 10) === 'Exif\0\0') {
      const tiff = await readTiff(reader, pos + 10);
      const thumb = tiff?.ifd1Thumbnail;
      if (!thumb || thumb.offset + (thumb.length ?? 0) > pos + 2 + len) return null;
      const v = await validate(reader, thumb);
      return v ? { preview: v, main: { width: main.width, height: main.height } } : null;
    }
    pos += 2 + len;
  }
  return null;
}

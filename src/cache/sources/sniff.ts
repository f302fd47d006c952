import { extensionOf, RAW_EXTENSIONS } from '../../db/extensions.js';
import { tiffByteOrder } from './tiff.js';

/** What a file really is, from its first bytes (extensions lie), refined by the extension for TIFF-based raws. */
export type FileKind =
  | 'jpeg'
  | 'png'
  | 'gif'
  | 'webp'
  | 'tiff'
  | 'heif'
  | 'raw-tiff'
  | 'cr3'
  | 'raf'
  | 'crw'
  | 'raw-other'
  | 'unknown';

export const SNIFF_BYTES = 64;

export function sniffKind(head: Buffer, file: string): FileKind {
  // The library's raw extensions: TIFF-structured ones are parsed as TIFF.
  const isRawExt = RAW_EXTENSIONS.has(extensionOf(file));
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head.length >= 8 && head.readUInt32BE(0) === 0x89504e47 && head.readUInt32BE(4) === 0x0d0a1a0a) return 'png';
  if (head.length >= 6 && (head.toString('latin1', 0, 6) === 'GIF87a' || head.toString('latin1', 0, 6) === 'GIF89a')) return 'gif';
  if (head.length >= 12 && head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  if (head.length >= 16 && head.toString('latin1', 0, 16) === 'FUJIFILMCCD-RAW ') return 'raf';
  if (head.length >= 14 && head.toString('latin1', 6, 14) === 'HEAPCCDR') return 'crw';
  if (head.length >= 12 && head.toString('latin1', 4, 8) === 'ftyp') {
    const brand = head.toString('latin1', 8, 12);
    if (brand === 'crx ') return 'cr3';
    if (['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1', 'avif', 'avis'].includes(brand)) return 'heif';
    return 'unknown';
  }
  const order = tiffByteOrder(head);
  if (order) {
    const magic = head.readUInt16BE(2);
    if (magic === 0x524f || magic === 0x5253 || magic === 0x4f52 || magic === 0x5500) return 'raw-tiff'; // ORF, RW2
    if (head.toString('latin1', 8, 10) === 'CR') return 'raw-tiff'; // CR2
    return isRawExt ? 'raw-tiff' : 'tiff';
  }
  // Sigma X3F, Minolta MRW, Phase One IIQ and friends: let LibRaw and the JPEG scan try.
  if (head.length >= 4 && (head.toString('latin1', 0, 4) === 'FOVb' || head.toString('latin1', 0, 4) === '\0MRM')) return 'raw-other';
  if (isRawExt && head.length > 0) return 'raw-other';
  return 'unknown';
}

export function isRawKind(kind: FileKind): boolean {
  return kind === 'raw-tiff' || kind === 'cr3' || kind === 'raf' || kind === 'crw' || kind === 'raw-other';
}

/**
 * kitty graphics protocol: pixels are transmitted once under an image id (PNG, `t=d` so it works
 * over SSH, `q=2` so no reply ever reaches key input), then placed and deleted by id.
 * With Unicode placeholders (kitty ≥ 0.28, Ghostty) the picture lives in-tree as text cells
 * whose foreground colour carries the id.
 */
import sharp from '../../util/sharp.js';
import { clampBox, fitImage } from '../geometry.js';
import type { CellBox, CellPx, EncodeOptions, Encoder, ImageInput, RenderedImage } from '../types.js';
import { KITTY_DIACRITICS } from './kitty-diacritics.js';

/** The spec's limit on base64 bytes per escape sequence. */
export const KITTY_CHUNK = 4096;
export const KITTY_PLACEHOLDER = '\u{10EEEE}';
/** Ids must fit a 24-bit colour for placeholders. */
export const MAX_KITTY_ID = 0xffffff;

/** One graphics command: `ESC _G key=value,… ; payload ESC \`. */
export function kittyCommand(params: Record<string, string | number>, payload = ''): string {
  const keys = Object.entries(params)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `\x1b_G${keys}${payload ? `;${payload}` : ''}\x1b\\`;
}

/**
 * Transmits image bytes under `id`, chunked as the spec requires: every chunk but the last
 * carries m=1; chunks after the first carry only m (and q).
 */
export function kittyTransmit(
  id: number,
  data: Buffer,
  params: Record<string, string | number> = { f: 100 },
): string {
  const b64 = data.toString('base64');
  const parts: string[] = [];
  const count = Math.max(1, Math.ceil(b64.length / KITTY_CHUNK));
  for (let i = 0; i < count; i += 1) {
    const chunk = b64.slice(i * KITTY_CHUNK, (i + 1) * KITTY_CHUNK);
    const more = i < count - 1 ? 1 : 0;
    parts.push(
      i === 0
        ? kittyCommand({ a: 't', t: 'd', ...params, i: id, q: 2, m: more }, chunk)
        : kittyCommand({ m: more, q: 2 }, chunk),
    );
  }
  return parts.join('');
}

/** Places (or moves, when id+placement already exist) an image at the cursor, cursor unmoved. */
export function kittyPlace(id: number, placementId: number, cols: number, rows: number): string {
  return kittyCommand({ a: 'p', i: id, p: placementId, c: cols, r: rows, C: 1, q: 2 });
}

/** Deletes one placement, keeping the pixels for a cheap re-place. */
export function kittyDeletePlacement(id: number, placementId: number): string {
  return kittyCommand({ a: 'd', d: 'i', i: id, p: placementId, q: 2 });
}

/** Deletes an image's placements and frees its pixels. */
export function kittyDeleteImage(id: number): string {
  return kittyCommand({ a: 'd', d: 'I', i: id, q: 2 });
}

/** Deletes every image and frees the data (on exit). */
export function kittyDeleteAll(): string {
  return kittyCommand({ a: 'd', d: 'A', q: 2 });
}

/** A virtual placement for Unicode placeholders: the text cells decide where it shows. */
export function kittyVirtualPlacement(id: number, cols: number, rows: number): string {
  return kittyCommand({ a: 'p', U: 1, i: id, c: cols, r: rows, q: 2 });
}

/** Lines of placeholder cells for an image id: U+10EEEE + row diacritic + column diacritic. */
export function placeholderLines(id: number, cols: number, rows: number): string[] {
  const fg = `\x1b[38;2;${(id >> 16) & 0xff};${(id >> 8) & 0xff};${id & 0xff}m`;
  const lines: string[] = [];
  for (let r = 0; r < rows; r += 1) {
    const rowMark = String.fromCodePoint(KITTY_DIACRITICS[Math.min(r, KITTY_DIACRITICS.length - 1)] ?? 0x305);
    let line = fg;
    for (let c = 0; c < cols; c += 1) {
      const colMark = String.fromCodePoint(KITTY_DIACRITICS[Math.min(c, KITTY_DIACRITICS.length - 1)] ?? 0x305);
      line += KITTY_PLACEHOLDER + rowMark + colMark;
    }
    lines.push(`${line}\x1b[39m`);
  }
  return lines;
}

export interface KittyEncoderOptions {
  cellPx: CellPx;
  /** Emit Unicode placeholders (in-tree text) instead of direct placements. @default false */
  placeholders?: boolean;
  /** First image id to hand out; random by default so two runs in one window rarely collide. */
  firstId?: number;
}

/** Hands out image ids 1 … MAX_KITTY_ID, wrapping around. */
export class KittyIdAllocator {
  private next: number;
  constructor(first = 1 + Math.floor(Math.random() * (MAX_KITTY_ID - 1))) {
    this.next = Math.min(MAX_KITTY_ID, Math.max(1, Math.floor(first)));
  }
  allocate(): number {
    const id = this.next;
    this.next = id >= MAX_KITTY_ID ? 1 : id + 1;
    return id;
  }
}

export function createKittyEncoder(options: KittyEncoderOptions): Encoder {
  const ids = new KittyIdAllocator(options.firstId);
  const placeholders = options.placeholders ?? false;
  // The placeholder table has 297 entries; a box beyond that cannot be addressed.
  const limit = KITTY_DIACRITICS.length;
  return {
    protocol: 'kitty',
    inTree: placeholders,
    async encode(input: ImageInput, rawBox: CellBox, _opts?: EncodeOptions): Promise<RenderedImage> {
      const clamped = clampBox(rawBox);
      const box = placeholders
        ? { cols: Math.min(clamped.cols, limit), rows: Math.min(clamped.rows, limit) }
        : clamped;
      const fit = fitImage(input.width, input.height, box, options.cellPx);
      const png = await sharp(input.data, { failOn: 'none' })
        .resize(fit.widthPx, fit.heightPx, { fit: 'fill' })
        .png({ compressionLevel: 6 })
        .toBuffer();
      const id = ids.allocate();
      let transmit = kittyTransmit(id, png);
      let lines: string[] | null = null;
      let place: string | null = null;
      if (placeholders) {
        transmit += kittyVirtualPlacement(id, fit.cols, fit.rows);
        const cells = placeholderLines(id, fit.cols, fit.rows);
        const blank = ' '.repeat(box.cols);
        lines = [];
        for (let r = 0; r < box.rows; r += 1) {
          const cell = cells[r - fit.offsetRow];
          lines.push(
            cell === undefined
              ? blank
              : ' '.repeat(fit.offsetCol) + cell + ' '.repeat(box.cols - fit.cols - fit.offsetCol),
          );
        }
      } else {
        place = kittyPlace(id, 1, fit.cols, fit.rows);
      }
      return {
        key: `${input.key}@${box.cols}x${box.rows}`,
        protocol: 'kitty',
        box,
        cols: fit.cols,
        rows: fit.rows,
        offsetCol: fit.offsetCol,
        offsetRow: fit.offsetRow,
        lines,
        imageId: id,
        transmit,
        transmitPixels: fit.widthPx * fit.heightPx,
        place,
        byteLength: transmit.length + (place?.length ?? 0) + (lines?.join('').length ?? 0),
      };
    },
  };
}

/**
 * A contact sheet printed into the normal terminal flow (`termtable show`), one grid row at a
 * time. Text slots (half-blocks, kitty placeholders, skulls) are printed as lines; out-of-band
 * images are drawn over lines reserved for them, positioned with relative cursor moves from the
 * top of the row (the absolute row is unknown in flow output), cursor saved and restored.
 */
import { kittyPlace } from './encoders/kitty.js';
import { wrapEachSequence } from './tmux.js';
import type { CellBox, RenderedImage } from './types.js';

export type SheetSlot =
  | { kind: 'image'; image: RenderedImage; caption: readonly string[] }
  | { kind: 'text'; lines: readonly string[]; caption: readonly string[] };

export interface SheetLayout {
  box: CellBox;
  /** Spaces between columns. @default 2 */
  gap?: number;
  /** Caption lines under each box. @default 2 */
  captionLines?: number;
  /** Wrap out-of-band bytes for tmux passthrough. @default false */
  passthrough?: boolean;
}

/** Cuts or pads plain text to exactly `width` columns (captions are sanitised before). */
export function padCells(text: string, width: number): string {
  const chars = [...text];
  if (chars.length > width) return `${chars.slice(0, Math.max(0, width - 1)).join('')}${width > 0 ? '…' : ''}`;
  return text + ' '.repeat(width - chars.length);
}

/** Bytes for one row of the sheet; ends with the cursor at the start of the next line. */
export function sheetRow(slots: readonly SheetSlot[], layout: SheetLayout): string {
  const { box } = layout;
  const gap = layout.gap ?? 2;
  const captionLines = layout.captionLines ?? 2;
  const wrap = (s: string) => (layout.passthrough ? wrapEachSequence(s) : s);
  const blank = ' '.repeat(box.cols);
  let out = '';

  // kitty pixels (placeholders included) go first so the cells can show them at once.
  for (const slot of slots) if (slot.kind === 'image' && slot.image.transmit) out += wrap(slot.image.transmit);

  for (let r = 0; r < box.rows; r += 1) {
    const cells = slots.map((slot) => {
      if (slot.kind === 'text') return slot.lines[r] ?? blank;
      return slot.image.lines?.[r] ?? blank;
    });
    out += `${cells.join(' '.repeat(gap))}\x1b[0m\n`;
  }

  let overlay = '';
  slots.forEach((slot, i) => {
    if (slot.kind !== 'image' || slot.image.lines !== null || slot.image.place === null) return;
    const img = slot.image;
    const col = i * (box.cols + gap) + img.offsetCol;
    const down = img.offsetRow;
    const bytes =
      img.protocol === 'kitty' && img.imageId !== null ? kittyPlace(img.imageId, 1, img.cols, img.rows) : (img.place ?? '');
    overlay += `\x1b7${col > 0 ? `\x1b[${col}C` : ''}${down > 0 ? `\x1b[${down}B` : ''}${wrap(bytes)}\x1b8`;
  });
  if (overlay) out += `\x1b[${box.rows}A\r${overlay}\x1b[${box.rows}B\r`;

  for (let c = 0; c < captionLines; c += 1) {
    out += `${slots.map((slot) => padCells(slot.caption[c] ?? '', box.cols)).join(' '.repeat(gap)).trimEnd()}\n`;
  }
  return out;
}

/**
 * A contact sheet printed into the normal terminal flow (`termtable show`), one grid row at a
 * time. Text slots (half-blocks, kitty placeholders, skulls) are printed as lines; out-of-band
 * images are drawn over lines reserved for them, positioned with relative cursor moves from the
 * top of the row (the absolute row is unknown in flow output), cursor saved and restored.
 */
import { kittyPlace } from './encoders/kitty.js';
import { wrapEachSequence, wrapPassthrough } from './tmux.js';
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

/** kitty pixels (placeholders included) go first so the cells can show them at once. */
export function rowTransmit(slots: readonly SheetSlot[], layout: SheetLayout): string {
  let out = '';
  for (const slot of slots) {
    if (slot.kind === 'image' && slot.image.transmit) {
      out += layout.passthrough ? wrapEachSequence(slot.image.transmit) : slot.image.transmit;
    }
  }
  return out;
}

/** The row's text lines (pictures as text, skulls, blanks reserved for out-of-band images). */
export function rowLines(slots: readonly SheetSlot[], layout: SheetLayout): string {
  const { box } = layout;
  const gap = ' '.repeat(layout.gap ?? 2);
  const blank = ' '.repeat(box.cols);
  let out = '';
  for (let r = 0; r < box.rows; r += 1) {
    const cells = slots.map((slot) => (slot.kind === 'text' ? slot.lines[r] : slot.image.lines?.[r]) ?? blank);
    out += `${cells.join(gap)}\x1b[0m\n`;
  }
  return out;
}

/**
 * Out-of-band pictures over the lines just printed (cursor on the line after them). `origin`
 * null: relative moves from the cursor. Given: absolute position of the block's top-left on the
 * outer terminal, everything passed through (tmux does not move the outer cursor for us).
 */
export function rowOverlay(
  slots: readonly SheetSlot[],
  layout: SheetLayout,
  origin: { row: number; col: number } | null = null,
): string {
  const { box } = layout;
  const gap = layout.gap ?? 2;
  const wrap = (s: string) => (layout.passthrough ? wrapEachSequence(s) : s);
  let overlay = '';
  slots.forEach((slot, i) => {
    if (slot.kind !== 'image' || slot.image.lines !== null || slot.image.place === null) return;
    const img = slot.image;
    const col = i * (box.cols + gap) + img.offsetCol;
    const down = img.offsetRow;
    const bytes =
      img.protocol === 'kitty' && img.imageId !== null ? kittyPlace(img.imageId, 1, img.cols, img.rows) : (img.place ?? '');
    if (origin) {
      // One wrapper for moves and picture: tmux 3.3 lost moves passed through on their own.
      const positioned = `\x1b7\x1b[${origin.row + down + 1};${origin.col + col + 1}H${bytes}\x1b8`;
      overlay += layout.passthrough ? wrapPassthrough(positioned) : positioned;
    } else {
      overlay += `\x1b7${col > 0 ? `\x1b[${col}C` : ''}${down > 0 ? `\x1b[${down}B` : ''}${wrap(bytes)}\x1b8`;
    }
  });
  if (!overlay || origin) return overlay;
  return `\x1b[${box.rows}A\r${overlay}\x1b[${box.rows}B\r`;
}

/** Caption lines under the boxes. */
export function rowCaptions(slots: readonly SheetSlot[], layout: SheetLayout): string {
  const gap = ' '.repeat(layout.gap ?? 2);
  let out = '';
  for (let c = 0; c < (layout.captionLines ?? 2); c += 1) {
    out += `${slots.map((slot) => padCells(slot.caption[c] ?? '', layout.box.cols)).join(gap).trimEnd()}\n`;
  }
  return out;
}

/** Bytes for one row of the sheet, overlays positioned relatively; ends at the next line's start. */
export function sheetRow(slots: readonly SheetSlot[], layout: SheetLayout): string {
  return rowTransmit(slots, layout) + rowLines(slots, layout) + rowOverlay(slots, layout) + rowCaptions(slots, layout);
}

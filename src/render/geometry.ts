import type { CellBox, CellPx, CellRect, Placement, Protocol, RenderedImage } from './types.js';

/** Hard ceiling on any box: no header, reply or flag sizes a terminal write beyond this. */
export const MAX_BOX_CELLS = 400;
/** Hard ceiling on pixels per side of an encoded image. */
export const MAX_IMAGE_PX = 4096;

/** Where a picture of w×h pixels lands in a box of cells, aspect ratio kept. */
export interface Fit {
  /** Cells covered. */
  cols: number;
  rows: number;
  /** Offset inside the box (centred). */
  offsetCol: number;
  offsetRow: number;
  /** Pixel size to resize to so the picture fills exactly cols×rows cells' worth of its area. */
  widthPx: number;
  heightPx: number;
}

function clampInt(value: number, min: number, max: number): number {
  if (!Number.isFinite(value)) return min;
  return Math.min(max, Math.max(min, Math.round(value)));
}

/** Clamps a requested box to sane bounds (≥1, ≤ MAX_BOX_CELLS). */
export function clampBox(box: CellBox): CellBox {
  return { cols: clampInt(box.cols, 1, MAX_BOX_CELLS), rows: clampInt(box.rows, 1, MAX_BOX_CELLS) };
}

/**
 * Fits an image into a box of cells keeping its aspect ratio. The sizes come from file headers,
 * so they are clamped: the result never exceeds the box, whatever the input claims.
 */
export function fitImage(imageWidth: number, imageHeight: number, rawBox: CellBox, cellPx: CellPx): Fit {
  const box = clampBox(rawBox);
  const cw = clampInt(cellPx.width, 1, 200);
  const ch = clampInt(cellPx.height, 1, 400);
  const iw = clampInt(imageWidth, 1, 1 << 20);
  const ih = clampInt(imageHeight, 1, 1 << 20);
  const boxW = box.cols * cw;
  const boxH = box.rows * ch;
  const scale = Math.min(boxW / iw, boxH / ih);
  const widthPx = clampInt(iw * scale, 1, Math.min(boxW, MAX_IMAGE_PX));
  const heightPx = clampInt(ih * scale, 1, Math.min(boxH, MAX_IMAGE_PX));
  const cols = clampInt(Math.ceil(widthPx / cw - 0.01), 1, box.cols);
  const rows = clampInt(Math.ceil(heightPx / ch - 0.01), 1, box.rows);
  return {
    cols,
    rows,
    offsetCol: Math.floor((box.cols - cols) / 2),
    offsetRow: Math.floor((box.rows - rows) / 2),
    widthPx,
    heightPx,
  };
}

/** Whether two cell rects are the same cells. */
export function sameRect(a: CellRect, b: CellRect): boolean {
  return a.col === b.col && a.row === b.row && a.cols === b.cols && a.rows === b.rows;
}

/**
 * The cells a placed picture covers: its fit inside the slot's box (half-block text covers the
 * box's width, one row per line). What the cell diff must not write over, and what must be
 * written again when the slot shows a picture that covers less (zoomed out, rotated): sixel and
 * iTerm2 pixels stay until text is written over them.
 */
export function coveredRect(p: Placement): CellRect {
  const img = p.image;
  if (img.lines !== null) return { ...p.rect, rows: Math.min(img.lines.length, p.rect.rows) };
  return { col: p.rect.col + img.offsetCol, row: p.rect.row + img.offsetRow, cols: img.cols, rows: img.rows };
}

/**
 * A fit whose pixels were scaled down to fit `max` (xterm draws no sixel beyond its
 * maxGraphicSize, 1000×1000 by default): the cells it covers then and its place, centred in the
 * box as any fit is. Unchanged when it fits.
 */
export function fitWithin(fit: Fit, box: CellBox, cellPx: CellPx, max: { width: number; height: number } | null | undefined): Fit {
  if (!max || max.width <= 0 || max.height <= 0 || (fit.widthPx <= max.width && fit.heightPx <= max.height)) return fit;
  const s = Math.min(max.width / fit.widthPx, max.height / fit.heightPx);
  const widthPx = Math.max(1, Math.floor(fit.widthPx * s));
  const heightPx = Math.max(1, Math.floor(fit.heightPx * s));
  const b = clampBox(box);
  const cols = clampInt(Math.ceil(widthPx / clampInt(cellPx.width, 1, 200) - 0.01), 1, b.cols);
  const rows = clampInt(Math.ceil(heightPx / clampInt(cellPx.height, 1, 400) - 0.01), 1, b.rows);
  return { cols, rows, offsetCol: Math.floor((b.cols - cols) / 2), offsetRow: Math.floor((b.rows - rows) / 2), widthPx, heightPx };
}

/**
 * The result of an out-of-band encoder (sixel, iTerm2): bytes written with the cursor on the
 * picture's top-left cell, nothing sent ahead, no text in the tree.
 */
export function outOfBandImage(
  protocol: Protocol,
  inputKey: string,
  box: CellBox,
  fit: Fit,
  place: string,
): RenderedImage {
  return {
    key: `${inputKey}@${box.cols}x${box.rows}`,
    protocol,
    box,
    cols: fit.cols,
    rows: fit.rows,
    offsetCol: fit.offsetCol,
    offsetRow: fit.offsetRow,
    lines: null,
    imageId: null,
    transmit: null,
    place,
    byteLength: place.length,
  };
}

/**
 * Pure layout maths for the lighttable: where every thumbnail, caption and bar goes, in
 * 0-based screen cells. The tree is kept at most rows-1 tall so Ink never takes its
 * clear-the-whole-screen path (which flickers and wipes kitty images).
 */

export interface Rect {
  col: number;
  row: number;
  cols: number;
  rows: number;
}

export interface CellPx {
  /** Pixels per terminal cell, horizontally. @default 9 */
  width: number;
  /** Pixels per terminal cell, vertically. @default 18 */
  height: number;
}

export const DEFAULT_CELL_PX: CellPx = { width: 9, height: 18 };

/** Rows above the grid (header) and below it (status bar), plus the spare last row. */
export const HEADER_ROWS = 1;
export const STATUS_ROWS = 2;
export const SPARE_ROWS = 1;

export const MIN_PER_ROW = 1;
export const MAX_PER_ROW = 25;
/** @default 6 */
export const DEFAULT_PER_ROW = 6;

export interface GridSlot {
  /** The whole cell, border included. */
  cell: Rect;
  /** Where the image goes (inside the border, above the caption). */
  image: Rect;
  /** The caption line (stars, labels, name). */
  caption: Rect;
}

export interface GridLayout {
  perRow: number;
  rowsVisible: number;
  perPage: number;
  cellCols: number;
  cellRows: number;
  /** Top row of the grid on screen. */
  top: number;
  /** Rows the grid area occupies (always rowsVisible × cellRows or less). */
  height: number;
  slots: GridSlot[];
}

export interface GridOptions {
  columns: number;
  rows: number;
  /** Thumbnails per row wanted; fewer when each would get less than MIN_THUMB_COLS columns of image. */
  thumbsPerRow: number;
  /** @default DEFAULT_CELL_PX */
  cellPx?: CellPx;
  /** Top row of the area. @default HEADER_ROWS */
  top?: number;
  /** Rows available. @default rows - HEADER_ROWS - STATUS_ROWS - SPARE_ROWS */
  height?: number;
}

/**
 * Narrowest image area of a grid cell, in columns: below this a thumbnail is a smear and its
 * caption (stars, labels, name) has no room, so the grid holds fewer per row instead.
 */
export const MIN_THUMB_COLS = 8;
/** A cell's border takes one column on each side of the image. */
const CELL_BORDER_COLS = 2;

/** Thumbnails per row actually usable at this width: each keeps MIN_THUMB_COLS columns of image. */
export function clampPerRow(perRow: number, columns: number): number {
  const widest = Math.max(MIN_PER_ROW, Math.floor(columns / (MIN_THUMB_COLS + CELL_BORDER_COLS)));
  return Math.max(MIN_PER_ROW, Math.min(MAX_PER_ROW, widest, Math.round(perRow)));
}

/** Rows available to the image views at this terminal height. */
export function bodyHeight(rows: number): number {
  return Math.max(1, rows - HEADER_ROWS - STATUS_ROWS - SPARE_ROWS);
}

/**
 * The grid: equal cells, each a bordered box whose image area holds a 3:2 landscape photo
 * at the terminal's cell aspect ratio, and a caption line under the image.
 */
export function computeGrid(opts: GridOptions): GridLayout {
  const cellPx = opts.cellPx ?? DEFAULT_CELL_PX;
  const top = opts.top ?? HEADER_ROWS;
  const height = Math.max(1, opts.height ?? bodyHeight(opts.rows));
  const perRow = clampPerRow(opts.thumbsPerRow, opts.columns);
  const cellCols = Math.max(3, Math.floor(opts.columns / perRow));
  const imageCols = Math.max(1, cellCols - 2);
  // A 3:2 image imageCols wide is imageCols·cellW·2/3 px tall.
  const wantImageRows = Math.max(1, Math.round((imageCols * cellPx.width * 2) / 3 / cellPx.height));
  const cellRows = Math.min(height, Math.max(3, wantImageRows + 3));
  const rowsVisible = Math.max(1, Math.floor(height / cellRows));
  const slots: GridSlot[] = [];
  for (let r = 0; r < rowsVisible; r++) {
    for (let c = 0; c < perRow; c++) {
      const cell = { col: c * cellCols, row: top + r * cellRows, cols: cellCols, rows: cellRows };
      slots.push({
        cell,
        image: { col: cell.col + 1, row: cell.row + 1, cols: imageCols, rows: Math.max(0, cellRows - 3) },
        caption: { col: cell.col + 1, row: cell.row + Math.max(0, cellRows - 2), cols: imageCols, rows: 1 },
      });
    }
  }
  return {
    perRow,
    rowsVisible,
    perPage: perRow * rowsVisible,
    cellCols,
    cellRows,
    top,
    height: rowsVisible * cellRows,
    slots,
  };
}

export interface PreviewLayout {
  image: Rect;
  filmstrip: GridLayout;
}

/** Rows the preview's filmstrip takes (0 when the terminal is too short for one). */
export function filmstripRows(rows: number): number {
  const body = bodyHeight(rows);
  if (body < 12) return 0;
  return Math.min(8, Math.max(5, Math.floor(body / 5)));
}

/** Full preview: the image as large as fits, a filmstrip of neighbours along the bottom. */
export function computePreview(opts: { columns: number; rows: number; cellPx?: CellPx }): PreviewLayout {
  const body = bodyHeight(opts.rows);
  const strip = filmstripRows(opts.rows);
  const imageRows = Math.max(1, body - strip);
  const cellPx = opts.cellPx ?? DEFAULT_CELL_PX;
  // Filmstrip cells: as wide as a 3:2 thumbnail of the strip's image height.
  const stripImageRows = Math.max(1, strip - 3);
  const stripCellCols = Math.max(8, Math.round((stripImageRows * cellPx.height * 3) / 2 / cellPx.width) + 2);
  const filmstrip = strip
    ? computeGrid({
        columns: opts.columns,
        rows: opts.rows,
        thumbsPerRow: Math.max(1, Math.floor(opts.columns / stripCellCols)),
        cellPx,
        top: HEADER_ROWS + imageRows,
        height: strip,
      })
    : emptyGrid(HEADER_ROWS + imageRows);
  return { image: { col: 0, row: HEADER_ROWS, cols: opts.columns, rows: imageRows }, filmstrip };
}

function emptyGrid(top: number): GridLayout {
  return { perRow: 1, rowsVisible: 0, perPage: 0, cellCols: 0, cellRows: 0, top, height: 0, slots: [] };
}

/** Culling: `count` images side by side (two rows of them past four), as large as they fit. */
export function computeCulling(opts: { columns: number; rows: number; count: number }): GridSlot[] {
  const count = Math.max(1, opts.count);
  const body = bodyHeight(opts.rows);
  const gridRows = count > 4 ? 2 : 1;
  const perRow = Math.ceil(count / gridRows);
  const cellCols = Math.max(3, Math.floor(opts.columns / perRow));
  const cellRows = Math.max(3, Math.floor(body / gridRows));
  const slots: GridSlot[] = [];
  for (let i = 0; i < count; i++) {
    const cell = {
      col: (i % perRow) * cellCols,
      row: HEADER_ROWS + Math.floor(i / perRow) * cellRows,
      cols: cellCols,
      rows: cellRows,
    };
    slots.push({
      cell,
      image: { col: cell.col + 1, row: cell.row + 1, cols: cellCols - 2, rows: cellRows - 3 },
      caption: { col: cell.col + 1, row: cell.row + cellRows - 2, cols: cellCols - 2, rows: 1 },
    });
  }
  return slots;
}

/** Fits a w×h image inside a box of cells, centred, keeping its aspect ratio. */
export function fitImage(box: Rect, widthPx: number, heightPx: number, cellPx: CellPx = DEFAULT_CELL_PX): Rect {
  if (box.cols <= 0 || box.rows <= 0 || widthPx <= 0 || heightPx <= 0) return { ...box, cols: 0, rows: 0 };
  const boxW = box.cols * cellPx.width;
  const boxH = box.rows * cellPx.height;
  const scale = Math.min(boxW / widthPx, boxH / heightPx);
  const cols = Math.max(1, Math.min(box.cols, Math.round((widthPx * scale) / cellPx.width)));
  const rows = Math.max(1, Math.min(box.rows, Math.round((heightPx * scale) / cellPx.height)));
  return {
    col: box.col + Math.floor((box.cols - cols) / 2),
    row: box.row + Math.floor((box.rows - rows) / 2),
    cols,
    rows,
  };
}

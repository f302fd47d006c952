import { coveredRect, sameRect } from '../../render/geometry.js';
import { blankRect, type PaintUnit } from '../../render/painter.js';
import type { CellRect, Placement } from '../../render/types.js';

/** A slot's picture as last handed to the writer, and the cells it covers. */
export interface PictureMask {
  imageKey: string;
  rect: CellRect;
}

function overlap(a: CellRect, b: CellRect): boolean {
  return a.col < b.col + b.cols && b.col < a.col + a.cols && a.row < b.row + b.rows && b.row < a.row + a.rows;
}

/**
 * The cells each picture of a frame owns (the cell diff writes none of them), and the cells
 * whose text must be written again: those of every picture that left its slot, moved, or was
 * replaced there by another (zoomed out, rotated, a smaller stand-in). Sixel and iTerm2 pixels
 * stay on screen until text is written over them, so a replacement that covers less left the
 * old picture showing around it. Pure.
 */
export function pictureMasks(shown: ReadonlyMap<string, PictureMask>, placements: readonly Placement[]): { masks: Map<string, PictureMask>; rewrite: CellRect[] } {
  const masks = new Map<string, PictureMask>();
  for (const p of placements) masks.set(p.key, { imageKey: p.image.key, rect: coveredRect(p) });
  const rewrite: CellRect[] = [];
  for (const [key, was] of shown) {
    const now = masks.get(key);
    if (!now || now.imageKey !== was.imageKey || !sameRect(now.rect, was.rect)) rewrite.push(was.rect);
  }
  return { masks, rewrite };
}

/** Wiped cells remembered at most (a burst of page turns in a big grid), beyond which the oldest are let go. */
const MAX_PENDING = 512;

/**
 * Pictures drawn where an old one was wiped start by blanking their last column and row. The
 * text written around a new picture cannot reach inside its cells, and a picture seldom fills
 * its last column and row to the pixel (367 pixels in 41 cells of 9): without this a sliver of
 * the old picture stayed at its edge. Only those cells: the rest the new picture paints over
 * whole, and blanking them would show an empty box while it is drawn (seconds over a slow link).
 * For sixel and iTerm2 pictures only (the caller's to know): kitty's are deleted by id, and
 * half-block text writes every cell of its rect. Units are new each frame: changed in place.
 * Returns the wiped rects no unit was drawn over yet (a burst holds the pictures back): they
 * wait for the units of a later frame.
 */
export function blankBeneath(units: PaintUnit[], wiped: readonly CellRect[]): CellRect[] {
  if (wiped.length === 0) return [];
  const used = new Set<CellRect>();
  for (const u of units) {
    if (u.kind !== 'place' || u.imageId !== null || u.chunks.length === 0) continue;
    const under = wiped.filter((r) => overlap(r, u.rect));
    if (under.length === 0) continue;
    for (const r of under) used.add(r);
    const { col, row, cols, rows } = u.rect;
    const edges = blankRect({ col: col + cols - 1, row, cols: 1, rows }) + blankRect({ col, row: row + rows - 1, cols, rows: 1 });
    u.chunks[0] = `\x1b7${edges}\x1b8${u.chunks[0]}`;
  }
  return wiped.filter((r) => !used.has(r)).slice(-MAX_PENDING);
}

import { matchingLevel, type Level } from '../../cache/types.js';
import { computeCulling, computeGrid, computePreview, type CellPx, type GridSlot, type Rect } from '../layout.js';
import type { LighttableState } from './lighttable.js';

/** One image slot on screen: which collection index (or id) goes where, at which level. */
export interface ScreenSlot {
  /** Collection index (grid, filmstrip) or -1 for culling/preview slots addressed by id. */
  index: number;
  /** Image id for culling slots; undefined when addressed by index. */
  id?: number;
  slot: GridSlot;
  level: Level;
  /** 'main' for the preview image and culling images, 'thumb' for grid and filmstrip. */
  role: 'thumb' | 'main';
}

export interface ViewLayout {
  slots: ScreenSlot[];
  /** Collection range whose records the view needs. */
  window: { offset: number; limit: number };
  /** Next page, requested at prefetch priority. */
  prefetch: { offset: number; limit: number } | null;
  perRow: number;
  rowsVisible: number;
}

function levelFor(rect: Rect, cellPx: CellPx): Level {
  return matchingLevel(rect.cols * cellPx.width, rect.rows * cellPx.height);
}

/** Where everything goes for the current view: derived from state, never stored. */
export function viewLayout(state: LighttableState, cellPx: CellPx): ViewLayout {
  const { columns, rows } = state;
  const grid = computeGrid({ columns, rows, thumbsPerRow: state.thumbsPerRow, cellPx });
  if (state.view === 'preview') {
    const p = computePreview({ columns, rows, cellPx });
    const n = p.filmstrip.perPage;
    // The filmstrip scrolls with the cursor, which stays in its middle.
    const start = Math.max(0, Math.min(state.cursor - Math.floor(n / 2), state.total - n));
    const main: ScreenSlot = {
      index: state.cursor,
      slot: { cell: p.image, image: p.image, caption: { ...p.image, rows: 0 } },
      level: levelFor(p.image, cellPx),
      role: 'main',
    };
    const strip = p.filmstrip.slots.map((slot, i) => ({
      index: start + i,
      slot,
      level: levelFor(slot.image, cellPx),
      role: 'thumb' as const,
    }));
    return {
      slots: [main, ...strip.filter((s) => s.index < state.total)],
      window: { offset: Math.min(start, state.cursor), limit: Math.max(n, 1) },
      prefetch: null,
      perRow: grid.perRow,
      rowsVisible: grid.rowsVisible,
    };
  }
  if (state.view === 'culling') {
    const ids = state.culling.ids;
    const slots = computeCulling({ columns, rows, count: ids.length }).map((slot, i) => ({
      index: -1,
      id: ids[i],
      slot,
      level: levelFor(slot.image, cellPx),
      role: 'main' as const,
    }));
    return { slots, window: { offset: state.cursor, limit: 1 }, prefetch: null, perRow: grid.perRow, rowsVisible: grid.rowsVisible };
  }
  const slots = grid.slots
    .map((slot, i) => ({ index: state.top + i, slot, level: levelFor(slot.image, cellPx), role: 'thumb' as const }))
    .filter((s) => s.index < state.total);
  const nextOffset = state.top + grid.perPage;
  return {
    slots,
    window: { offset: state.top, limit: grid.perPage },
    prefetch: nextOffset < state.total ? { offset: nextOffset, limit: grid.perPage } : null,
    perRow: grid.perRow,
    rowsVisible: grid.rowsVisible,
  };
}

import { SORT_KEYS, type CollectionQuery, type SortKey } from '../../db/types.js';
import { clampPerRow, DEFAULT_PER_ROW } from '../layout.js';
import { LOUPE_FIT, type LoupeState } from './loupe.js';

/**
 * The lighttable's UI state and its pure reducer: navigation (darktable's thumbtable
 * moves), views, overlays and the selection. Library writes and thumbnail requests are
 * effects the store runs around this; nothing here does I/O.
 */

export type View = 'grid' | 'preview' | 'culling';

/** What a text prompt is for: the `/` filter, or the monitor profile path in preferences. */
export type PromptPurpose = 'filter' | 'monitorProfile' | 'export';

export type Overlay =
  | { kind: 'help' }
  | { kind: 'prefs'; index: number }
  | { kind: 'prompt'; purpose: PromptPurpose; text: string; title?: string; hint?: string }
  | { kind: 'filmroll'; index: number }
  | { kind: 'confirm'; ids: readonly number[]; question: string; hint?: string };

/** Either explicit ids, or everything in the collection (ctrl-a on 100,000 images stays O(1)). */
export interface Selection {
  all: boolean;
  ids: ReadonlySet<number>;
}

export interface LighttableState {
  view: View;
  overlay: Overlay | null;
  query: CollectionQuery;
  /** The folders the lighttable opened on, sub-folders included (the first query's `folders`): the film-roll picker offers them again. */
  opened?: readonly string[];
  /** Images in the collection. */
  total: number;
  /** Index of the current image in the collection. */
  cursor: number;
  /** Index of the first image on the grid page (a multiple of perRow). */
  top: number;
  thumbsPerRow: number;
  /** Thumbnails per row the layout actually allows at the current width. */
  perRow: number;
  /** Rows of thumbnails that fit on screen. */
  rowsVisible: number;
  selection: Selection;
  /** Ids shown side by side in the culling view, and which one has the cursor. */
  culling: { ids: readonly number[]; focus: number };
  /** Zoom and centre of the preview's or culling view's loupe (state/loupe.ts); fit in the grid. */
  loupe: LoupeState;
  /** One line for the status bar (results, errors); cleared by the next move. */
  message: string | null;
  columns: number;
  rows: number;
}

export type StateAction =
  | { type: 'move'; move: Move }
  | { type: 'resize'; columns: number; rows: number; perRow: number; rowsVisible: number }
  | { type: 'setPerRow'; thumbsPerRow: number }
  | { type: 'setTotal'; total: number; cursor?: number }
  | { type: 'setQuery'; query: CollectionQuery; total: number; cursor: number }
  | { type: 'view'; view: View; culling?: readonly number[] }
  | { type: 'overlay'; overlay: Overlay | null }
  | { type: 'selection.toggle'; id: number }
  | { type: 'selection.all' }
  | { type: 'selection.clear' }
  | { type: 'message'; text: string | null }
  | { type: 'loupe'; loupe: LoupeState };

export type Move = 'up' | 'down' | 'left' | 'right' | 'pageUp' | 'pageDown' | 'start' | 'end';

export function initialState(opts: {
  columns: number;
  rows: number;
  total: number;
  query?: CollectionQuery;
  thumbsPerRow?: number;
}): LighttableState {
  const thumbsPerRow = opts.thumbsPerRow ?? DEFAULT_PER_ROW;
  return {
    view: 'grid',
    overlay: null,
    query: opts.query ?? { sort: 'taken' },
    ...(opts.query?.folders ? { opened: opts.query.folders } : {}),
    total: opts.total,
    cursor: 0,
    top: 0,
    thumbsPerRow,
    perRow: clampPerRow(thumbsPerRow, opts.columns),
    rowsVisible: 1,
    selection: { all: false, ids: new Set() },
    culling: { ids: [], focus: 0 },
    loupe: LOUPE_FIT,
    message: null,
    columns: opts.columns,
    rows: opts.rows,
  };
}

const clamp = (n: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, n));

/** Keeps `top` row-aligned and the cursor on the page, scrolling by as little as possible. */
export function scrollTo(state: LighttableState, cursor: number): LighttableState {
  const last = Math.max(0, state.total - 1);
  const c = clamp(cursor, 0, last);
  const perRow = Math.max(1, state.perRow);
  const perPage = perRow * Math.max(1, state.rowsVisible);
  let top = state.top - (state.top % perRow);
  if (c < top) top = c - (c % perRow);
  else if (c >= top + perPage) top = c - (c % perRow) - (perPage - perRow);
  // Never leave empty rows at the end when the collection could fill them.
  const lastRowStart = last - (last % perRow);
  top = clamp(top, 0, Math.max(0, lastRowStart - (perPage - perRow)));
  return { ...state, cursor: c, top };
}

function move(state: LighttableState, m: Move): LighttableState {
  if (state.total === 0) return state;
  if (state.view === 'culling') {
    // In culling the cursor walks the images shown side by side.
    const n = state.culling.ids.length;
    if (n === 0) return state;
    const step = m === 'left' || m === 'up' ? -1 : m === 'right' || m === 'down' ? 1 : 0;
    const focus = m === 'start' ? 0 : m === 'end' ? n - 1 : clamp(state.culling.focus + step, 0, n - 1);
    return { ...state, culling: { ...state.culling, focus } };
  }
  const perRow = state.view === 'preview' ? 1 : state.perRow;
  const perPage = state.perRow * Math.max(1, state.rowsVisible);
  switch (m) {
    case 'left':
      return scrollTo(state, state.cursor - 1);
    case 'right':
      return scrollTo(state, state.cursor + 1);
    case 'up':
      return scrollTo(state, state.cursor - perRow);
    case 'down':
      // On the last (partial) row, down stays put rather than jumping sideways.
      return state.cursor + perRow > state.total - 1 ? state : scrollTo(state, state.cursor + perRow);
    case 'pageUp': {
      const moved = scrollTo({ ...state, top: Math.max(0, state.top - perPage) }, state.cursor - perPage);
      return moved;
    }
    case 'pageDown': {
      const moved = scrollTo({ ...state, top: state.top + perPage }, state.cursor + perPage);
      return moved;
    }
    case 'start':
      return scrollTo(state, 0);
    case 'end':
      return scrollTo(state, state.total - 1);
  }
}

export function reduce(state: LighttableState, action: StateAction): LighttableState {
  switch (action.type) {
    case 'move':
      return { ...move(state, action.move), message: null };
    case 'resize':
      return scrollTo(
        { ...state, columns: action.columns, rows: action.rows, perRow: action.perRow, rowsVisible: action.rowsVisible },
        state.cursor,
      );
    case 'setPerRow':
      return { ...state, thumbsPerRow: clamp(Math.round(action.thumbsPerRow), 1, 25) };
    case 'setTotal':
      return scrollTo({ ...state, total: action.total }, action.cursor ?? state.cursor);
    case 'setQuery':
      return scrollTo(
        { ...state, query: action.query, total: action.total, top: 0, selection: { all: false, ids: new Set() } },
        action.cursor,
      );
    case 'view':
      return {
        ...state,
        view: action.view,
        overlay: null,
        culling: action.view === 'culling' ? { ids: action.culling ?? [], focus: 0 } : state.culling,
        // The zoom stays while culling moves on to the next set; another view starts at fit.
        loupe: action.view === state.view ? state.loupe : LOUPE_FIT,
        message: null,
      };
    case 'overlay':
      return { ...state, overlay: action.overlay };
    case 'selection.toggle': {
      if (state.selection.all) {
        // Unselecting one of "all" is rare; fall back to nothing selected but this toggle.
        return { ...state, selection: { all: false, ids: new Set() } };
      }
      const ids = new Set(state.selection.ids);
      if (ids.has(action.id)) ids.delete(action.id);
      else ids.add(action.id);
      return { ...state, selection: { all: false, ids } };
    }
    case 'selection.all':
      return { ...state, selection: { all: true, ids: new Set() } };
    case 'selection.clear':
      return { ...state, selection: { all: false, ids: new Set() } };
    case 'message':
      return { ...state, message: action.text };
    case 'loupe':
      return { ...state, loupe: state.view === 'grid' ? LOUPE_FIT : action.loupe };
  }
}

export function hasSelection(state: LighttableState): boolean {
  return state.selection.all || state.selection.ids.size > 0;
}

export function isSelected(state: LighttableState, id: number): boolean {
  return state.selection.all || state.selection.ids.has(id);
}

export function nextSort(sort: SortKey | undefined): SortKey {
  const i = SORT_KEYS.indexOf(sort ?? 'taken');
  return SORT_KEYS[(i + 1) % SORT_KEYS.length]!;
}

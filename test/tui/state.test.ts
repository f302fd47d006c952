import { describe, expect, it } from 'vitest';
import { computeCulling, computeGrid, computePreview, fitImage } from '../../src/tui/layout.js';
import { describeFilter, parseFilter, withFilter } from '../../src/tui/state/filter.js';
import { initialState, reduce, nextSort, type LighttableState, type Move } from '../../src/tui/state/lighttable.js';
import { PREF_ROWS, cacheTooSmall } from '../../src/tui/state/prefs.js';
import { defaultPreferences } from '../../src/config/preferences.js';

function grid(total: number, perRow = 4, rowsVisible = 3): LighttableState {
  const s = initialState({ columns: 120, rows: 40, total });
  return reduce(s, { type: 'resize', columns: 120, rows: 40, perRow, rowsVisible });
}
const move = (s: LighttableState, m: Move) => reduce(s, { type: 'move', move: m });

describe('reduce: navigation', () => {
  it('moves by one and by a row, clamped to the collection', () => {
    let s = grid(10);
    s = move(s, 'right');
    expect(s.cursor).toBe(1);
    s = move(s, 'down');
    expect(s.cursor).toBe(5);
    s = move(s, 'up');
    s = move(s, 'up');
    expect(s.cursor).toBe(0);
    s = move(s, 'left');
    expect(s.cursor).toBe(0);
    s = move(s, 'end');
    expect(s.cursor).toBe(9);
    s = move(s, 'down');
    expect(s.cursor).toBe(9);
    s = move(s, 'start');
    expect(s).toMatchObject({ cursor: 0, top: 0 });
  });

  it('scrolls a row at a time and pages by a screen, top row-aligned', () => {
    let s = grid(100);
    for (let i = 0; i < 3; i++) s = move(s, 'down');
    expect(s).toMatchObject({ cursor: 12, top: 4 });
    s = move(s, 'pageDown');
    expect(s).toMatchObject({ cursor: 24, top: 16 });
    s = move(s, 'pageUp');
    expect(s).toMatchObject({ cursor: 12, top: 4 });
    s = move(s, 'end');
    expect(s).toMatchObject({ cursor: 99, top: 88 });
    expect(s.top % 4).toBe(0);
  });

  it('pages 100,000 images with the same arithmetic as 100', () => {
    let s = grid(100_000, 6, 4);
    s = move(s, 'end');
    expect(s).toMatchObject({ cursor: 99_999, top: 99_978 });
    s = move(s, 'pageUp');
    expect(s.cursor).toBe(99_975);
  });

  it('keeps the cursor on screen when the grid reflows', () => {
    let s = grid(100);
    s = reduce(s, { type: 'setTotal', total: 100, cursor: 50 });
    s = reduce(s, { type: 'resize', columns: 60, rows: 20, perRow: 2, rowsVisible: 2 });
    expect(s.top).toBeLessThanOrEqual(50);
    expect(s.top + 4).toBeGreaterThan(50);
    expect(s.top % 2).toBe(0);
  });

  it('in culling, moves between the images shown', () => {
    let s = reduce(grid(10), { type: 'view', view: 'culling', culling: [7, 8, 9] });
    s = move(s, 'right');
    s = move(s, 'right');
    s = move(s, 'right');
    expect(s.culling.focus).toBe(2);
    expect(s.cursor).toBe(0);
  });

  it('selection: toggle, all, clear', () => {
    let s = grid(10);
    s = reduce(s, { type: 'selection.toggle', id: 3 });
    s = reduce(s, { type: 'selection.toggle', id: 4 });
    s = reduce(s, { type: 'selection.toggle', id: 3 });
    expect([...s.selection.ids]).toEqual([4]);
    s = reduce(s, { type: 'selection.all' });
    expect(s.selection.all).toBe(true);
    s = reduce(s, { type: 'selection.clear' });
    expect(s.selection).toMatchObject({ all: false });
    expect(s.selection.ids.size).toBe(0);
  });

  it('sort cycles through every key', () => {
    expect(nextSort('taken')).toBe('name');
    expect(nextSort('imported')).toBe('sharpness');
    expect(nextSort('sharpness')).toBe('taken');
  });
});

describe('filter prompt language', () => {
  it.each([
    ['>=3', { minRating: 3 }],
    ['*4 red', { minRating: 4, label: 'red' }],
    ['rejected', { rejected: 'only' }],
    ['-rejected label:blue', { rejected: 'exclude', label: 'blue' }],
    ['DSC_00 12', { text: 'DSC_00 12' }],
    ['', {}],
  ])('%j', (text, fields) => {
    expect(parseFilter(text)).toEqual(fields);
  });

  it('replaces the filter, keeps sort and film roll, and writes itself back', () => {
    const q = withFilter({ sort: 'name', filmRoll: '/a', minRating: 2 }, parseFilter('green x'));
    expect(q).toEqual({ sort: 'name', filmRoll: '/a', label: 'green', text: 'x' });
    expect(describeFilter(q)).toBe('green x');
  });
});

describe('layout', () => {
  it('fills the width and stays below rows-1 (Ink never clears the screen)', () => {
    for (const [columns, rows, perRow] of [[120, 40, 6], [80, 24, 4], [200, 60, 10], [40, 12, 8], [20, 6, 3]] as const) {
      const g = computeGrid({ columns, rows, thumbsPerRow: perRow });
      expect(g.top + g.height + 2).toBeLessThanOrEqual(rows - 1);
      for (const s of g.slots) {
        expect(s.cell.col + s.cell.cols).toBeLessThanOrEqual(columns);
        expect(s.image.rows).toBeGreaterThanOrEqual(0);
      }
      expect(g.perPage).toBe(g.slots.length);
    }
  });

  it('gives a 6×4 grid at 120×40 with 3:2 image areas', () => {
    const g = computeGrid({ columns: 120, rows: 40, thumbsPerRow: 6 });
    expect(g.perRow).toBe(6);
    expect(g.rowsVisible).toBeGreaterThanOrEqual(3);
    const img = g.slots[0]!.image;
    expect((img.cols * 9) / (img.rows * 18)).toBeGreaterThan(1.2);
  });

  it('preview keeps a filmstrip, culling splits the width', () => {
    const p = computePreview({ columns: 120, rows: 40 });
    expect(p.filmstrip.perPage).toBeGreaterThan(3);
    expect(p.image.rows + p.filmstrip.height).toBeLessThanOrEqual(40 - 4);
    const c = computeCulling({ columns: 120, rows: 40, count: 2 });
    expect(c.map((s) => s.cell.col)).toEqual([0, 60]);
  });

  it('fits an image inside its box, centred, keeping its aspect', () => {
    expect(fitImage({ col: 0, row: 0, cols: 40, rows: 10 }, 300, 200)).toEqual({ col: 5, row: 0, cols: 30, rows: 10 });
  });
});

describe('preferences rows', () => {
  it('step each value and wrap choices', () => {
    const p = defaultPreferences();
    const row = (k: string) => PREF_ROWS.find((r) => r.key === k)!;
    expect(row('cacheSizeMB').step!(p, 1).cacheSizeMB).toBe(1024);
    expect(row('diskBackend').step!(p, 1).diskBackend).toBe(false);
    expect(row('protocol').step!(p, -1).protocol).toBe('blocks');
    expect(row('concurrency').step!({ ...p, concurrency: 1 }, -1).concurrency).toBe(1);
    expect(row('monitorProfile').text).toBe(true);
  });

  it('warns when two screens do not fit the cache', () => {
    expect(cacheTooSmall({ ...defaultPreferences(), cacheSizeMB: 16 }, 600, 1024)).toBe(true);
    expect(cacheTooSmall(defaultPreferences(), 24, 256)).toBe(false);
  });
});

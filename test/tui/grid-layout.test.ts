import { describe, expect, it } from 'vitest';
import { clampPerRow, computeGrid, MAX_PER_ROW, MIN_THUMB_COLS } from '../../src/tui/layout.js';

describe('computeGrid keeps thumbnails wide enough to see', () => {
  it('at 40×10 it lowers 6 per row (4 columns each) to what fits', () => {
    const g = computeGrid({ columns: 40, rows: 10, thumbsPerRow: 6 });
    expect(g.perRow).toBe(4);
    for (const s of g.slots) expect(s.image.cols).toBeGreaterThanOrEqual(MIN_THUMB_COLS);
    expect(g.slots.at(-1)!.cell.col + g.slots.at(-1)!.cell.cols).toBeLessThanOrEqual(40);
  });

  it.each([24, 40, 60, 80, 120, 200, 300])('at %i columns no thumbnail is narrower than MIN_THUMB_COLS, however many are asked for', (columns) => {
    for (const wanted of [1, 6, 10, 25, 40]) {
      const g = computeGrid({ columns, rows: 40, thumbsPerRow: wanted });
      expect(g.perRow).toBeLessThanOrEqual(Math.min(wanted, MAX_PER_ROW));
      for (const s of g.slots) expect(s.image.cols, `${wanted} wanted`).toBeGreaterThanOrEqual(MIN_THUMB_COLS);
    }
  });

  it('keeps what was asked for while it fits, up to the maximum', () => {
    expect(clampPerRow(6, 120)).toBe(6);
    expect(clampPerRow(12, 120)).toBe(12);
    expect(clampPerRow(25, 300)).toBe(25);
    expect(clampPerRow(40, 400)).toBe(MAX_PER_ROW);
    expect(clampPerRow(3, 9)).toBe(1); // narrower than one thumbnail: still one
  });
});

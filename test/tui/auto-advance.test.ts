import { describe, expect, it } from 'vitest';
import { advancesIn, nextIndex } from '../../src/tui/state/auto-advance.js';

describe('auto-advance', () => {
  it.each([
    ['grid', 'preview+culling', false],
    ['preview', 'preview+culling', true],
    ['culling', 'preview+culling', true],
    ['grid', 'always', true],
    ['preview', 'never', false],
  ] as const)('%s with %s advances: %s', (view, pref, want) => {
    expect(advancesIn(view, pref)).toBe(want);
  });

  it.each([
    { name: 'the image stays in the collection: the next one', index: 4, indexNow: 4, total: 10, want: 5 },
    { name: 'the image left the filter: its successor, now at its old index', index: 4, indexNow: -1, total: 9, want: 4 },
    { name: 'the last image stays the last', index: 9, indexNow: 9, total: 10, want: 9 },
    { name: 'the last image left the filter: the new last one, never the first', index: 9, indexNow: -1, total: 9, want: 8 },
    { name: 'a sort by rating moved it: after its new place', index: 2, indexNow: 7, total: 10, want: 8 },
  ])('$name', ({ index, indexNow, total, want }) => {
    expect(nextIndex({ index, indexNow, total })).toBe(want);
  });
});

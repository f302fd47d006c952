import { describe, expect, it } from 'vitest';
import { filmRollChoices, isCurrent, scopeName, underFolders, withScope } from '../../src/tui/state/film-roll-choices.js';

const rolls = [
  { path: '/card/DCIM/100CANON', imageCount: 3 },
  { path: '/card/DCIM/101CANON', imageCount: 2 },
  { path: '/card/DCIM-old', imageCount: 7 },
  { path: '/shoots/iceland', imageCount: 5 },
];

describe('the film-roll picker (pure)', () => {
  it('offers all film rolls, then the folders opened with their sub-folders, then each film roll', () => {
    const choices = filmRollChoices(rolls, ['/card/DCIM']);
    expect(choices.map((c) => [c.label, c.count])).toEqual([
      ['all film rolls', 17],
      ['/card/DCIM and sub-folders', 5],
      ['/card/DCIM/100CANON', 3],
      ['/card/DCIM/101CANON', 2],
      ['/card/DCIM-old', 7],
      ['/shoots/iceland', 5],
    ]);
    // Opened on one film roll: no entry of its own beside that roll's.
    expect(filmRollChoices(rolls, undefined).map((c) => c.label)).toEqual(['all film rolls', ...rolls.map((r) => r.path)]);
  });

  it('marks what the query collects, and a choice replaces only the scope of the query', () => {
    const choices = filmRollChoices(rolls, ['/card/DCIM']);
    const tree = { folders: ['/card/DCIM'], sort: 'rating' as const, minRating: 2 };
    expect(choices.filter((c) => isCurrent(c, tree)).map((c) => c.label)).toEqual(['/card/DCIM and sub-folders']);
    const one = withScope(tree, choices[2]!.scope);
    expect(one).toEqual({ filmRoll: '/card/DCIM/100CANON', sort: 'rating', minRating: 2 });
    expect(choices.filter((c) => isCurrent(c, one)).map((c) => c.label)).toEqual(['/card/DCIM/100CANON']);
    const all = withScope(one, choices[0]!.scope);
    expect(all).toEqual({ sort: 'rating', minRating: 2 });
    expect(choices.findIndex((c) => isCurrent(c, all))).toBe(0);
    expect(withScope(all, choices[1]!.scope)).toEqual(tree);
  });

  it('names the scope for the header', () => {
    expect(scopeName({ filmRoll: '/shoots/iceland' })).toBe('iceland');
    expect(scopeName({ folders: ['/card/DCIM'] })).toBe('DCIM + sub-folders');
    expect(scopeName({ folders: ['/a', '/b'] })).toBe('2 folders');
    expect(scopeName({})).toBe('all film rolls');
    expect(scopeName({ folders: ['/'] })).toBe('/ + sub-folders');
  });

  it('a folder is under another only below a separator', () => {
    expect(underFolders('/card/DCIM/100CANON', ['/card/DCIM'])).toBe(true);
    expect(underFolders('/card/DCIM', ['/card/DCIM'])).toBe(true);
    expect(underFolders('/card/DCIM-old', ['/card/DCIM'])).toBe(false);
    expect(underFolders('/anything', ['/'])).toBe(true);
  });
});

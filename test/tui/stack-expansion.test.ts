import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordAnalyses } from '../../src/db/library-analysis.js';
import { Library, type ImportWrite } from '../../src/db/library.js';
import { restackFilmRolls } from '../../src/db/stacks.js';
import { libraryPort } from '../../src/tui/adapters.js';
import type { StackedQuery } from '../../src/tui/store/stack-expansion.js';
import { tempDir } from '../db/helpers.js';

/**
 * Stacks opened in place in a collapsed collection, on a real library: count, page and indexOf
 * of the lighttable's library port agree with one another for every window and every image.
 */
const A = '0f0f0f0f0f0f0f0f';
const B = 'f0f0f0f0f0f0f0f0';
const facts = (takenAt: string) => ({
  fileSize: 1000, mtime: 1_700_000_000_000, width: 100, height: 100, orientation: 1, maker: null, model: null,
  lens: null, exposureTime: null, fNumber: null, iso: null, focalLength: null, takenAt,
});

function shoot(): { lib: Library; name: (id: number) => string; id: (name: string) => number } {
  const dir = tempDir();
  const lib = Library.open(path.join(dir, 'lib.db'));
  // a: a stack of 3 (a2 sharpest), s: a single, b: a stack of 2 (b1 sharpest), t: a single.
  const frames: [string, string, string, number][] = [
    ['a1.jpg', '2024-05-01T10:00:00', A, 10],
    ['a2.jpg', '2024-05-01T10:00:01', A, 30],
    ['a3.jpg', '2024-05-01T10:00:02', A, 20],
    ['s1.jpg', '2024-05-01T10:10:00', B, 15],
    ['b1.jpg', '2024-05-01T10:20:00', B, 40],
    ['b2.jpg', '2024-05-01T10:20:01', B, 5],
    ['t1.jpg', '2024-05-01T10:30:00', A, 25],
  ];
  const writes: ImportWrite[] = frames.map(([n, at]) => ({ kind: 'insert', folder: path.join(dir, 'roll'), filename: n, facts: facts(at) }));
  const ids = lib.writeImportBatch(writes, '2024-01-01T00:00:00Z') as number[];
  recordAnalyses(lib, frames.map(([, , h, s], i) => ({ id: ids[i]!, fileSize: 1000, mtime: 1_700_000_000_000, analysis: { sharpness: s, sharpnessGlobal: s, sharpestAt: { x: 0.5, y: 0.5 }, dhash: h } })));
  if (libraryPort(lib).hasStacks!()) throw new Error('stacks before restacking');
  restackFilmRolls(lib, undefined, { gapSeconds: 2, maxDistance: 4 });
  const names = new Map(lib.getMany(ids).map((r) => [r.id, r.filename]));
  return { lib, name: (id) => names.get(id)!, id: (n) => ids[frames.findIndex((f) => f[0] === n)]! };
}

describe('stacks opened in place', () => {
  it('puts the frames of each opened stack where its pick stands; count, every page window and indexOf agree', () => {
    const { lib, name, id } = shoot();
    const port = libraryPort(lib);
    expect(port.hasStacks!()).toBe(true); // the grid collapses stacks only when there are some
    const collapsed: StackedQuery = { sort: 'taken', collapseStacks: true };
    expect(port.page(collapsed, 0, 100).map((r) => name(r.id))).toEqual(['a2.jpg', 's1.jpg', 'b1.jpg', 't1.jpg']);

    const cases: [readonly number[], string[]][] = [
      [[id('a1.jpg')], ['a1.jpg', 'a2.jpg', 'a3.jpg', 's1.jpg', 'b1.jpg', 't1.jpg']],
      [[id('b2.jpg')], ['a2.jpg', 's1.jpg', 'b1.jpg', 'b2.jpg', 't1.jpg']],
      [[id('b1.jpg'), id('a3.jpg')], ['a1.jpg', 'a2.jpg', 'a3.jpg', 's1.jpg', 'b1.jpg', 'b2.jpg', 't1.jpg']],
      [[id('s1.jpg')], ['a2.jpg', 's1.jpg', 'b1.jpg', 't1.jpg']], // a single is no stack: nothing to open
    ];
    for (const [open, want] of cases) {
      // Any member names its stack: the library's stack id is the first frame's.
      const q: StackedQuery = { ...collapsed, expandStacks: open.map((i) => lib.get(i)!.stackId!) };
      expect(port.count(q)).toBe(want.length);
      expect(port.page(q, 0, 100).map((r) => name(r.id))).toEqual(want);
      for (let off = 0; off < want.length; off++) {
        for (let lim = 1; off + lim <= want.length + 1; lim++) {
          expect(port.page(q, off, lim).map((r) => name(r.id)), `page ${off}+${lim}`).toEqual(want.slice(off, off + lim));
        }
      }
      want.forEach((n, i) => expect(port.indexOf(q, id(n)), n).toBe(i));
    }
    // Expanded all, the library's own order: every frame by capture time.
    expect(port.count({ sort: 'taken', collapseStacks: false })).toBe(7);
    lib.close();
  });
});

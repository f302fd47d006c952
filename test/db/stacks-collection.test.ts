import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordAnalyses } from '../../src/db/library-analysis.js';
import { Library, type ImportWrite } from '../../src/db/library.js';
import { restackFilmRolls } from '../../src/db/stacks.js';
import type { CollectionQuery } from '../../src/db/types.js';
import { tempDir } from './helpers.js';

/*
 * A collapsed collection (one row per burst stack) kept across culling writes that cannot
 * change it, and rebuilt for those that can (issue 13's rating cost at 100,000 images: the
 * figures are bench/library.ts'). On a real SQLite file.
 */

const facts = (takenAt: string) => ({
  fileSize: 1000, mtime: 1_700_000_000_000, width: 100, height: 100, orientation: 1, maker: null, model: null,
  lens: null, exposureTime: null, fNumber: null, iso: null, focalLength: null, takenAt,
});

const A = '0f0f0f0f0f0f0f0f';
const A2 = '0f0f0f0f0f0f0f1e';
const B = 'f0f0f0f0f0f0f0f0';

/** b1-b3: one burst (b2 sharpest, then b3); solo.jpg an hour later, in no stack. */
function makeLibrary(): { lib: Library; id: Record<string, number> } {
  const dir = tempDir();
  const lib = Library.open(path.join(dir, 'lib.db'));
  const frames: [string, string, string, number][] = [
    ['b1.jpg', '2024-05-01T10:00:00.0', A, 10],
    ['b2.jpg', '2024-05-01T10:00:00.5', A2, 30],
    ['b3.jpg', '2024-05-01T10:00:01.0', A, 20],
    ['solo.jpg', '2024-05-01T11:00:00', B, 15],
  ];
  const folder = path.join(dir, 'roll');
  const writes: ImportWrite[] = frames.map(([name, at]) => ({ kind: 'insert', folder, filename: name, facts: facts(at) }));
  const ids = lib.writeImportBatch(writes, '2024-01-01T00:00:00Z') as number[];
  recordAnalyses(lib, frames.map(([, , dhash, sharpness], i) => ({
    id: ids[i]!, fileSize: 1000, mtime: 1_700_000_000_000,
    analysis: { sharpness, sharpnessGlobal: sharpness, sharpestAt: { x: 0.5, y: 0.5 }, dhash },
  })));
  restackFilmRolls(lib);
  return { lib, id: Object.fromEntries(frames.map(([name], i) => [name.replace('.jpg', ''), ids[i]!])) };
}

const names = (lib: Library, q: CollectionQuery) => lib.page(q, 0, 100).map((r) => r.filename);
const rate = (lib: Library, id: number, rating: number) => lib.updateCulling([id], (o) => ({ ...o, rating }));
const reject = (lib: Library, id: number, rejected: boolean) => lib.updateCulling([id], (o) => ({ ...o, rejected }));

/**
 * Moves b1 out of its stack behind the library's back (a write through its own connection it is
 * not told of): the collection shows it only once something rebuilds the collection. This is how
 * the tests see whether a culling write rebuilt it.
 */
function unstackB1Silently(lib: Library, id: Record<string, number>): void {
  lib.connection().prepare('UPDATE images SET stack_id = NULL WHERE id = ?').run(id.b1!);
}

describe('collapsed stacks across culling writes', () => {
  const collapsed: CollectionQuery = { collapseStacks: true, sort: 'taken' };

  it('a rating keeps the collapsed collection (no rebuild), shown fresh; a stacked frame\'s reject moves the pick', () => {
    const { lib, id } = makeLibrary();
    expect(lib.hasStacks()).toBe(true);
    expect(names(lib, collapsed)).toEqual(['b2.jpg', 'solo.jpg']);
    unstackB1Silently(lib, id);
    rate(lib, id.b2!, 4);
    rate(lib, id.b1!, 2);
    reject(lib, id.solo!, true); // not in a stack: no pick can move
    // Not rebuilt: b1 (now in no stack) is still left out, and b2 carries its new rating.
    expect(lib.page(collapsed, 0, 100).map((r) => [r.filename, r.rating])).toEqual([['b2.jpg', 4], ['solo.jpg', 0]]);
    expect(lib.count(collapsed)).toBe(2);
    // Rejecting the pick hands the stack to its next sharpest frame, b3.
    reject(lib, id.b2!, true);
    expect(names(lib, collapsed)).toEqual(['b1.jpg', 'b3.jpg', 'solo.jpg']);
    expect(lib.indexOf(collapsed, id.b2!)).toBe(-1);
    reject(lib, id.b2!, false);
    expect(names(lib, collapsed)).toEqual(['b1.jpg', 'b2.jpg', 'solo.jpg']);
    lib.close();
  });

  it('a filter or sort on the changed field still rebuilds: a rating below minRating drops the image, a reject under -rejected', () => {
    const { lib, id } = makeLibrary();
    const rated: CollectionQuery = { ...collapsed, minRating: 1 };
    expect(names(lib, rated)).toEqual([]);
    rate(lib, id.solo!, 3);
    expect(names(lib, rated)).toEqual(['solo.jpg']);
    rate(lib, id.solo!, 0);
    expect(names(lib, rated)).toEqual([]);

    const kept: CollectionQuery = { ...collapsed, rejected: 'exclude' };
    expect(names(lib, kept)).toEqual(['b2.jpg', 'solo.jpg']);
    reject(lib, id.solo!, true);
    expect(names(lib, kept)).toEqual(['b2.jpg']);

    const byRating: CollectionQuery = { collapseStacks: true, sort: 'rating' };
    rate(lib, id.b2!, 1);
    expect(names(lib, byRating)).toEqual(['b2.jpg', 'solo.jpg']);
    reject(lib, id.solo!, false);
    rate(lib, id.solo!, 5);
    expect(names(lib, byRating)).toEqual(['solo.jpg', 'b2.jpg']);
    lib.close();
  });

  it('a label filter rebuilds for a label change only', () => {
    const { lib, id } = makeLibrary();
    const red: CollectionQuery = { ...collapsed, label: 'red' };
    expect(names(lib, red)).toEqual([]);
    lib.updateCulling([id.solo!], (o) => ({ ...o, labels: ['red'] }));
    expect(names(lib, red)).toEqual(['solo.jpg']);
    unstackB1Silently(lib, id);
    lib.updateCulling([id.b1!], (o) => ({ ...o, rating: 5 }));
    expect(lib.count(red)).toBe(1);
    lib.close();
  });

  it('a new score rebuilds a collection sorted or filtered on the score, or a collapsed one when the frame is stacked; not otherwise', () => {
    const { lib, id } = makeLibrary();
    const score = (image: number, sharpness: number) =>
      recordAnalyses(lib, [{ id: image, fileSize: 1000, mtime: 1_700_000_000_000, analysis: { sharpness, sharpnessGlobal: sharpness, sharpestAt: { x: 0.5, y: 0.5 }, dhash: B } }]);
    expect(names(lib, collapsed)).toEqual(['b2.jpg', 'solo.jpg']);
    unstackB1Silently(lib, id);
    score(id.solo!, 50); // in no stack: the collapsed view cannot change
    expect(lib.count(collapsed)).toBe(2);
    score(id.b3!, 99); // stacked: b3 becomes the pick (and b1, unstacked behind the library's back, shows)
    expect(names(lib, collapsed)).toEqual(['b1.jpg', 'b3.jpg', 'solo.jpg']);
    const bySharpness: CollectionQuery = { sort: 'sharpness' };
    expect(names(lib, bySharpness)[0]).toBe('b3.jpg');
    score(id.solo!, 200);
    expect(names(lib, bySharpness)[0]).toBe('solo.jpg');
    lib.close();
  });

  it('hasStacks is false on a library without stacks', () => {
    const { lib } = makeLibrary();
    lib.connection().prepare('UPDATE images SET stack_id = NULL').run();
    expect(lib.hasStacks()).toBe(false);
    lib.close();
  });
});

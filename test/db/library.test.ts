import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Library, type ImageFacts, type ImportWrite } from '../../src/db/library.js';
import { SCHEMA_VERSION } from '../../src/db/schema.js';
import { SORT_KEYS, type CollectionQuery, type ImageRecord } from '../../src/db/types.js';
import { tempDir } from './helpers.js';

const open: Library[] = [];
afterEach(() => {
  for (const lib of open.splice(0)) lib.close();
});

function openLib(file: string): Library {
  const lib = Library.open(file);
  open.push(lib);
  return lib;
}

function facts(i: number): ImageFacts {
  return {
    fileSize: 1000 + i,
    mtime: 1_700_000_000_000 + i,
    width: 100,
    height: 80,
    orientation: 1,
    maker: 'Canon',
    model: `Model ${i % 3}`,
    lens: null,
    exposureTime: 0.01,
    fNumber: 4,
    iso: 100,
    focalLength: 50,
    // Deliberate ties and gaps: ties must be broken by id, nulls must page correctly.
    takenAt: i % 7 === 0 ? null : `2024-01-${String((i % 28) + 1).padStart(2, '0')}T10:00:00`,
  };
}

/** A synthetic library: n images over 3 film rolls, varied culling, file names with ties. */
function fill(lib: Library, n: number, root: string): void {
  const rolls = [0, 1, 2].map((r) => path.join(root, `roll${r}`));
  const writes: ImportWrite[] = [];
  for (let i = 0; i < n; i++) {
    writes.push({
      kind: 'insert',
      folder: rolls[i % 3]!,
      filename: `IMG_${String(i % 500).padStart(4, '0')}_${Math.floor(i / 500)}.jpg`,
      facts: facts(i),
      culling: {
        rating: i % 6,
        rejected: i % 11 === 0,
        labels: i % 4 === 0 ? ['red'] : i % 4 === 1 ? ['green', 'blue'] : [],
      },
    });
  }
  lib.writeImportBatch(writes, '2024-06-01T00:00:00.000Z');
}

/** The reference: every image, filtered and sorted in plain TypeScript. */
function reference(all: ImageRecord[], q: CollectionQuery): number[] {
  const cmp = (a: string | null, b: string | null) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1);
  const rows = all.filter(
    (r) =>
      (q.filmRoll === undefined || r.filmRoll === q.filmRoll) &&
      (q.minRating === undefined || (r.rating >= q.minRating && !r.rejected)) &&
      (q.rejected !== 'only' || r.rejected) &&
      (q.rejected !== 'exclude' || !r.rejected) &&
      (q.label === undefined || r.labels.includes(q.label)),
  );
  const sort = q.sort ?? 'taken';
  rows.sort((a, b) => {
    let c = 0;
    if (sort === 'taken') c = cmp(a.takenAt, b.takenAt);
    if (sort === 'name') c = cmp(a.filename, b.filename);
    if (sort === 'rating') c = Number(a.rejected) - Number(b.rejected) || b.rating - a.rating;
    if (sort === 'imported') c = cmp(a.importedAt, b.importedAt);
    return c || a.id - b.id;
  });
  return rows.map((r) => r.id);
}

describe('Library', () => {
  it('creates the file with WAL, foreign keys and the current schema version', () => {
    const file = path.join(tempDir(), 'deep', 'er', 'library.db');
    openLib(file).close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('refuses a library from a newer termtable and a file that is not a database', () => {
    const dir = tempDir();
    const newer = path.join(dir, 'newer.db');
    const db = new Database(newer);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => Library.open(newer)).toThrow(/newer than this termtable/);
    const junk = path.join(dir, 'junk.db');
    writeFileSync(junk, 'this is not sqlite, just some text that is long enough to be a header');
    expect(() => Library.open(junk)).toThrow(/not a termtable library/);
  });

  it('pages every sort key and filter exactly like a full sort', () => {
    const dir = tempDir();
    const lib = openLib(path.join(dir, 'library.db'));
    fill(lib, 1500, dir);
    const all = [...lib.iterate()];
    expect(all).toHaveLength(1500);
    const queries: CollectionQuery[] = [];
    for (const sort of SORT_KEYS) {
      queries.push({ sort }, { sort, filmRoll: path.join(dir, 'roll1') }, { sort, minRating: 3 });
      queries.push({ sort, rejected: 'only' }, { sort, rejected: 'exclude', label: 'blue' });
    }
    for (const q of queries) {
      const want = reference(all, q);
      expect(lib.count(q)).toBe(want.length);
      const got: number[] = [];
      for (let offset = 0; offset < want.length + 48; offset += 48) got.push(...lib.page(q, offset, 48).map((r) => r.id));
      expect(got, JSON.stringify(q)).toEqual(want);
      const probe = want[Math.floor(want.length / 2)]!;
      expect(lib.indexOf(q, probe)).toBe(want.indexOf(probe));
    }
    expect(lib.indexOf({ rejected: 'only' }, all.find((r) => !r.rejected)!.id)).toBe(-1);
    expect(lib.page({}, 5000, 48)).toEqual([]);
  });

  it('keeps the collection right after its own writes and after another process writes', () => {
    const dir = tempDir();
    const file = path.join(dir, 'library.db');
    const a = openLib(file);
    const b = openLib(file);
    fill(a, 60, dir);
    const q: CollectionQuery = { sort: 'rating', minRating: 5 };
    const before = a.count(q);
    const target = a.page({ sort: 'name', rejected: 'exclude' }, 0, 1)[0]!;
    a.updateCulling([target.id], (s) => ({ ...s, rating: 5 }));
    expect(a.count(q)).toBe(before + (target.rating === 5 ? 0 : 1));
    // b has its own materialised collection; a commit from a must reach it
    expect(b.count(q)).toBe(a.count(q));
    const other = b.page({ sort: 'name', rejected: 'exclude', minRating: 0 }, 1, 1)[0]!;
    expect(b.indexOf(q, other.id)).toBe(other.rating === 5 ? expect.any(Number) : -1);
    a.updateCulling([other.id], (s) => ({ ...s, rating: 5 }));
    expect(b.indexOf(q, other.id)).toBeGreaterThanOrEqual(0);
    expect(b.remove([other.id])).toBe(1);
    expect(a.indexOf(q, other.id)).toBe(-1);
    expect(a.get(other.id)).toBeUndefined();
  });

  it('shows fresh culling in a collection that does not depend on it, without reordering', () => {
    const dir = tempDir();
    const lib = openLib(path.join(dir, 'library.db'));
    fill(lib, 100, dir);
    const q: CollectionQuery = { sort: 'name' };
    const order = lib.page(q, 0, 100).map((r) => r.id);
    const id = order[10]!;
    lib.updateCulling([id], () => ({ rating: 5, rejected: false, labels: ['purple'] }));
    const again = lib.page(q, 0, 100);
    expect(again.map((r) => r.id)).toEqual(order);
    expect(again[10]).toMatchObject({ id, rating: 5, labels: ['purple'] });
    expect(lib.indexOf({ label: 'purple' }, id)).toBe(0);
  });

  it('gets images in the order asked, iterates by id range, rotates and records file facts', () => {
    const dir = tempDir();
    const lib = openLib(path.join(dir, 'library.db'));
    fill(lib, 600, dir);
    expect(lib.getMany([5, 3, 999_999, 4]).map((r) => r.id)).toEqual([5, 3, 4]);
    const five = lib.get(5)!;
    expect(lib.getByPath(five.path)?.id).toBe(5);
    expect(lib.getByPath(path.join(dir, 'nope.jpg'))).toBeUndefined();
    expect(lib.countRange({ minId: 250, maxId: 530 })).toBe(281);
    expect(lib.countRange()).toBe(600);
    const ids = [...lib.iterate({ minId: 250, maxId: 530 })].map((r) => r.id);
    expect(ids).toEqual(Array.from({ length: 281 }, (_, i) => 250 + i));
    expect(lib.setRotation([3], 7)[0]!.rotation).toBe(3);
    expect(lib.rotate([3], 1)[0]!.rotation).toBe(0);
    expect(lib.rotate([3], -1)[0]!.rotation).toBe(3);
    lib.updateFileFacts(3, { fileSize: 42, mtime: 1234.4 });
    expect(lib.get(3)).toMatchObject({ fileSize: 42, mtime: 1234 });
    const rolls = lib.filmRolls();
    expect(rolls.map((r) => r.imageCount)).toEqual([200, 200, 200]);
    // removing every image of a roll removes the roll
    const roll0 = [...lib.iterate()].filter((r) => r.filmRollId === rolls[0]!.id).map((r) => r.id);
    expect(lib.remove(roll0)).toBe(200);
    expect(lib.filmRolls()).toHaveLength(2);
  });
});

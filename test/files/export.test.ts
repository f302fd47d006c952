import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importFolders } from '../../src/db/import.js';
import { Library } from '../../src/db/library.js';
import { commonRoot, exportPicks } from '../../src/files/export.js';
import { MoveJournal } from '../../src/files/journal.js';
import { moveBundle } from '../../src/files/move-bundle.js';
import { trashRejects } from '../../src/files/trash-rejects.js';
import { tempDir } from '../db/helpers.js';

let root: string;
let lib: Library;
const photo = (rel: string) => path.join(root, 'photos', rel);

beforeEach(async () => {
  root = tempDir('tt-export-');
  for (const rel of ['x/IMG_1.CR3', 'x/IMG_2.CR3', 'x/IMG_3.CR3']) {
    mkdirSync(path.dirname(photo(rel)), { recursive: true });
    writeFileSync(photo(rel), `raw ${rel}`);
  }
  lib = Library.open(path.join(root, 'library.db'));
  await importFolders(lib, [path.join(root, 'photos')]);
  for (const r of lib.iterate()) lib.updateCulling([r.id], () => ({ rating: 3, rejected: false, labels: [] }));
});
afterEach(() => lib.close());

describe('exportPicks', () => {
  it('reports a pick whose file is gone and exports the rest', async () => {
    rmSync(photo('x/IMG_2.CR3'));
    const dest = path.join(root, 'out');
    const s = await exportPicks(lib, { dest });
    expect(s.errors).toEqual([{ path: photo('x/IMG_2.CR3'), message: expect.stringMatching(/no such file/) }]);
    expect(readdirSync(dest).sort()).toEqual(['IMG_1.CR3', 'IMG_3.CR3']);
  });

  it('a move never takes a path the library already knows (a stale entry): the bundle gets -1', async () => {
    const dest = path.join(root, 'out');
    mkdirSync(dest);
    writeFileSync(path.join(dest, 'IMG_1.CR3'), 'old');
    await importFolders(lib, [dest]);
    rmSync(path.join(dest, 'IMG_1.CR3')); // gone from disk, not purged: its path is still taken
    const s = await exportPicks(lib, { dest, move: true, films: [path.join(root, 'photos')] });
    expect(s.errors).toEqual([]);
    expect(readdirSync(dest).sort()).toEqual(['IMG_1-1.CR3', 'IMG_2.CR3', 'IMG_3.CR3']);
    expect(lib.getByPath(path.join(dest, 'IMG_1-1.CR3'))?.rating).toBe(3);
  });

  it('images already in DEST are not sources: exporting again after a move does nothing', async () => {
    const dest = path.join(root, 'out');
    await exportPicks(lib, { dest, move: true });
    const again = await exportPicks(lib, { dest });
    expect(again).toMatchObject({ images: 0, files: 0, errors: [] });
    expect(readdirSync(dest).sort()).toEqual(['IMG_1.CR3', 'IMG_2.CR3', 'IMG_3.CR3']);
    expect(existsSync(photo('x'))).toBe(true); // the folder stays, only its files moved
  });

  it('a move the library refuses (another process took the path) puts the files back', async () => {
    const dest = path.join(root, 'out');
    mkdirSync(dest);
    writeFileSync(path.join(dest, 'IMG_1.CR3'), 'other');
    await importFolders(lib, [dest]);
    rmSync(path.join(dest, 'IMG_1.CR3'));
    const id = lib.getByPath(photo('x/IMG_1.CR3'))!.id;
    const journal = new MoveJournal(lib.file);
    await journal.pending();
    await expect(
      moveBundle(lib, journal, { kind: 'move', files: [[photo('x/IMG_1.CR3'), path.join(dest, 'IMG_1.CR3')]], images: [{ id, to: path.join(dest, 'IMG_1.CR3') }] }),
    ).rejects.toThrow(/already has one of the paths/);
    expect(existsSync(photo('x/IMG_1.CR3'))).toBe(true);
    expect(existsSync(path.join(dest, 'IMG_1.CR3'))).toBe(false);
    expect(lib.get(id)?.path).toBe(photo('x/IMG_1.CR3'));
    expect(await journal.pending()).toEqual([]);
  });

  it('commonRoot is the deepest folder holding them all', () => {
    expect(commonRoot(['/p/2024/rome', '/p/2024/paris'])).toBe('/p/2024');
    expect(commonRoot(['/p/2024/rome'])).toBe('/p/2024/rome');
    expect(commonRoot(['/p/2024/rome', '/p/2024/rome/day2'])).toBe('/p/2024/rome');
    expect(commonRoot(['/p/ab', '/p/abc'])).toBe('/p');
    expect(commonRoot(['/a', '/b'])).toBe('/');
    expect(commonRoot([])).toBeNull();
  });
});

describe('trashRejects', () => {
  it('reports a rejected image whose file is gone and leaves it in the library', async () => {
    const saved = process.env.XDG_DATA_HOME;
    process.env.XDG_DATA_HOME = path.join(root, 'data');
    try {
      const gone = lib.getByPath(photo('x/IMG_2.CR3'))!;
      lib.updateCulling([gone.id], () => ({ rating: 0, rejected: true, labels: [] }));
      rmSync(gone.path);
      const s = await trashRejects(lib);
      expect(s.errors).toEqual([{ path: gone.path, message: expect.stringMatching(/no such file/) }]);
      expect(lib.get(gone.id)).toBeDefined();
    } finally {
      if (saved === undefined) delete process.env.XDG_DATA_HOME;
      else process.env.XDG_DATA_HOME = saved;
    }
  });
});

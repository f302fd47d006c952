import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importFolders } from '../../src/db/import.js';
import { Library } from '../../src/db/library.js';
import { commonRoot, exportPicks } from '../../src/files/export.js';
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

  it('commonRoot is the deepest folder holding them all', () => {
    expect(commonRoot(['/p/2024/rome', '/p/2024/paris'])).toBe('/p/2024');
    expect(commonRoot(['/p/2024/rome'])).toBe('/p/2024/rome');
    expect(commonRoot(['/p/2024/rome', '/p/2024/rome/day2'])).toBe('/p/2024/rome');
    expect(commonRoot(['/p/ab', '/p/abc'])).toBe('/p');
    expect(commonRoot(['/a', '/b'])).toBe('/');
    expect(commonRoot([])).toBeNull();
  });
});

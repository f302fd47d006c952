import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importFolders } from '../../src/db/import.js';
import { Library } from '../../src/db/library.js';
import { exportPicks } from '../../src/files/export.js';
import { parseTrashInfo } from '../../src/files/trash.js';
import { trashImages } from '../../src/files/trash-images.js';
import { tempDir } from '../db/helpers.js';

/** export and trash of images picked by hand (the lighttable's E and Delete → t). */
let root: string;
let lib: Library;
const savedXdg = process.env.XDG_DATA_HOME;
const photo = (name: string) => path.join(root, 'photos', name);
const id = (name: string) => lib.getByPath(photo(name))!.id;

beforeEach(async () => {
  root = tempDir('tt-picked-');
  mkdirSync(path.join(root, 'photos'));
  for (const name of ['A.CR3', 'A.JPG', 'B.CR3', 'C.CR3']) writeFileSync(photo(name), `bytes of ${name}`);
  writeFileSync(photo('A.CR3.xmp'), '<x:xmpmeta xmlns:x="adobe:ns:meta/"/>');
  lib = Library.open(path.join(root, 'library.db'));
  await importFolders(lib, [path.join(root, 'photos')]);
  process.env.XDG_DATA_HOME = path.join(root, 'xdg');
});
afterEach(() => {
  lib.close();
  if (savedXdg === undefined) delete process.env.XDG_DATA_HOME;
  else process.env.XDG_DATA_HOME = savedXdg;
});

describe('exportPicks with ids', () => {
  it('exports exactly those images, unrated ones too, with pair and sidecar; never a reject', async () => {
    lib.updateCulling([id('C.CR3')], () => ({ rating: 5, rejected: true, labels: [] }));
    const dest = path.join(root, 'out');
    const s = await exportPicks(lib, { dest, ids: [id('A.JPG'), id('C.CR3')] });
    expect(s.errors).toEqual([]);
    expect(readdirSync(dest).sort()).toEqual(['A.CR3', 'A.CR3.xmp', 'A.JPG']);
  });
});

describe('trashImages', () => {
  it('trashes each bundle, reports a missing file and goes on with the rest', async () => {
    const ids = [id('A.JPG'), id('B.CR3'), id('C.CR3')];
    const { rmSync } = await import('node:fs');
    rmSync(photo('B.CR3'));
    const s = await trashImages(lib, ids);
    expect(s.errors).toEqual([{ path: photo('B.CR3'), message: expect.stringMatching(/no such file/) }]);
    expect(s).toMatchObject({ images: 3, files: 4 }); // A.CR3 + A.JPG (both in the library), A's sidecar, C.CR3
    const trash = path.join(root, 'xdg', 'Trash');
    expect(readdirSync(path.join(trash, 'files')).sort()).toEqual(['A.CR3', 'A.CR3.xmp', 'A.JPG', 'C.CR3']);
    for (const name of readdirSync(path.join(trash, 'files'))) {
      expect(parseTrashInfo(readFileSync(path.join(trash, 'info', `${name}.trashinfo`), 'utf8')).path).toBe(photo(name));
    }
    expect([...lib.iterate()].map((r) => r.filename)).toEqual(['B.CR3']); // missing, so kept
    expect(existsSync(`${lib.file}-moves.jsonl`)).toBe(false); // nothing left open
  });
});

import { mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importFolders } from '../../src/db/import.js';
import { Library } from '../../src/db/library.js';
import { knownSidecars } from '../../src/db/sidecar-store.js';
import { resyncSidecar } from '../../src/db/sidecar-sync.js';
import { exportPicks } from '../../src/files/export.js';
import { MoveJournal } from '../../src/files/journal.js';
import { finishInterrupted } from '../../src/files/recover.js';
import { makeJpeg, tempDir } from '../db/helpers.js';
import { DARKTABLE } from '../db/sidecar-shapes.js';

/**
 * The library remembers each sidecar's size and mtime by file name. A move that gives a bundle
 * a -N suffix renames its sidecars too, and the remembered rows must follow: a row left under
 * the old name makes the moved sidecar look changed by another tool.
 */
let root: string;
let lib: Library;
const src = (name: string) => path.join(root, 'photos', name);

beforeEach(async () => {
  root = tempDir('tt-move-rows-');
  mkdirSync(path.join(root, 'photos'), { recursive: true });
  await makeJpeg(src('IMG_1.JPG'));
  writeFileSync(src('IMG_1.JPG.xmp'), DARKTABLE(4, [0, 2]));
  lib = Library.open(path.join(root, 'library.db'));
  await importFolders(lib, [path.join(root, 'photos')]);
});
afterEach(() => lib.close());

describe('a move with a clash suffix', () => {
  it('renames the remembered sidecar row with the file, so the sidecar is not taken for changed elsewhere', async () => {
    const id = lib.getByPath(src('IMG_1.JPG'))!.id;
    const before = knownSidecars(lib, id);
    expect([...before.keys()]).toEqual(['IMG_1.JPG.xmp']);
    const dest = path.join(root, 'out');
    mkdirSync(dest);
    writeFileSync(path.join(dest, 'IMG_1.JPG'), 'someone else'); // the name is taken
    const s = await exportPicks(lib, { dest, move: true });
    expect(s).toMatchObject({ images: 1, renamed: 1, errors: [] });
    expect(readdirSync(dest).sort()).toEqual(['IMG_1-1.JPG', 'IMG_1-1.JPG.xmp', 'IMG_1.JPG']);
    expect(lib.get(id)?.path).toBe(path.join(dest, 'IMG_1-1.JPG'));
    const after = knownSidecars(lib, id);
    expect([...after.keys()]).toEqual(['IMG_1-1.JPG.xmp']);
    expect(after.get('IMG_1-1.JPG.xmp')).toEqual(before.get('IMG_1.JPG.xmp')); // a move keeps size and mtime
    // Nothing to read again: the sidecar is the one termtable last read.
    expect(await resyncSidecar(lib, id)).toMatchObject({ updated: false });
    expect(lib.get(id)).toMatchObject({ rating: 4, labels: ['red', 'green'] });
  });

  it('a move without a suffix keeps the row as it was', async () => {
    const id = lib.getByPath(src('IMG_1.JPG'))!.id;
    const before = knownSidecars(lib, id);
    await exportPicks(lib, { dest: path.join(root, 'out'), move: true });
    expect(knownSidecars(lib, id)).toEqual(before);
  });

  it('a move killed after its files went and before the library followed: the next run renames the rows too', async () => {
    const id = lib.getByPath(src('IMG_1.JPG'))!.id;
    const before = knownSidecars(lib, id);
    const dest = path.join(root, 'out');
    mkdirSync(dest);
    const files: [string, string][] = [
      [src('IMG_1.JPG'), path.join(dest, 'IMG_1-1.JPG')],
      [src('IMG_1.JPG.xmp'), path.join(dest, 'IMG_1-1.JPG.xmp')],
    ];
    const journal = new MoveJournal(lib.file);
    await journal.pending();
    await journal.begin({ kind: 'move', files, images: [{ id, to: files[0]![1] }] });
    for (const [from, to] of files) renameSync(from, to); // then kill -9
    const { finished, problems } = await finishInterrupted(lib, new MoveJournal(lib.file));
    expect({ finished, problems }).toEqual({ finished: 1, problems: [] });
    expect(lib.get(id)?.path).toBe(files[0]![1]);
    expect(knownSidecars(lib, id)).toEqual(new Map([['IMG_1-1.JPG.xmp', before.get('IMG_1.JPG.xmp')]]));
  });
});

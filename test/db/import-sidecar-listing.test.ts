import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { importFolders } from '../../src/db/import.js';
import { Library } from '../../src/db/library.js';
import { walkFolders } from '../../src/db/walk.js';
import { readSidecar } from '../../src/db/xmp.js';
import { makeJpeg, tempDir } from './helpers.js';

const libs: Library[] = [];
afterEach(() => {
  for (const lib of libs.splice(0)) lib.close();
});

const xmp = (rating: number) =>
  `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="${rating}"/></rdf:RDF></x:xmpmeta>`;

describe('import looks for sidecars only where the folder listing has one', () => {
  it('the walk lists each folder\'s .xmp names, lower-cased', async () => {
    const dir = path.join(tempDir(), 'roll');
    mkdirSync(dir);
    await makeJpeg(path.join(dir, 'a.jpg'));
    writeFileSync(path.join(dir, 'a.jpg.xmp'), xmp(2));
    writeFileSync(path.join(dir, 'B.XMP'), xmp(3));
    writeFileSync(path.join(dir, 'notes.txt'), 'x');
    const walk = await walkFolders([dir]);
    expect(walk.folders.map((f) => [...f.sidecars].sort())).toEqual([['a.jpg.xmp', 'b.xmp']]);
  });

  it('readSidecar does not open a name the listing lacks, and reads the ones it has', async () => {
    const dir = tempDir();
    const image = path.join(dir, 'c.jpg');
    await makeJpeg(image);
    writeFileSync(`${image}.xmp`, xmp(4));
    expect((await readSidecar(image, () => false)).file).toBeNull();
    expect((await readSidecar(image, () => true)).culling?.rating).toBe(4);
    expect((await readSidecar(image)).culling?.rating).toBe(4);
  });

  it('imports darktable and Lightroom sidecars as before, and none where there is none', async () => {
    const dir = path.join(tempDir(), 'roll');
    mkdirSync(dir);
    for (const n of ['dt.jpg', 'lr.jpg', 'none.jpg']) await makeJpeg(path.join(dir, n));
    writeFileSync(path.join(dir, 'dt.jpg.xmp'), xmp(5));
    writeFileSync(path.join(dir, 'lr.xmp'), xmp(1));
    const lib = Library.open(path.join(dir, '..', 'library.db'));
    libs.push(lib);
    const summary = await importFolders(lib, [dir]);
    expect(summary.errors).toEqual([]);
    const rating = new Map([...lib.iterate()].map((r) => [r.filename, r.rating]));
    expect(Object.fromEntries(rating)).toEqual({ 'dt.jpg': 5, 'lr.jpg': 1, 'none.jpg': 0 });
  });
});

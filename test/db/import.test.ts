import { execFileSync } from 'node:child_process';
import { symlinkSync, readdirSync, renameSync, rmSync, writeFileSync, mkdirSync, chmodSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importFolders } from '../../src/db/import.js';
import { Library } from '../../src/db/library.js';
import type { ImageRecord } from '../../src/db/types.js';
import { corpus, CORPUS_DIR, skipWithoutCorpus } from '../helpers/corpus.js';
import { makeJpeg, tempDir } from './helpers.js';

const libs: Library[] = [];
afterEach(() => {
  for (const lib of libs.splice(0)) lib.close();
});

function newLibrary(): Library {
  const lib = Library.open(path.join(tempDir(), 'library.db'));
  libs.push(lib);
  return lib;
}

function byName(lib: Library): Map<string, ImageRecord> {
  return new Map([...lib.iterate()].map((r) => [r.filename, r]));
}

const CORPUS_DIRS = ['photos', 'raw', 'bad'].map((d) => path.join(CORPUS_DIR, d));

describe('importFolders on the corpus', () => {
  beforeEach(skipWithoutCorpus);
  it('imports every supported file of photos/, raw/ and bad/, bad ones included, and reads their EXIF', async () => {
    const lib = newLibrary();
    const summary = await importFolders(lib, CORPUS_DIRS);
    const files = CORPUS_DIRS.flatMap((d) => readdirSync(d));
    // Every corpus file has a supported extension (the GoPro .gpr included: it must show as a skull).
    expect(summary).toMatchObject({ imported: files.length, updated: 0, unchanged: 0, skipped: 0, errors: [] });
    expect(summary.ids.new).toHaveLength(summary.imported);
    expect(lib.filmRolls().map((f) => f.path)).toEqual([...CORPUS_DIRS].sort());

    const images = byName(lib);
    // values from corpus/SOURCES.md
    expect(images.get('nikon-d70.jpg')).toMatchObject({
      maker: 'NIKON CORPORATION', model: 'NIKON D70', width: 3008, height: 2000, orientation: 1,
      takenAt: '2004-11-21T21:29:12', fNumber: 4.5, focalLength: 70, path: corpus('photos/nikon-d70.jpg'),
      filmRoll: path.join(CORPUS_DIR, 'photos'), fileSize: 1602061,
    });
    expect(images.get('landscape-orient-6.jpg')).toMatchObject({ orientation: 6, width: 1200, height: 1800 });
    expect(images.get('samsung-sm-j327t1-orient6.jpg')).toMatchObject({ maker: 'samsung', model: 'SM-J327T1', orientation: 6 });
    expect(images.get('nikon-coolpix-p7000-orient6.webp')).toMatchObject({ maker: 'NIKON', model: 'COOLPIX P7000', orientation: 6, width: 3648, height: 2736 });
    expect(images.get('canon-eos-70d.avif')).toMatchObject({ maker: 'Canon', model: 'Canon EOS 70D', width: 5472, height: 3648 });
    expect(images.get('apple-iphone11pro.heic')).toMatchObject({ maker: 'Apple', model: 'iPhone 11 Pro' });
    expect(images.get('pentax-k3ii-sunrise.tif')).toMatchObject({ maker: 'RICOH IMAGING COMPANY, LTD.', model: 'PENTAX K-3 II', width: 1024, height: 640 });
    expect(images.get('sony-slt-a55v-truncated.arw')).toMatchObject({ maker: 'SONY', model: 'SLT-A55V', width: 4928, height: 3280 });
    expect(images.get('canon-eos-1ds-mk3-truncated.cr2')).toMatchObject({ maker: 'Canon', model: 'Canon EOS-1Ds Mark III', width: 5616, height: 3744 });
    expect(images.get('nikon-d7100-truncated.nef')).toMatchObject({ maker: 'NIKON CORPORATION', model: 'NIKON D7100', width: 6036, height: 4020 });
    expect(images.get('nikon-d1.nef')).toMatchObject({ model: 'NIKON D1', width: 2012, height: 1324 });
    expect(images.get('canon-eos-6d-lossy.dng')).toMatchObject({ model: 'Canon EOS 6D', width: 1224, height: 816 });
    expect(images.get('canon-eos-r6-pruned.cr3')).toMatchObject({
      maker: 'Canon', model: 'Canon EOS R6', width: 3408, height: 2272, lens: 'RF70-200mm F2.8 L IS USM',
      takenAt: '2021-05-12T12:21:21+02:00', iso: 100,
    });
    expect(images.get('fujifilm-s5pro-stripped.raf')).toMatchObject({ maker: 'FUJIFILM', model: 'FinePix S5Pro' });
    expect(images.get('sony-dsc-p52.jpg')?.exposureTime).toBeCloseTo(0.025);
    // hostile and broken files are in, raw text kept (sanitising is the printer's job)
    expect(images.get('exif-escape-sequences.jpg')?.model).toContain('\u001b]0;pwned-window-title\u0007');
    expect(images.get('zero-bytes.jpg')).toMatchObject({ fileSize: 0, maker: null, width: null, orientation: 1 });
    expect(images.get('git-lfs-pointer.jpg')).toMatchObject({ maker: null });
    expect(images.get('stub-30-bytes.cr2')).toMatchObject({ maker: null });
    expect(images.get('bomb-65536x65536.png')).toMatchObject({ width: 65536, height: 65536 });
    expect(images.has('fin-de-journée.jpg')).toBe(true);

    // re-import: same ids, nothing re-read
    const again = await importFolders(lib, CORPUS_DIRS);
    expect(again).toMatchObject({ imported: 0, updated: 0, unchanged: summary.imported, ids: { new: [], changed: [] } });
    expect([...byName(lib).values()].map((r) => r.id).sort()).toEqual([...images.values()].map((r) => r.id).sort());
  });
});

describe('importFolders on hostile folders', () => {
  it('updates a changed file under its old id and reports it for new thumbnails', async () => {
    const dir = tempDir();
    const lib = newLibrary();
    const file = await makeJpeg(path.join(dir, 'a.jpg'), { make: 'Acme', model: 'One', date: '2020:01:02 03:04:05' });
    const first = await importFolders(lib, [dir]);
    const id = first.ids.new[0]!;
    expect(lib.get(id)).toMatchObject({ maker: 'Acme', model: 'One', takenAt: '2020-01-02T03:04:05' });
    await makeJpeg(file, { make: 'Acme', model: 'Two', size: 64 });
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const second = await importFolders(lib, [dir]);
    expect(second).toMatchObject({ imported: 0, updated: 1, ids: { new: [], changed: [id] } });
    expect(lib.get(id)).toMatchObject({ model: 'Two', width: 64 });
  });

  it('skips hidden files, hidden folders, sidecars and other files; reads sidecar culling on first import', async () => {
    const dir = tempDir();
    const lib = newLibrary();
    await makeJpeg(path.join(dir, 'keep.JPG'));
    await makeJpeg(path.join(dir, '.hidden.jpg'));
    mkdirSync(path.join(dir, '.thumbnails'));
    await makeJpeg(path.join(dir, '.thumbnails', 'x.jpg'));
    writeFileSync(path.join(dir, 'notes.txt'), 'hello');
    writeFileSync(
      path.join(dir, 'keep.JPG.xmp'),
      '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="-1" xmp:Label="Blue"/></rdf:RDF></x:xmpmeta>',
    );
    mkdirSync(path.join(dir, 'sub', 'deeper'), { recursive: true });
    await makeJpeg(path.join(dir, 'sub', 'deeper', 'IMG_1.nef.jpg'));
    // A thumbnail cache inside the folder (termtable's or darktable's layout) is not photos.
    mkdirSync(path.join(dir, 'termtable', 'mipmaps-0123456789abcdef.d', '0'), { recursive: true });
    await makeJpeg(path.join(dir, 'termtable', 'mipmaps-0123456789abcdef.d', '0', '1.jpg'));
    const summary = await importFolders(lib, [dir]);
    expect(summary).toMatchObject({ imported: 2, skipped: 2, errors: [] });
    expect(lib.filmRolls().map((f) => f.path)).toEqual([dir, path.join(dir, 'sub', 'deeper')]);
    expect(byName(lib).get('keep.JPG')).toMatchObject({ rejected: true, labels: ['blue'] });
  });

  it('reports non-UTF-8 names, malformed sidecars and vanished files, and imports the rest', async () => {
    const dir = tempDir();
    const lib = newLibrary();
    const good = await makeJpeg(path.join(dir, 'a-good.jpg'));
    writeFileSync(Buffer.concat([Buffer.from(`${dir}/b-latin1-`), Buffer.from([0xe9]), Buffer.from('.jpg')]), 'x');
    await makeJpeg(path.join(dir, 'c-evil\u001b[31m\u0007.jpg'));
    await makeJpeg(path.join(dir, 'd-sidecar.jpg'));
    writeFileSync(path.join(dir, 'd-sidecar.jpg.xmp'), '<x:xmpmeta><rdf:RDF><oops></x:xmpmeta>');
    await makeJpeg(path.join(dir, 'e-vanishes.jpg'));
    await makeJpeg(path.join(dir, 'f-last.jpg'));
    const summary = await importFolders(lib, [dir], {
      concurrency: 1,
      onProgress: ({ file }) => {
        if (file === good) rmSync(path.join(dir, 'e-vanishes.jpg'));
      },
    });
    expect(summary.imported).toBe(4);
    expect(summary.errors).toEqual([
      { path: `${dir}/b-latin1-\ufffd.jpg`, message: 'file name is not valid UTF-8; not imported' },
      { path: path.join(dir, 'd-sidecar.jpg.xmp'), message: expect.stringMatching(/^malformed XMP .*; sidecar ignored$/) },
      { path: path.join(dir, 'e-vanishes.jpg'), message: 'file vanished during import' },
    ]);
    expect([...byName(lib).keys()].sort()).toEqual(['a-good.jpg', 'c-evil\u001b[31m\u0007.jpg', 'd-sidecar.jpg', 'f-last.jpg']);
  });

  it('reports an unreadable folder and goes on with the others', async (ctx) => {
    const dir = tempDir();
    const lib = newLibrary();
    mkdirSync(path.join(dir, 'locked'));
    await makeJpeg(path.join(dir, 'locked', 'x.jpg'));
    await makeJpeg(path.join(dir, 'open.jpg'));
    chmodSync(path.join(dir, 'locked'), 0o000);
    try {
      const summary = await importFolders(lib, [dir, path.join(dir, 'missing')]);
      expect(summary.imported).toBeGreaterThanOrEqual(1);
      expect(summary.errors).toContainEqual({ path: path.join(dir, 'missing'), message: expect.stringMatching(/no such file or folder/) });
      // root reads through mode 000; the EACCES path itself is covered in import-eacces.test.ts
      if (process.getuid?.() === 0) ctx.skip();
      expect(summary.errors).toContainEqual({ path: path.join(dir, 'locked'), message: 'permission denied: folder not readable' });
    } finally {
      chmodSync(path.join(dir, 'locked'), 0o755);
    }
  });

  it('walks a symbolic link loop once and leaves FIFOs and dangling links alone', async () => {
    const dir = tempDir();
    const lib = newLibrary();
    mkdirSync(path.join(dir, 'roll'));
    await makeJpeg(path.join(dir, 'roll', 'a.jpg'));
    symlinkSync(dir, path.join(dir, 'roll', 'loop'));
    symlinkSync(path.join(dir, 'nowhere.jpg'), path.join(dir, 'roll', 'dangling.jpg'));
    execFileSync('mkfifo', [path.join(dir, 'roll', 'pipe.jpg')]);
    const summary = await importFolders(lib, [dir]);
    expect(summary).toMatchObject({ imported: 1, errors: [] });
    expect(lib.filmRolls().map((f) => f.path)).toEqual([path.join(dir, 'roll')]);
  });

  it('keeps ids when a file is moved away and back (same path = same image)', async () => {
    const dir = tempDir();
    const lib = newLibrary();
    const file = await makeJpeg(path.join(dir, 'a.jpg'));
    const { ids } = await importFolders(lib, [dir]);
    renameSync(file, `${file}.bak`);
    renameSync(`${file}.bak`, file);
    expect((await importFolders(lib, [dir])).unchanged).toBe(1);
    expect(byName(lib).get('a.jpg')?.id).toBe(ids.new[0]);
  });
});

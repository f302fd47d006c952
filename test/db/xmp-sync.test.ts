import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applyCulling } from '../../src/db/culling.js';
import { listHistory } from '../../src/db/history.js';
import { importFolders } from '../../src/db/import.js';
import { Library } from '../../src/db/library.js';
import { resyncSidecar, syncSidecars, writeImageSidecar } from '../../src/db/sidecar-sync.js';
import { readSidecar, sidecarVersions } from '../../src/db/xmp.js';
import { makeJpeg, tempDir } from './helpers.js';
import { DARKTABLE, DIGIKAM, LIGHTROOM } from './sidecar-shapes.js';

/** Issue 10's sidecar rules on shapes the tools write, read back with exiftool after each change. */

const exiftool = (file: string, ...tags: string[]) =>
  execFileSync('exiftool', ['-s3', '-f', ...tags.map((t) => `-${t}`), file], { encoding: 'utf8' }).trim().split('\n');
const mode = (file: string) => statSync(file).mode & 0o777;

beforeAll(() => {
  // The preference `sidecar` is read from here: defaults unless a test writes one.
  process.env.XDG_CONFIG_HOME = tempDir('termtable-config-');
});

const libs: Library[] = [];
afterEach(() => {
  for (const lib of libs.splice(0)) lib.close();
});

async function library(dir: string) {
  const lib = Library.open(path.join(tempDir(), 'library.db'));
  libs.push(lib);
  const summary = await importFolders(lib, [dir]);
  const id = (name: string) => lib.getByPath(path.join(dir, name))!.id;
  return { lib, summary, id };
}

/** Moves a file's mtime on, as another tool's save would (same-second saves keep their size). */
function touch(file: string, seconds = 5): void {
  const t = new Date(statSync(file).mtimeMs + seconds * 1000);
  utimesSync(file, t, t);
}

describe('darktable sidecars (FILE.EXT.xmp)', () => {
  it('labels go to darktable:colorlabels only; history, masks and the rest stay byte for byte; mode kept', async () => {
    const dir = tempDir();
    const image = await makeJpeg(path.join(dir, 'IMG_0001.jpg'));
    const xmp = `${image}.xmp`;
    const original = DARKTABLE(2, [0]);
    writeFileSync(xmp, original);
    chmodSync(xmp, 0o664);
    const { lib, id } = await library(dir);
    expect(lib.get(id('IMG_0001.jpg'))).toMatchObject({ rating: 2, labels: ['red'] });

    await applyCulling(lib, [id('IMG_0001.jpg')], { rating: 4, addLabels: ['green'] });
    expect(readFileSync(xmp, 'utf8')).toBe(DARKTABLE(4, [0, 2]));
    expect(exiftool(xmp, 'XMP:Rating', 'XMP-darktable:ColorLabels', 'XMP:Label', 'XMP-darktable:History_end', 'XMP-darktable:Masks_historyMask_name')).toEqual([
      '4',
      '0, 2',
      '-',
      '2',
      'grp drawn #1',
    ]);
    expect(mode(xmp)).toBe(0o664);
    await applyCulling(lib, [id('IMG_0001.jpg')], { reject: true });
    expect(readFileSync(xmp, 'utf8')).toBe(DARKTABLE(-1, [0, 2]));
  });

  it('removes an xmp:Label that would hide the colour labels from darktable (one termtable wrote, a stale one)', async () => {
    const dir = tempDir();
    const image = await makeJpeg(path.join(dir, 'a.jpg'));
    const xmp = `${image}.xmp`;
    const withLabel = DARKTABLE(3, [0]).replace('   xmp:Rating="3"\n', '   xmp:Rating="3"\n   xmp:Label="Red"\n');
    writeFileSync(xmp, withLabel);
    const { lib, id } = await library(dir);
    await applyCulling(lib, [id('a.jpg')], { addLabels: ['blue'] });
    // darktable reads only xmp:Label when there is one (src/common/exif.cc): it must go.
    expect(readFileSync(xmp, 'utf8')).toBe(DARKTABLE(3, [0, 3]));
    expect(exiftool(xmp, 'XMP:Label', 'XMP-darktable:ColorLabels')).toEqual(['-', '0, 3']);
  });

  it('a new sidecar has colorlabels and no xmp:Label, and exiftool reads it', async () => {
    const dir = tempDir();
    const image = await makeJpeg(path.join(dir, 'n.jpg'));
    const { lib, id } = await library(dir);
    await applyCulling(lib, [id('n.jpg')], { rating: 3, addLabels: ['red', 'purple'] });
    expect(exiftool(`${image}.xmp`, 'XMP:Rating', 'XMP-darktable:ColorLabels', 'XMP:Label')).toEqual(['3', '0, 4', '-']);
    expect(existsSync(path.join(dir, 'n.xmp'))).toBe(false);
  });

  it("a duplicate's sidecar (FILE_01.EXT.xmp) is read as a version and never written by the original's decisions", async () => {
    const dir = tempDir();
    const image = await makeJpeg(path.join(dir, 'IMG_0002.jpg'));
    writeFileSync(`${image}.xmp`, DARKTABLE(1, [1]));
    const dup = path.join(dir, 'IMG_0002_01.jpg.xmp');
    writeFileSync(dup, DARKTABLE(5, [4]));
    const { lib, id, summary } = await library(dir);
    expect(summary).toMatchObject({ imported: 1, errors: [] });
    await applyCulling(lib, [id('IMG_0002.jpg')], { rating: 2, toggleLabels: ['yellow'] });
    expect(readFileSync(dup, 'utf8')).toBe(DARKTABLE(5, [4]));
    expect(readFileSync(`${image}.xmp`, 'utf8')).toBe(DARKTABLE(2, []).replace(/\n   <darktable:colorlabels>[\s\S]*?<\/darktable:colorlabels>/, ''));
    expect(await sidecarVersions(image)).toMatchObject([{ version: 1, file: dup, culling: { rating: 5, labels: ['purple'] } }]);
  });
});

describe('Lightroom sidecars (FILE.xmp)', () => {
  it('with only FILE.xmp, writes there in its convention: one xmp:Label in Lightroom spelling, crs: and the xpacket kept', async () => {
    const dir = tempDir();
    const image = await makeJpeg(path.join(dir, 'IMG_0003.jpg'));
    const xmp = path.join(dir, 'IMG_0003.xmp');
    writeFileSync(xmp, LIGHTROOM);
    chmodSync(xmp, 0o600);
    const { lib, id } = await library(dir);
    expect(lib.get(id('IMG_0003.jpg'))).toMatchObject({ rating: 3, labels: ['green'], rotation: 0 });
    await applyCulling(lib, [id('IMG_0003.jpg')], { addLabels: ['red'] });
    // Red and green set: Lightroom holds one label, the first in darktable's order wins.
    const once = LIGHTROOM.replace('xmp:Label="Green"', 'xmp:Label="Red"');
    expect(readFileSync(xmp, 'utf8')).toBe(once);
    expect(existsSync(`${image}.xmp`)).toBe(false);
    expect(mode(xmp)).toBe(0o600);
    expect(exiftool(xmp, 'XMP:Label', 'XMP:Title', 'XMP-crs:Exposure2012', 'XMP:Subject')).toEqual(['Red', 'Harbour at dawn', '+0.35', 'harbour, dawn']);
    // the library keeps both labels
    expect(lib.get(id('IMG_0003.jpg'))!.labels).toEqual(['red', 'green']);
  });

  it('preference sidecar: both creates FILE.EXT.xmp beside FILE.xmp; darktable creates only that', async () => {
    const dir = tempDir();
    await makeJpeg(path.join(dir, 'b.jpg'));
    await makeJpeg(path.join(dir, 'd.jpg'));
    writeFileSync(path.join(dir, 'b.xmp'), LIGHTROOM);
    const { lib, id } = await library(dir);
    await writeImageSidecar(lib, lib.get(id('b.jpg'))!, { sidecar: 'both' });
    expect(exiftool(path.join(dir, 'b.jpg.xmp'), 'XMP:Rating', 'XMP-darktable:ColorLabels', 'XMP:Label')).toEqual(['3', '2', '-']);
    expect(readFileSync(path.join(dir, 'b.xmp'), 'utf8')).toBe(LIGHTROOM);
    mkdirSync(path.join(dir, 'cfg'));
    await writeImageSidecar(lib, lib.get(id('d.jpg'))!, { sidecar: 'lightroom' });
    expect(existsSync(path.join(dir, 'd.jpg.xmp'))).toBe(false);
    expect(exiftool(path.join(dir, 'd.xmp'), 'XMP:Rating')).toEqual(['0']);
  });

  it('rotation is written as tiff:Orientation composed with the EXIF orientation, and read back', async () => {
    const dir = tempDir();
    const image = path.join(dir, 'IMG_0004.jpg');
    await sharp({ create: { width: 40, height: 30, channels: 3, background: '#357' } }).jpeg().withMetadata({ orientation: 6 }).toFile(image);
    const xmp = path.join(dir, 'IMG_0004.xmp');
    writeFileSync(xmp, LIGHTROOM.replace('tiff:Orientation="1"', 'tiff:Orientation="6"'));
    const { lib, id } = await library(dir);
    const imageId = id('IMG_0004.jpg');
    expect(lib.get(imageId)).toMatchObject({ orientation: 6, rotation: 0 });
    lib.rotate([imageId], 1); // the `]` key
    expect(await resyncSidecar(lib, imageId)).toMatchObject({ updated: false, wrote: true }); // shown in the lighttable
    expect(readFileSync(xmp, 'utf8')).toBe(LIGHTROOM.replace('tiff:Orientation="1"', 'tiff:Orientation="3"'));
    expect(exiftool(xmp, 'XMP-tiff:Orientation#')).toEqual(['3']);
    // Read back: a fresh library takes the rotation from the sidecar.
    const again = await library(dir);
    expect(again.lib.get(again.id('IMG_0004.jpg'))).toMatchObject({ orientation: 6, rotation: 1 });
    // Another tool turns it twice more (tiff:Orientation 8 = EXIF 6 turned twice).
    execFileSync('exiftool', ['-q', '-overwrite_original', '-n', '-XMP-tiff:Orientation=8', xmp]);
    touch(xmp);
    expect(await resyncSidecar(lib, imageId)).toMatchObject({ updated: true });
    expect(lib.get(imageId)!.rotation).toBe(2);
  });
});

describe('digiKam sidecars', () => {
  it('reads ColorLabel numbers and PickLabel (1 = rejected) and keeps them in step on write', async () => {
    const dir = tempDir();
    const a = await makeJpeg(path.join(dir, 'dk-a.jpg'));
    const b = await makeJpeg(path.join(dir, 'dk-b.jpg'));
    writeFileSync(`${a}.xmp`, DIGIKAM(3));
    writeFileSync(`${b}.xmp`, DIGIKAM(1));
    const { lib, id } = await library(dir);
    expect(lib.get(id('dk-a.jpg'))).toMatchObject({ rating: 4, rejected: false, labels: ['blue'] });
    expect(lib.get(id('dk-b.jpg'))).toMatchObject({ rejected: true, labels: ['blue'] });

    await applyCulling(lib, [id('dk-a.jpg')], { reject: true, toggleLabels: ['blue', 'green'] });
    const out = readFileSync(`${a}.xmp`, 'utf8');
    const expected = DIGIKAM(1)
      .replace('xmp:Rating="4"', 'xmp:Rating="-1"')
      .replace('digiKam:ColorLabel="5"', 'digiKam:ColorLabel="4"')
      .replace('MicrosoftPhoto:Rating="75"', 'MicrosoftPhoto:Rating="75"\n   xmlns:darktable="http://darktable.sf.net/"')
      .replace(
        'MicrosoftPhoto:Rating="75"\n   xmlns:darktable="http://darktable.sf.net/">',
        'MicrosoftPhoto:Rating="75"\n   xmlns:darktable="http://darktable.sf.net/">\n   <darktable:colorlabels>\n    <rdf:Seq>\n     <rdf:li>2</rdf:li>\n    </rdf:Seq>\n   </darktable:colorlabels>',
      );
    expect(out).toBe(expected);
    expect(exiftool(`${a}.xmp`, 'XMP:Rating', 'XMP-digiKam:PickLabel', 'XMP-digiKam:ColorLabel', 'XMP-digiKam:TagsList', 'XMP-darktable:ColorLabels')).toEqual([
      '-1',
      '1',
      '4',
      'Places/Harbour',
      '2',
    ]);
    await applyCulling(lib, [id('dk-a.jpg')], { rating: 2 });
    expect(exiftool(`${a}.xmp`, 'XMP:Rating', 'XMP-digiKam:PickLabel')).toEqual(['2', '0']);
  });
});

describe('changes made elsewhere', () => {
  it('a rating changed by exiftool between two termtable writes survives, and re-import counts it', async () => {
    const dir = tempDir();
    const image = await makeJpeg(path.join(dir, 'e.jpg'));
    const xmp = `${image}.xmp`;
    writeFileSync(xmp, DARKTABLE(2, [0]));
    const { lib, id } = await library(dir);
    const imageId = id('e.jpg');
    await applyCulling(lib, [imageId], { addLabels: ['yellow'] });
    execFileSync('exiftool', ['-q', '-overwrite_original', '-XMP:Rating=5', xmp]);
    touch(xmp);
    await applyCulling(lib, [imageId], { addLabels: ['green'] });
    expect(exiftool(xmp, 'XMP:Rating', 'XMP-darktable:ColorLabels')).toEqual(['5', '0, 1, 2']);
    expect(lib.get(imageId)).toMatchObject({ rating: 5, labels: ['red', 'yellow', 'green'] });

    execFileSync('exiftool', ['-q', '-overwrite_original', '-XMP:Rating=1', xmp]);
    touch(xmp, 10);
    const byExiftool = readFileSync(xmp, 'utf8');
    const re = await importFolders(lib, [dir]);
    expect(re).toMatchObject({ unchanged: 1, sidecarsUpdated: 1, errors: [] });
    expect(lib.get(imageId)!.rating).toBe(1);
    expect(readFileSync(xmp, 'utf8')).toBe(byExiftool); // import read it; nothing to write back
    expect((await importFolders(lib, [dir])).sidecarsUpdated).toBe(0);
  });

  it("a conflict keeps the file's value and records the library's in the undo journal", async () => {
    const dir = tempDir();
    const image = await makeJpeg(path.join(dir, 'c.jpg'));
    const xmp = `${image}.xmp`;
    writeFileSync(xmp, DARKTABLE(2, [0]));
    const { lib, id } = await library(dir);
    execFileSync('exiftool', ['-q', '-overwrite_original', '-XMP:Rating=4', xmp]);
    touch(xmp);
    await applyCulling(lib, [id('c.jpg')], { rating: 3 });
    expect(lib.get(id('c.jpg'))!.rating).toBe(4);
    expect(exiftool(xmp, 'XMP:Rating')).toEqual(['4']);
    // undo would put the library's 3 back
    expect(listHistory(lib, { limit: 1 })).toMatchObject([{ kind: 'culling', description: 'rating 3→4 on c.jpg' }]);
  });

  it('termtable sync reads sidecars changed elsewhere and reports what it did', async () => {
    const dir = tempDir();
    const image = await makeJpeg(path.join(dir, 's.jpg'));
    writeFileSync(`${image}.xmp`, DARKTABLE(2, [0]));
    const { lib, id } = await library(dir);
    writeFileSync(`${image}.xmp`, DARKTABLE(5, [3]));
    touch(`${image}.xmp`);
    const summary = await syncSidecars(lib, lib.iterate());
    expect(summary).toMatchObject({ checked: 1, sidecarsUpdated: 1, pending: 0, errors: [] });
    expect(lib.get(id('s.jpg'))).toMatchObject({ rating: 5, labels: ['blue'] });
    expect((await readSidecar(image)).culling).toMatchObject({ rating: 5, labels: ['blue'] });
  });

  it('a library that lost its last commits (an old copy, as after a garbage -wal) is repaired from the sidecars', async () => {
    const dir = tempDir();
    const image = await makeJpeg(path.join(dir, 'w.jpg'));
    const dbFile = path.join(tempDir(), 'library.db');
    let lib = Library.open(dbFile);
    await importFolders(lib, [dir]);
    const id = lib.getByPath(image)!.id;
    lib.close();
    copyFileSync(dbFile, `${dbFile}.old`);
    lib = Library.open(dbFile);
    await applyCulling(lib, [id], { rating: 4, addLabels: ['red'] });
    lib.close();
    for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) rmSync(f, { force: true });
    copyFileSync(`${dbFile}.old`, dbFile);
    lib = Library.open(dbFile);
    libs.push(lib);
    expect(lib.get(id)).toMatchObject({ rating: 0, labels: [] }); // the loss
    const summary = await importFolders(lib, [dir]);
    expect(summary).toMatchObject({ unchanged: 1, sidecarsUpdated: 1 });
    expect(lib.get(id)).toMatchObject({ rating: 4, labels: ['red'] });
  });

  it('with both FILE.EXT.xmp and FILE.xmp, the darktable one is read; the next write brings both to the library', async () => {
    const dir = tempDir();
    const image = await makeJpeg(path.join(dir, 'two.jpg'));
    writeFileSync(`${image}.xmp`, DARKTABLE(4, [3]));
    writeFileSync(path.join(dir, 'two.xmp'), LIGHTROOM);
    const { lib, id } = await library(dir);
    expect(lib.get(id('two.jpg'))).toMatchObject({ rating: 4, labels: ['blue'] });
    expect((await importFolders(lib, [dir])).sidecarsUpdated).toBe(0);
    await applyCulling(lib, [id('two.jpg')], { rating: 1 });
    expect(exiftool(`${image}.xmp`, 'XMP:Rating', 'XMP-darktable:ColorLabels')).toEqual(['1', '3']);
    expect(exiftool(path.join(dir, 'two.xmp'), 'XMP:Rating', 'XMP:Label', 'XMP:Title')).toEqual(['1', 'Blue', 'Harbour at dawn']);
  });
});

import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validatePreferences } from '../../src/config/preferences.js';
import { applyCulling, removeImages, rotateImages } from '../../src/db/culling.js';
import { groupsOf, pairsOf, regroupFolders, withPairs } from '../../src/db/groups.js';
import { importFolders } from '../../src/db/import.js';
import { Library } from '../../src/db/library.js';
import { undo } from '../../src/db/undo.js';
import { corpus, REPO_ROOT, sharedTool, skipWithoutTool } from '../helpers/corpus.js';
import { makeJpeg, tempDir } from './helpers.js';

const run = promisify(execFile);
const libs: Library[] = [];
afterEach(() => {
  for (const lib of libs.splice(0)) lib.close();
});

async function imported(dir: string): Promise<Library> {
  const lib = Library.open(path.join(dir, 'library.db'));
  libs.push(lib);
  const summary = await importFolders(lib, [dir]);
  expect(summary.errors).toEqual([]);
  return lib;
}

const xmpOf = (file: string) =>
  (JSON.parse(execFileSync('exiftool', ['-j', '-XMP:Rating', '-XMP-darktable:Colorlabels', `${file}.xmp`], { encoding: 'utf8' })) as [
    { Rating?: number; Colorlabels?: number | number[] },
  ])[0];

/** A small real TIFF under a raw name: enough for import, which reads its size with exifr. */
async function makeTiffRaw(file: string): Promise<void> {
  await sharp({ create: { width: 24, height: 16, channels: 3, background: { r: 10, g: 200, b: 10 } } }).tiff().toFile(file);
}

describe('pairsOf', () => {
  it('pairs a JPEG with raws of the same base name, any case; leaves everything else alone', () => {
    const files = [
      { id: 1, filename: 'IMG_0001.CR3' },
      { id: 2, filename: 'IMG_0001.JPG' },
      { id: 3, filename: 'DSC_0001.NEF' },
      { id: 4, filename: 'dsc_0001.jpg' },
      { id: 5, filename: 'IMG_0002.JPG' }, // no raw
      { id: 6, filename: 'IMG_0003.CR3' }, // no JPEG
      { id: 7, filename: 'IMG_0004.tif' }, // not a JPEG: an export, not the camera's pair
      { id: 8, filename: 'IMG_0004.dng' },
      { id: 9, filename: 'P1.jpeg' },
      { id: 10, filename: 'P1.dng' },
      { id: 11, filename: 'P1.RW2' },
      { id: 12, filename: 'IMG_0001-edit.jpg' },
    ];
    expect(pairsOf(files)).toEqual([
      { group: 2, members: [2, 1] },
      { group: 4, members: [4, 3] },
      { group: 9, members: [9, 11, 10] },
    ]);
  });
});

describe('RAW+JPEG pairs in the library', () => {
  it('a pair made in the test is one item led by the JPEG, culled as one, undone as one', async () => {
    const dir = tempDir();
    await makeTiffRaw(path.join(dir, 'DSC_0001.NEF'));
    await makeJpeg(path.join(dir, 'dsc_0001.jpg'), { size: 24 });
    await makeJpeg(path.join(dir, 'other.jpg'));
    const lib = await imported(dir);
    const raw = lib.getByPath(path.join(dir, 'DSC_0001.NEF'))!;
    const jpeg = lib.getByPath(path.join(dir, 'dsc_0001.jpg'))!;
    const other = lib.getByPath(path.join(dir, 'other.jpg'))!;

    // Together (the default): only leaders; separate: every file.
    expect(lib.count({ sort: 'name' })).toBe(2);
    expect(lib.page({ sort: 'name' }, 0, 10).map((r) => r.filename)).toEqual(['dsc_0001.jpg', 'other.jpg']);
    expect(lib.indexOf({ sort: 'name' }, raw.id)).toBe(-1);
    expect(lib.indexOf({ sort: 'name' }, other.id)).toBe(1);
    expect(lib.count({ groupPairs: false })).toBe(3);
    expect(lib.indexOf({ sort: 'name', groupPairs: false }, raw.id)).toBe(0);

    expect(groupsOf(lib, [raw.id, jpeg.id, other.id])).toEqual(
      new Map([
        [raw.id, { group: jpeg.id, members: [jpeg.id, raw.id] }],
        [jpeg.id, { group: jpeg.id, members: [jpeg.id, raw.id] }],
        [other.id, { group: other.id, members: [other.id] }],
      ]),
    );
    expect(withPairs(lib, [jpeg.id]).sort()).toEqual([jpeg.id, raw.id].sort());

    // A decision on the leader is on both files and both sidecars.
    const result = await applyCulling(lib, [jpeg.id], { rating: 4, addLabels: ['red'] });
    expect(result.changed.map((r) => r.id).sort()).toEqual([jpeg.id, raw.id].sort());
    for (const f of [jpeg.path, raw.path]) expect(xmpOf(f)).toMatchObject({ Rating: 4, Colorlabels: 0 });
    expect((await undo(lib))!.message).toBe('undid: rating 0→4, +red on dsc_0001.jpg + DSC_0001.NEF');
    for (const f of [jpeg.path, raw.path]) expect(xmpOf(f)).toMatchObject({ Rating: 0 });

    // Separate: only the file given.
    await applyCulling(lib, [jpeg.id], { rating: 2 }, { groupPairs: false });
    expect(lib.get(raw.id)!.rating).toBe(0);
    expect(rotateImages(lib, [raw.id], 1).map((r) => r.id).sort()).toEqual([jpeg.id, raw.id].sort());

    // A pair culled apart: a toggle on the leader sets both to the leader's toggled state.
    await applyCulling(lib, [raw.id], { reject: true, addLabels: ['blue'] }, { groupPairs: false });
    await applyCulling(lib, [jpeg.id], { toggleReject: true, toggleLabels: ['blue', 'green'] });
    expect([lib.get(jpeg.id)!, lib.get(raw.id)!].map((r) => [r.rejected, r.labels])).toEqual([
      [true, ['green', 'blue']],
      [true, ['green', 'blue']],
    ]);

    // Removing the pair removes both; undo brings both back, still paired.
    expect(removeImages(lib, [jpeg.id])).toBe(2);
    expect(lib.count({})).toBe(1);
    await undo(lib);
    expect(lib.count({})).toBe(2);
    expect(groupsOf(lib, [raw.id]).get(raw.id)).toEqual({ group: jpeg.id, members: [jpeg.id, raw.id] });
  });

  it('recomputed on import: a JPEG added later pairs up, a leader removed leaves the raw on its own', async () => {
    const dir = tempDir();
    await makeTiffRaw(path.join(dir, 'IMG_0001.CR2'));
    const lib = await imported(dir);
    expect(lib.count({})).toBe(1);
    await makeJpeg(path.join(dir, 'IMG_0001.JPG'));
    await importFolders(lib, [dir]);
    expect(lib.page({}, 0, 10).map((r) => r.filename)).toEqual(['IMG_0001.JPG']);
    const jpeg = lib.getByPath(path.join(dir, 'IMG_0001.JPG'))!;
    lib.remove([jpeg.id]);
    expect(lib.page({}, 0, 10).map((r) => r.filename)).toEqual(['IMG_0001.CR2']);
    rmSync(jpeg.path);
    await importFolders(lib, [dir]);
    expect(lib.page({}, 0, 10).map((r) => r.filename)).toEqual(['IMG_0001.CR2']);
  });

  it('a pair made from a real raw file of the corpus and a JPEG from sharp', async () => {
    const dir = tempDir();
    copyFileSync(corpus('raw/canon-eos-r6-pruned.cr3'), path.join(dir, 'IMG_0042.CR3'));
    await makeJpeg(path.join(dir, 'IMG_0042.JPG'), { make: 'Canon', model: 'Canon EOS R6', size: 64 });
    copyFileSync(corpus('raw/nikon-d1.nef'), path.join(dir, 'DSC_0007.NEF'));
    await makeJpeg(path.join(dir, 'dsc_0007.jpg'), { size: 64 });
    const lib = await imported(dir);
    const leaders = lib.page({ sort: 'name' }, 0, 10);
    expect(leaders.map((r) => r.filename)).toEqual(['dsc_0007.jpg', 'IMG_0042.JPG'].sort());
    const cr3 = lib.getByPath(path.join(dir, 'IMG_0042.CR3'))!;
    expect(cr3.model).toMatch(/R6/); // really read as a raw file
    const leader = lib.getByPath(path.join(dir, 'IMG_0042.JPG'))!;
    await applyCulling(lib, [leader.id], { reject: true });
    expect(xmpOf(cr3.path)).toMatchObject({ Rating: -1 });
    expect(xmpOf(leader.path)).toMatchObject({ Rating: -1 });

    // list --json: every file, each with its group and members.
    const out = await run(process.execPath, [path.join(REPO_ROOT, 'bin', 'termtable.js'), '--library', lib.file, 'list', '--json', '--sort', 'name'], {
      encoding: 'utf8',
    });
    const rows = out.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: number; filename: string; group: number; members: number[] });
    const byName = new Map(rows.map((r) => [r.filename, r]));
    expect(rows).toHaveLength(4);
    expect(byName.get('IMG_0042.CR3')).toMatchObject({ group: leader.id, members: [leader.id, cr3.id] });
    expect(byName.get('IMG_0042.JPG')).toMatchObject({ group: leader.id, members: [leader.id, cr3.id] });
    const nef = byName.get('DSC_0007.NEF')!;
    expect(byName.get('dsc_0007.jpg')).toMatchObject({ members: [byName.get('dsc_0007.jpg')!.id, nef.id] });
  });

  describe('with make-raw-set DNGs', () => {
    beforeEach(skipWithoutTool('make-raw-set.mjs'));

    it('pairs a camera-like DNG with its JPEG', async () => {
      const dir = tempDir();
      const src = await makeJpeg(path.join(tempDir(), 'src.jpg'), { size: 320 });
      const raws = path.join(dir, 'shoot');
      mkdirSync(raws);
      execFileSync(process.execPath, [sharedTool('make-raw-set.mjs')!, raws, '2', '--src', src, '--size', '600x400', '--preview', '1024'], {
        cwd: REPO_ROOT,
        stdio: 'ignore',
      });
      await makeJpeg(path.join(raws, 'r0001.jpg'), { size: 48 });
      const lib = await imported(raws);
      expect(lib.count({ groupPairs: false })).toBe(3);
      expect(lib.page({ sort: 'name' }, 0, 10).map((r) => r.filename)).toEqual(['R0000.dng', 'r0001.jpg']);
      const dng = lib.getByPath(path.join(raws, 'R0001.dng'))!;
      expect(dng.width).toBe(600);
      expect(groupsOf(lib, [dng.id]).get(dng.id)!.members).toHaveLength(2);
    });
  });
});

describe('upgrading a library to schema step 4', () => {
  it('finds the pairs of the images it already holds, as import would', async () => {
    const dir = tempDir();
    const names = ['DSC_0001.NEF', 'dsc_0001.jpg', 'a.b.CR2', 'a.b.jpg', 'x.tif', 'x.dng', 'P1.jpeg', 'P1.dng', 'P1.RW2', 'lone.jpg', 'lone2.ARW'];
    for (const n of names) {
      if (/\.(jpe?g)$/i.test(n)) await makeJpeg(path.join(dir, n));
      else await makeTiffRaw(path.join(dir, n));
    }
    let lib = await imported(dir);
    const ids = [...lib.iterate()].map((r) => r.id);
    const want = groupsOf(lib, ids);
    expect([...new Set([...want.values()].map((g) => g.members.length))].sort()).toEqual([1, 2, 3]);

    // The library as termtable left it before step 4.
    lib.connection().exec('DROP TABLE image_groups; PRAGMA user_version = 3;');
    lib.close();
    lib = Library.open(lib.file);
    libs.push(lib);
    expect(groupsOf(lib, ids)).toEqual(want);
    expect(regroupFolders(lib, [dir])).toBe(0); // import would change nothing
  });
});

describe('termtable set on a pair', () => {
  it('sets both files, says so, and only the one given with rawJpegPairs: separate', async () => {
    const dir = tempDir();
    await makeTiffRaw(path.join(dir, 'IMG_0009.ORF'));
    await makeJpeg(path.join(dir, 'IMG_0009.JPG'));
    const lib = await imported(dir);
    const raw = lib.getByPath(path.join(dir, 'IMG_0009.ORF'))!;
    const jpeg = lib.getByPath(path.join(dir, 'IMG_0009.JPG'))!;
    const config = path.join(dir, 'config');
    const set = (...args: string[]) =>
      run(process.execPath, [path.join(REPO_ROOT, 'bin', 'termtable.js'), '--library', lib.file, 'set', ...args], {
        encoding: 'utf8',
        env: { ...process.env, XDG_CONFIG_HOME: config, XDG_CACHE_HOME: path.join(dir, 'cache') },
      });
    expect((await set(String(jpeg.id), '--rating', '3')).stdout).toBe('changed 1 of 1 images and 1 RAW+JPEG partner\n');
    expect(lib.get(raw.id)!.rating).toBe(3);
    expect(xmpOf(raw.path)).toMatchObject({ Rating: 3 });

    mkdirSync(path.join(config, 'termtable'), { recursive: true });
    writeFileSync(path.join(config, 'termtable', 'config.json'), JSON.stringify({ rawJpegPairs: 'separate' }));
    expect((await set(String(jpeg.id), '--rating', '5')).stdout).toBe('changed 1 of 1 images\n');
    expect(lib.get(raw.id)!.rating).toBe(3);
  });
});

describe('preference rawJpegPairs', () => {
  it('together by default, separate when set, a bad value falls back with a problem', () => {
    expect(validatePreferences({}).prefs.rawJpegPairs).toBe('together');
    expect(validatePreferences({ rawJpegPairs: 'separate' }).prefs.rawJpegPairs).toBe('separate');
    const bad = validatePreferences({ rawJpegPairs: 'both' });
    expect(bad.prefs.rawJpegPairs).toBe('together');
    expect(bad.problems).toEqual(['rawJpegPairs: invalid value "both"']);
  });
});

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MipmapCache } from '../../src/cache/index.js';
import { subjectFromRecord } from '../../src/cache/subject.js';
import { defaultPreferences } from '../../src/config/preferences.js';
import { readExifReport } from '../../src/db/exif.js';
import { importFolders } from '../../src/db/import.js';
import { Library } from '../../src/db/library.js';
import { makeJpeg, tempDir } from './helpers.js';

/** 64 bytes: an ftyp box, then an mdat box whose size 0 means "to the end of the file"; exifr loops on it forever. */
function craftedHeic(file: string): string {
  const ftyp = Buffer.alloc(24);
  ftyp.writeUInt32BE(24, 0);
  ftyp.write('ftypheic', 4, 'latin1');
  ftyp.write('mif1heic', 16, 'latin1');
  const mdat = Buffer.alloc(40);
  mdat.write('mdat', 4, 'latin1');
  writeFileSync(file, Buffer.concat([ftyp, mdat]));
  return file;
}

const libs: Library[] = [];
afterEach(() => {
  for (const lib of libs.splice(0)) lib.close();
});

describe('metadata reader under a deadline', () => {
  it('stops on a crafted HEIC, says why, and the next file is read by a fresh worker', async () => {
    const dir = tempDir();
    const heic = craftedHeic(path.join(dir, 'loop.heic'));
    const report = await readExifReport(heic, 64, { deadlineMs: 1500 });
    expect(report.problem).toMatch(/metadata reader stopped after 1500 ms/);
    expect(report.facts).toMatchObject({ width: null, height: null, maker: null, orientation: 1 });

    const jpeg = await makeJpeg(path.join(dir, 'ok.jpg'), { make: 'Acme', model: 'One' });
    const ok = await readExifReport(jpeg, 1000, { deadlineMs: 30_000 });
    expect(ok.problem).toBeUndefined();
    expect(ok.facts).toMatchObject({ maker: 'Acme', model: 'One', width: 32, height: 32 });
  });

  it('import goes on past the crafted HEIC: it is imported, listed in errors, and its thumbnail is a skull', async () => {
    const dir = tempDir();
    craftedHeic(path.join(dir, 'loop.heic'));
    await makeJpeg(path.join(dir, 'a.jpg'), { make: 'Acme' });
    await makeJpeg(path.join(dir, 'b.jpg'));
    const libraryPath = path.join(tempDir(), 'library.db');
    const lib = Library.open(libraryPath);
    libs.push(lib);

    const summary = await importFolders(lib, [dir]);
    expect(summary.imported).toBe(3);
    expect(summary.errors).toEqual([
      { path: path.join(dir, 'loop.heic'), message: expect.stringMatching(/^metadata reader stopped after \d+ ms/) },
    ]);
    const records = [...lib.iterate()];
    expect(records.find((r) => r.filename === 'a.jpg')?.maker).toBe('Acme');

    const heicRecord = records.find((r) => r.filename === 'loop.heic')!;
    const cacheDir = tempDir();
    const cache = await MipmapCache.open({
      libraryPath,
      prefs: { ...defaultPreferences(), diskBackend: false },
      loadCacheFile: false,
      saveCacheFile: false,
      diskDir: path.join(cacheDir, 'd'),
      cacheFile: path.join(cacheDir, 'c'),
    });
    try {
      const thumb = await cache.get(subjectFromRecord(heicRecord), 0);
      expect(thumb).toMatchObject({ ok: false, cause: 'unsupported' });
    } finally {
      await cache.close();
    }
  }, 120_000);
});

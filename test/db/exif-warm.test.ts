import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { closeMetadataReader, readExifReport, warmMetadataReader } from '../../src/db/exif.js';
import { makeJpeg, tempDir } from './helpers.js';

/*
 * warmMetadataReader starts the exifr workers ahead of the first file (import calls it while
 * the library opens): the files read afterwards get their facts as before, and a file's
 * deadline is still its own, not shortened by the start-up pings.
 */
describe('metadata reader started ahead', () => {
  it('reads files as before after being warmed, twice over', async () => {
    const dir = tempDir();
    warmMetadataReader();
    warmMetadataReader();
    const jpeg = await makeJpeg(path.join(dir, 'a.jpg'), { make: 'Acme', model: 'One' });
    const reports = await Promise.all([1, 2, 3].map(() => readExifReport(jpeg, 1000)));
    for (const r of reports) {
      expect(r.problem).toBeUndefined();
      expect(r.facts).toMatchObject({ maker: 'Acme', model: 'One', width: 32, height: 32 });
    }
  });

  it('closed while its worker is still starting, and closed again, the next read starts a new one', async () => {
    const dir = tempDir();
    warmMetadataReader();
    await closeMetadataReader();
    await closeMetadataReader();
    const jpeg = await makeJpeg(path.join(dir, 'c.jpg'), { make: 'Acme', model: 'Two' });
    const r = await readExifReport(jpeg, 1000);
    expect(r.problem).toBeUndefined();
    expect(r.facts).toMatchObject({ maker: 'Acme', model: 'Two' });
    await closeMetadataReader();
  });

  it('a crafted file read right after the warm-up is still stopped at its own deadline', async () => {
    const dir = tempDir();
    // An mdat box of size 0 ("to the end of the file"): exifr loops on it forever.
    const heic = path.join(dir, 'loop.heic');
    const ftyp = Buffer.alloc(24);
    ftyp.writeUInt32BE(24, 0);
    ftyp.write('ftypheic', 4, 'latin1');
    ftyp.write('mif1heic', 16, 'latin1');
    const mdat = Buffer.alloc(40);
    mdat.write('mdat', 4, 'latin1');
    writeFileSync(heic, Buffer.concat([ftyp, mdat]));
    warmMetadataReader();
    const report = await readExifReport(heic, 64, { deadlineMs: 1500 });
    expect(report.problem).toMatch(/metadata reader stopped after 1500 ms/);
    const jpeg = await makeJpeg(path.join(dir, 'b.jpg'), { make: 'Acme' });
    expect((await readExifReport(jpeg, 1000)).facts.maker).toBe('Acme');
  });
});

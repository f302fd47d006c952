import { execFileSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyCulling } from '../../src/db/culling.js';
import { importFolders } from '../../src/db/import.js';
import { Library } from '../../src/db/library.js';
import { MAX_SIDECAR_BYTES, readSidecar, readXmpCulling, updateXmpText, writeSidecar, XmpError } from '../../src/db/xmp.js';
import { makeJpeg, tempDir } from './helpers.js';

/** Sidecars as an attacker would leave them (issue 11), all made here. */

const exiftool = (...args: string[]) => execFileSync('exiftool', args, { encoding: 'utf8' }).trim();
const mode = (file: string) => statSync(file).mode & 0o777;

const libs: Library[] = [];
afterEach(() => {
  for (const lib of libs.splice(0)) lib.close();
});

const SIMPLE = (rating: number) =>
  `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" dc:format="image/jpeg" xmp:Rating="${rating}"/></rdf:RDF></x:xmpmeta>\n`;

/** A valid sidecar holding `count` `<xmp:Rating>` fragments inside a comment (issue 11's shape). */
function commentBomb(count: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="2"/>
  <!-- ${'<xmp:Rating>5</xmp:Rating> <xmp:Rating '.repeat(count)} -->
 </rdf:RDF>
</x:xmpmeta>
`;
}

async function importOne(dir: string) {
  const lib = Library.open(path.join(tempDir(), 'library.db'));
  libs.push(lib);
  return { lib, summary: await importFolders(lib, [dir]) };
}

describe('hostile sidecars', () => {
  it('a FIFO sidecar is refused at once, by import and by a write, and the import goes on', async () => {
    const dir = tempDir();
    const image = await makeJpeg(path.join(dir, 'a.jpg'));
    await makeJpeg(path.join(dir, 'b.jpg'));
    execFileSync('mkfifo', [`${image}.xmp`]);
    expect(await readSidecar(image)).toMatchObject({ culling: null, error: 'sidecar is a FIFO, not a regular file' });
    const { lib, summary } = await importOne(dir);
    expect(summary.imported).toBe(2);
    expect(summary.errors).toEqual([{ path: `${image}.xmp`, message: 'sidecar is a FIFO, not a regular file; sidecar ignored' }]);
    await expect(writeSidecar(image, { rating: 3, rejected: false, labels: [] })).rejects.toThrow(/FIFO/);
    expect(lstatSync(`${image}.xmp`).isFIFO()).toBe(true);
    expect(lib.count({})).toBe(2);
    // through the culling path: a clear error, the library change kept, and no write owed
    const id = lib.getByPath(image)!.id;
    const result = await applyCulling(lib, [id], { rating: 3 });
    expect(result.errors).toEqual([{ path: `${image}.xmp`, message: 'sidecar is a FIFO, not a regular file' }]);
    expect(lib.get(id)).toMatchObject({ rating: 3, sidecarPending: false });
  });

  it('a sidecar that is a symlink to /dev/zero or a folder is refused without reading it', async () => {
    const dir = tempDir();
    const image = await makeJpeg(path.join(dir, 'z.jpg'));
    symlinkSync('/dev/zero', `${image}.xmp`);
    const folderImage = await makeJpeg(path.join(dir, 'f.jpg'));
    mkdirSync(`${folderImage}.xmp`);
    const { summary } = await importOne(dir);
    expect(summary.imported).toBe(2);
    expect(summary.errors).toEqual([
      { path: `${folderImage}.xmp`, message: 'sidecar is a folder, not a regular file; sidecar ignored' },
      { path: `${image}.xmp`, message: 'sidecar is a character device, not a regular file; sidecar ignored' },
    ]);
    await expect(writeSidecar(image, { rating: 1, rejected: false, labels: [] })).rejects.toThrow(/character device/);
    expect(lstatSync(`${image}.xmp`).isSymbolicLink()).toBe(true);
  });

  it('a sidecar over the size bound is reported, skipped and never overwritten', async () => {
    const dir = tempDir();
    const image = await makeJpeg(path.join(dir, 'big.jpg'));
    const text = SIMPLE(4).replace('</x:xmpmeta>', `<!-- ${'x'.repeat(MAX_SIDECAR_BYTES)} --></x:xmpmeta>`);
    writeFileSync(`${image}.xmp`, text);
    const { summary } = await importOne(dir);
    expect(summary.errors).toEqual([
      { path: `${image}.xmp`, message: `sidecar is too large (${text.length} bytes, the limit is ${MAX_SIDECAR_BYTES}); sidecar ignored` },
    ]);
    await expect(writeSidecar(image, { rating: 1, rejected: false, labels: [] })).rejects.toThrow(XmpError);
    expect(readFileSync(`${image}.xmp`, 'utf8')).toBe(text);
  });

  it('edits a 2.6 MB sidecar of <xmp:Rating> fragments in a comment: the comment is kept, exiftool reads the new rating', async () => {
    const text = commentBomb(67_000);
    expect(text.length).toBeGreaterThan(2_600_000);
    expect(readXmpCulling(text)).toMatchObject({ rating: 2 });
    const out = updateXmpText(text, { rating: 4, rejected: false, labels: [] });
    expect(out).toBe(text.replace('xmp:Rating="2"', 'xmp:Rating="4"'));
    const dir = tempDir();
    const image = await makeJpeg(path.join(dir, 'c.jpg'));
    writeFileSync(`${image}.xmp`, text);
    await writeSidecar(image, { rating: 4, rejected: false, labels: [] });
    expect(exiftool('-XMP:Rating', '-s3', `${image}.xmp`)).toBe('4');
  });

  it('never writes through a symlink out of the image folder: the link is replaced by a regular file', async () => {
    const root = tempDir();
    const photos = path.join(root, 'photos');
    const elsewhere = path.join(root, 'elsewhere');
    mkdirSync(photos);
    mkdirSync(elsewhere);
    const outside = path.join(elsewhere, 'private.xmp');
    writeFileSync(outside, SIMPLE(2));
    chmodSync(outside, 0o600);
    const image = await makeJpeg(path.join(photos, 'l.jpg'));
    symlinkSync(outside, `${image}.xmp`);
    expect((await readSidecar(image)).culling).toMatchObject({ rating: 2 }); // reading through it is fine
    await writeSidecar(image, { rating: 5, rejected: false, labels: [] });
    expect(readFileSync(outside, 'utf8')).toBe(SIMPLE(2));
    expect(mode(outside)).toBe(0o600);
    expect(lstatSync(`${image}.xmp`).isFile()).toBe(true);
    expect(readFileSync(`${image}.xmp`, 'utf8')).toBe(SIMPLE(5));
    expect(mode(`${image}.xmp`)).toBe(0o600);
  });

  it('writes through a symlink to a file in the same folder, keeping the link', async () => {
    const dir = tempDir();
    const image = await makeJpeg(path.join(dir, 'm.jpg'));
    writeFileSync(path.join(dir, 'shared.xmp'), SIMPLE(1));
    symlinkSync('shared.xmp', `${image}.xmp`);
    await writeSidecar(image, { rating: 3, rejected: false, labels: [] });
    expect(lstatSync(`${image}.xmp`).isSymbolicLink()).toBe(true);
    expect(readFileSync(path.join(dir, 'shared.xmp'), 'utf8')).toBe(SIMPLE(3));
  });

  it('keeps the mode of a sidecar it rewrites; a new one gets the umask default', async () => {
    const dir = tempDir();
    for (const m of [0o664, 0o600, 0o640]) {
      const image = await makeJpeg(path.join(dir, `p${m.toString(8)}.jpg`));
      writeFileSync(`${image}.xmp`, SIMPLE(1));
      chmodSync(`${image}.xmp`, m);
      await writeSidecar(image, { rating: 2, rejected: false, labels: [] });
      expect(exiftool('-XMP:Rating', '-s3', `${image}.xmp`)).toBe('2');
      expect(mode(`${image}.xmp`)).toBe(m);
    }
    const fresh = await makeJpeg(path.join(dir, 'new.jpg'));
    await writeSidecar(fresh, { rating: 2, rejected: false, labels: [] });
    expect(mode(`${fresh}.xmp`)).toBe(0o666 & ~process.umask());
  });

  it('a 255-byte file name cannot get a sidecar: said once, clearly, and the decision stays in the library', async () => {
    const dir = tempDir();
    const name = `${'n'.repeat(251)}.jpg`;
    await makeJpeg(path.join(dir, name));
    const { lib, summary } = await importOne(dir);
    const id = summary.ids.new[0]!;
    const first = await applyCulling(lib, [id], { rating: 3 });
    expect(first.errors).toHaveLength(1);
    expect(first.errors[0]!.message).toBe(
      `file name too long for a sidecar (${name}.xmp would be 259 bytes, more than the file system allows); its culling is kept in the library only`,
    );
    const second = await applyCulling(lib, [id], { rating: 4, addLabels: ['red'] });
    expect(second.errors).toEqual([]);
    expect(lib.get(id)).toMatchObject({ rating: 4, labels: ['red'] });
    expect(readdirSync(dir)).toEqual([name]); // no temp file left behind
  });
});

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  newXmpText,
  readSidecar,
  readXmpCulling,
  sidecarPaths,
  updateXmpText,
  writeSidecar,
  XmpError,
} from '../../src/db/xmp.js';
import { makeJpeg, tempDir } from './helpers.js';

function exiftool(...args: string[]): string {
  return execFileSync('exiftool', args, { encoding: 'utf8' }).trim();
}

/** Shaped like a darktable 4.x sidecar: attributes on the Description, history as elements. */
const DARKTABLE_XMP = `<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:exif="http://ns.adobe.com/exif/1.0/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
    xmlns:darktable="http://darktable.sf.net/"
   exif:DateTimeOriginal="2024:05:01 10:11:12.000"
   xmp:Rating="2"
   xmpMM:DerivedFrom="IMG_0001.CR2"
   darktable:import_timestamp="63848000000000000"
   darktable:change_timestamp="63848000100000000"
   darktable:xmp_version="5"
   darktable:raw_params="0"
   darktable:auto_presets_applied="1"
   darktable:history_end="2"
   darktable:iop_order_version="4">
   <darktable:colorlabels>
    <rdf:Seq>
     <rdf:li>0</rdf:li>
    </rdf:Seq>
   </darktable:colorlabels>
   <darktable:masks_history>
    <rdf:Seq/>
   </darktable:masks_history>
   <darktable:history>
    <rdf:Seq>
     <rdf:li
      darktable:num="0"
      darktable:operation="exposure"
      darktable:enabled="1"
      darktable:modversion="6"
      darktable:params="0000000000000000cdcc4c3e0000000000004842000000000000803f"
      darktable:multi_name=""
      darktable:multi_priority="0"
      darktable:blendop_version="13"
      darktable:blendop_params="gz14eJxjYIAACQYYOOHEgAZY0QVwggZ7CB6pfOpgAAS/BBk="/>
     <rdf:li
      darktable:num="1"
      darktable:operation="colorbalancergb"
      darktable:enabled="1"
      darktable:modversion="5"
      darktable:params="a&gt;b&quot;c 0000803f00000000"
      darktable:multi_name="xmp:Rating=&quot;9&quot; is not a rating here"
      darktable:multi_priority="0"
      darktable:blendop_version="13"
      darktable:blendop_params="gz14eJxjYIAACQYYOOHEgAZY0QVwggZ7CB6pfOpgAAS/BBk="/>
    </rdf:Seq>
   </darktable:history>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
`;

describe('XMP sidecars', () => {
  it('names sidecars as darktable (FILE.EXT.xmp) and Lightroom (FILE.xmp) do', () => {
    expect(sidecarPaths('/p/IMG_1.CR2')).toEqual({ darktable: '/p/IMG_1.CR2.xmp', lightroom: '/p/IMG_1.xmp' });
  });

  it('reads rating, reject and labels from a darktable sidecar', () => {
    expect(readXmpCulling(DARKTABLE_XMP)).toMatchObject({ rating: 2, rejected: false, labels: ['red'] });
    expect(readXmpCulling(DARKTABLE_XMP.replace('xmp:Rating="2"', 'xmp:Rating="-1"'))).toMatchObject({ rejected: true });
  });

  it('edits a darktable sidecar in place: everything but the changed properties stays byte for byte', () => {
    const out = updateXmpText(DARKTABLE_XMP, { rating: 4, rejected: false, labels: ['green', 'blue'] });
    const expected = DARKTABLE_XMP.replace('xmp:Rating="2"', 'xmp:Rating="4"').replace(
      '     <rdf:li>0</rdf:li>\n',
      '     <rdf:li>2</rdf:li>\n     <rdf:li>3</rdf:li>\n',
    );
    expect(out).toBe(expected);
    // the history (with a decoy "xmp:Rating=" inside an attribute value) is untouched
    const history = (s: string) => s.slice(s.indexOf('<darktable:history>'), s.indexOf('</darktable:history>'));
    expect(history(out)).toBe(history(DARKTABLE_XMP));
    // removing every label removes the element; rejecting writes -1
    const bare = updateXmpText(out, { rating: 4, rejected: true, labels: [] });
    expect(bare).not.toContain('colorlabels');
    expect(bare).toContain('xmp:Rating="-1"');
    expect(history(bare)).toBe(history(DARKTABLE_XMP));
  });

  it('adds missing properties to a sidecar that has none, declaring their namespaces', () => {
    const minimal = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" dc:format="image/jpeg"/></rdf:RDF></x:xmpmeta>`;
    const out = updateXmpText(minimal, { rating: 3, rejected: false, labels: ['purple'] });
    expect(out).toContain('dc:format="image/jpeg"');
    expect(readXmpCulling(out)).toMatchObject({ rating: 3, rejected: false, labels: ['purple'] });
  });

  it('refuses malformed XMP with a clear message and never overwrites it', async () => {
    const dir = tempDir();
    const image = path.join(dir, 'a.jpg');
    const broken = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description xmp:Rating="3">\n';
    writeFileSync(`${image}.xmp`, broken);
    const read = await readSidecar(image);
    expect(read.error).toMatch(/malformed XMP/);
    await expect(writeSidecar(image, { rating: 5, rejected: false, labels: [] })).rejects.toThrow(XmpError);
    expect(readFileSync(`${image}.xmp`, 'utf8')).toBe(broken);
    expect(() => readXmpCulling('<a>not xmp</a>')).toThrow(/no rdf:RDF/);
  });

  it('writes a new sidecar that exiftool reads back, and edits it again', async () => {
    const dir = tempDir();
    const image = path.join(dir, 'IMG_0001.jpg');
    const xmp = await writeSidecar(image, { rating: 3, rejected: false, labels: ['red', 'blue'] });
    expect(xmp).toBe(`${image}.xmp`);
    expect(exiftool('-XMP:Rating', '-s3', xmp)).toBe('3');
    // issue 10: no xmp:Label in a darktable-named sidecar (darktable would read only that one)
    expect(exiftool('-XMP:Label', '-s3', xmp)).toBe('');
    expect(exiftool('-XMP-darktable:ColorLabels', '-s3', xmp)).toBe('0, 3');
    expect((await readSidecar(image)).culling).toEqual({ rating: 3, rejected: false, labels: ['red', 'blue'] });
    await writeSidecar(image, { rating: 3, rejected: true, labels: ['blue'] });
    expect(exiftool('-XMP:Rating', '-s3', xmp)).toBe('-1');
    expect(exiftool('-XMP-darktable:ColorLabels', '-s3', xmp)).toBe('3');
    expect(newXmpText({ rating: 0, rejected: false, labels: [] })).not.toContain('colorlabels');
  });

  it('edits an exiftool-written sidecar (element form) so exiftool reads the new values', async () => {
    const dir = tempDir();
    const image = await makeJpeg(path.join(dir, 'b.jpg'));
    const xmp = `${image}.xmp`;
    exiftool('-q', '-o', xmp, '-XMP:Rating=2', '-XMP:Label=Green', '-XMP-dc:Title=Keep me', image);
    const before = readFileSync(xmp, 'utf8');
    expect(before).toContain('<xmp:Rating>2</xmp:Rating>');
    expect((await readSidecar(image)).culling).toEqual({ rating: 2, rejected: false, labels: ['green'] });
    await writeSidecar(image, { rating: 5, rejected: false, labels: ['yellow'] });
    expect(exiftool('-XMP:Rating', '-s3', xmp)).toBe('5');
    // the exiftool-made xmp:Label would hide darktable:colorlabels from darktable: removed
    expect(exiftool('-XMP:Label', '-s3', xmp)).toBe('');
    expect(exiftool('-XMP-darktable:ColorLabels', '-s3', xmp)).toBe('1');
    expect(exiftool('-XMP-dc:Title', '-s3', xmp)).toBe('Keep me');
  });

  it("reads Lightroom's FILE.xmp when there is no FILE.EXT.xmp, and prefers FILE.EXT.xmp", async () => {
    const dir = tempDir();
    const image = await makeJpeg(path.join(dir, 'c.jpg'));
    exiftool('-q', '-o', path.join(dir, 'c.xmp'), '-XMP:Rating=4', '-XMP:Label=Purple', image);
    expect(await readSidecar(image)).toMatchObject({
      file: path.join(dir, 'c.xmp'),
      culling: { rating: 4, rejected: false, labels: ['purple'] },
    });
    await writeSidecar(image, { rating: 1, rejected: false, labels: [] });
    expect((await readSidecar(image)).culling).toEqual({ rating: 1, rejected: false, labels: [] });
    // Lightroom's file is not ours to touch
    expect(exiftool('-XMP:Rating', '-s3', path.join(dir, 'c.xmp'))).toBe('4');
  });

  it('reads and edits a sidecar that starts with a byte order mark, keeping it', () => {
    const out = updateXmpText(`\uFEFF${DARKTABLE_XMP}`, { rating: 1, rejected: false, labels: ['red'] });
    expect(out).toBe(`\uFEFF${DARKTABLE_XMP.replace('xmp:Rating="2"', 'xmp:Rating="1"')}`);
  });

  it("leaves a label that is not a colour name alone", () => {
    const text = DARKTABLE_XMP.replace('xmp:Rating="2"', 'xmp:Rating="2"\n   xmp:Label="Approved"');
    const out = updateXmpText(text, { rating: 2, rejected: false, labels: [] });
    expect(out).toContain('xmp:Label="Approved"');
  });
});

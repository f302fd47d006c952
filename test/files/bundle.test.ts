import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleMembers, bundlesOf, withSuffix } from '../../src/files/bundle.js';
import { tempDir } from '../db/helpers.js';

describe('bundles: an image, its pair partner and every sidecar travel together', () => {
  const names = [
    'IMG_0001.CR3', 'IMG_0001.JPG', 'IMG_0001.CR3.xmp', 'IMG_0001.JPG.xmp', 'IMG_0001.xmp', 'IMG_0001_01.CR3.xmp',
    'IMG_0001_12.JPG.xmp', 'IMG_00011.JPG', 'IMG_0001-1.JPG', 'IMG_0001.txt', '.IMG_0001.JPG', 'IMG_0001.CR3.xmp.bak',
    'IMG_0001_ab.CR3.xmp', 'IMG_0001_01.NEF.xmp',
  ];

  it('finds RAW+JPEG partners and darktable, Lightroom and duplicate sidecars, and nothing else', () => {
    expect(bundleMembers(names, 'IMG_0001')).toEqual({
      images: ['IMG_0001.CR3', 'IMG_0001.JPG'],
      sidecars: ['IMG_0001.CR3.xmp', 'IMG_0001.JPG.xmp', 'IMG_0001.xmp', 'IMG_0001_01.CR3.xmp', 'IMG_0001_12.JPG.xmp'],
    });
  });

  it("keeps regex characters of a name literal (a stem like 'a+b (1)')", () => {
    expect(bundleMembers(['a+b (1).jpg', 'a+b (1).jpg.xmp', 'aab (1).jpg.xmp', 'a+b (1).xmp'], 'a+b (1)')).toEqual({
      images: ['a+b (1).jpg'],
      sidecars: ['a+b (1).jpg.xmp', 'a+b (1).xmp'],
    });
  });

  it("renames every member with Photo Mechanic's -N on the base name, so darktable still pairs them", () => {
    expect(['IMG_0001.CR3', 'IMG_0001.CR3.xmp', 'IMG_0001.xmp', 'IMG_0001_01.CR3.xmp'].map((n) => withSuffix(n, 'IMG_0001', 2))).toEqual([
      'IMG_0001-2.CR3', 'IMG_0001-2.CR3.xmp', 'IMG_0001-2.xmp', 'IMG_0001-2_01.CR3.xmp',
    ]);
    expect(withSuffix('IMG_0001.CR3', 'IMG_0001', 0)).toBe('IMG_0001.CR3');
  });

  it('groups picked files of one folder and base name into one bundle, reading real folders', async () => {
    const root = tempDir('tt-bundle-');
    mkdirSync(path.join(root, 'a'));
    mkdirSync(path.join(root, 'b'));
    for (const n of ['IMG_1.CR3', 'IMG_1.JPG', 'IMG_1.xmp', 'IMG_2.JPG']) writeFileSync(path.join(root, 'a', n), n);
    writeFileSync(path.join(root, 'b', 'IMG_1.JPG'), 'other');
    const bundles = await bundlesOf([path.join(root, 'a/IMG_1.JPG'), path.join(root, 'a/IMG_1.CR3'), path.join(root, 'b/IMG_1.JPG'), path.join(root, 'a/IMG_2.JPG')]);
    expect(bundles.map((b) => [path.relative(root, b.dir), b.stem, b.images, b.sidecars])).toEqual([
      ['a', 'IMG_1', ['IMG_1.CR3', 'IMG_1.JPG'], ['IMG_1.xmp']],
      ['b', 'IMG_1', ['IMG_1.JPG'], []],
      ['a', 'IMG_2', ['IMG_2.JPG'], []],
    ]);
  });
});

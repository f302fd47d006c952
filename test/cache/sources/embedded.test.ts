import { writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { findEmbeddedPreviews, findJpegExifThumbnail } from '../../../src/cache/sources/embedded.js';
import { FileReader } from '../../../src/cache/sources/file-reader.js';
import { sniffKind, SNIFF_BYTES } from '../../../src/cache/sources/sniff.js';
import { corpus } from '../../helpers/corpus.js';
import { tempDir } from './helpers.js';

async function previewsOf(file: string) {
  const reader = await FileReader.open(file);
  try {
    const kind = sniffKind(await reader.read(0, SNIFF_BYTES), file);
    const scan = await findEmbeddedPreviews(reader, kind);
    return { kind, sizes: scan.previews.map((p) => `${p.width}x${p.height}`), scan };
  } finally {
    await reader.close();
  }
}

describe('findEmbeddedPreviews on real raw files', () => {
  // The largest preview each file carries, per corpus/SOURCES.md (exiv2 -pp).
  it.each([
    ['raw/canon-eos-1ds-mk3-truncated.cr2', 'raw-tiff', '2784x1856'],
    ['raw/canon-eos-6d-lossy.dng', 'raw-tiff', '1024x683'],
    ['raw/canon-eos-d30.crw', 'crw', '1440x960'],
    ['raw/canon-eos-r6-pruned.cr3', 'cr3', '1620x1080'],
    ['raw/fujifilm-s5pro-stripped.raf', 'raf', '160x120'],
    ['raw/nikon-d7100-truncated.nef', 'raw-tiff', '6000x4000'],
    ['raw/sony-slt-a55v-truncated.arw', 'raw-tiff', '1616x1080'],
  ])('%s: %s, largest %s first', async (rel, kind, largest) => {
    const { kind: k, sizes } = await previewsOf(corpus(rel));
    expect(k).toBe(kind);
    expect(sizes[0]).toBe(largest);
  });

  it('finds every JPEG a NEF declares in its SubIFDs, and bytes that sharp decodes', async () => {
    const file = corpus('raw/nikon-d7100-truncated.nef');
    const { sizes, scan } = await previewsOf(file);
    expect(sizes).toEqual(expect.arrayContaining(['6000x4000', '1620x1080']));
    const reader = await FileReader.open(file);
    try {
      for (const p of scan.previews) {
        const meta = await sharp(await reader.readExactly(p.offset, p.length)).metadata();
        expect(`${meta.width}x${meta.height}`).toBe(`${p.width}x${p.height}`);
      }
    } finally {
      await reader.close();
    }
  });

  it.each(['raw/canon-eos-kiss-x4-colorchart.dng', 'raw/nikon-d1.nef', 'bad/gopro-hero8-unsupported.gpr', 'bad/canon-350d-stripped.cr2'])(
    '%s has no decodable JPEG preview (lossless raw data and TIFF thumbnails are not taken for one)',
    async (rel) => {
      expect((await previewsOf(corpus(rel))).sizes).toEqual([]);
    },
  );

  it('reads the declared sensor size and orientation from the TIFF structure', async () => {
    const { scan } = await previewsOf(corpus('raw/nikon-d7100-truncated.nef'));
    expect(scan.tiff?.orientation).toBe(1);
    expect(scan.tiff?.maxPixels).toBe(6036 * 4020);
    expect((await previewsOf(corpus('raw/canon-eos-6d-lossy.dng'))).scan.tiff?.isDng).toBe(true);
  });
});

describe('findJpegExifThumbnail', () => {
  it('finds the IFD1 thumbnail of a camera JPEG with the main image size', async () => {
    const reader = await FileReader.open(corpus('photos/samsung-sm-j327t1-orient6.jpg'));
    try {
      const found = await findJpegExifThumbnail(reader);
      expect(found?.preview).toMatchObject({ width: 512, height: 384 });
      expect(found?.main).toEqual({ width: 2576, height: 1932 });
    } finally {
      await reader.close();
    }
  });

  it('returns null for a JPEG without EXIF', async () => {
    const reader = await FileReader.open(corpus('photos/landscape-orient-1.jpg'));
    try {
      expect(await findJpegExifThumbnail(reader)).toBeNull();
    } finally {
      await reader.close();
    }
  });
});

describe('hostile containers', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);

  function tiff(entries: Array<[tag: number, type: number, count: number, value: number]>, nextIfd = 0, extra = Buffer.alloc(0)): Buffer {
    const ifd = Buffer.alloc(2 + entries.length * 12 + 4);
    ifd.writeUInt16LE(entries.length, 0);
    entries.forEach(([tag, type, count, value], i) => {
      ifd.writeUInt16LE(tag, 2 + i * 12);
      ifd.writeUInt16LE(type, 4 + i * 12);
      ifd.writeUInt32LE(count, 6 + i * 12);
      ifd.writeUInt32LE(value, 10 + i * 12);
    });
    ifd.writeUInt32LE(nextIfd, 2 + entries.length * 12);
    const head = Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]);
    return Buffer.concat([head, ifd, extra]);
  }

  it('survives offsets past the end, an IFD loop and absurd counts', async () => {
    const file = path.join(tmp.dir, 'hostile.nef');
    writeFileSync(
      file,
      tiff(
        [
          [0x100, 4, 1, 0xffffffff],
          [0x101, 4, 1, 0xffffffff],
          [0x14a, 4, 0x7fffffff, 0xfffffff0], // SubIFDs: huge count at an offset past the end
          [0x201, 4, 1, 0x7ffffff0], // JPEG offset past the end
          [0x202, 4, 1, 0x7fffffff],
          [0x2e, 7, 0x7fffffff, 20], // RW2 JpgFromRaw longer than the file
        ],
        8, // next IFD = itself
      ),
    );
    const { sizes } = await previewsOf(file);
    expect(sizes).toEqual([]);
  });

  it('finds a JPEG hidden in an unknown container by scanning for SOI', async () => {
    const jpeg = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#3366aa' } }).jpeg().toBuffer();
    const file = path.join(tmp.dir, 'mystery.x3f');
    writeFileSync(file, Buffer.concat([Buffer.from('FOVb'), Buffer.alloc(5000, 0x55), jpeg, Buffer.alloc(3000, 0xff)]));
    const { kind, sizes, scan } = await previewsOf(file);
    expect(kind).toBe('raw-other');
    expect(sizes).toEqual(['400x300']);
    expect(scan.previews[0]?.length).toBe(jpeg.length);
  });

  it('treats a CR3 box that claims more than the file as the end of the walk', async () => {
    const file = path.join(tmp.dir, 'short.cr3');
    const ftyp = Buffer.concat([Buffer.from([0, 0, 0, 16]), Buffer.from('ftypcrx '), Buffer.alloc(4)]);
    const bogus = Buffer.concat([Buffer.from([0x7f, 0xff, 0xff, 0xff]), Buffer.from('uuid'), Buffer.alloc(40)]);
    writeFileSync(file, Buffer.concat([ftyp, bogus]));
    expect((await previewsOf(file)).sizes).toEqual([]);
  });
});

import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { FileReader } from '../../src/cache/sources/file-reader.js';
import { readExifFacts } from '../../src/db/exif.js';
import { readJpegFacts } from '../../src/db/jpeg-exif.js';
import { corpus, CORPUS_DIR, HAVE_CORPUS } from '../helpers/corpus.js';
import { makeJpeg, tempDir } from './helpers.js';

async function factsOf(file: string) {
  const reader = await FileReader.open(file);
  try {
    const facts = await readJpegFacts(reader);
    return { facts, fileReads: reader.fileReads };
  } finally {
    await reader.close();
  }
}

/** What libvips reports: its size, and its EXIF blob without the "Exif\0\0" header. */
async function sharpFacts(file: string) {
  const meta = await sharp(file, { failOn: 'none' }).metadata();
  const exif = meta.exif && meta.exif.subarray(0, 6).toString('latin1') === 'Exif\u0000\u0000' ? meta.exif.subarray(6) : meta.exif;
  return { width: meta.width, height: meta.height, exif: exif ?? null };
}

/** A JPEG's bytes with a segment (marker, payload) put right after SOI. */
function withSegment(jpeg: Buffer, marker: number, payload: Buffer, length = payload.length + 2): Buffer {
  const head = Buffer.from([0xff, marker, length >> 8, length & 0xff]);
  return Buffer.concat([jpeg.subarray(0, 2), head, payload, jpeg.subarray(2)]);
}

describe('readJpegFacts: a JPEG header read without sharp', () => {
  it('gives the size and the EXIF bytes libvips gives, in one file read', async () => {
    const dir = tempDir();
    const file = await makeJpeg(path.join(dir, 'a.jpg'), { make: 'Acme', model: 'One', date: '2024:05:06 07:08:09', size: 48 });
    const wide = path.join(dir, 'wide.jpg');
    await sharp({ create: { width: 301, height: 17, channels: 3, background: '#808080' } }).jpeg({ progressive: true }).toFile(wide);
    for (const f of [file, wide]) {
      const { facts, fileReads } = await factsOf(f);
      const want = await sharpFacts(f);
      expect(facts).not.toBeNull();
      expect({ width: facts!.width, height: facts!.height }).toEqual({ width: want.width, height: want.height });
      expect(facts!.exif === null ? null : Buffer.compare(facts!.exif, want.exif!)).toBe(want.exif === null ? null : 0);
      expect(fileReads).toBe(1);
    }
    expect((await factsOf(wide)).facts).toMatchObject({ width: 301, height: 17, exif: null });
  });

  it('agrees with sharp on every JPEG of the sample corpus that libvips reads', async () => {
    if (!HAVE_CORPUS) corpus('photos');
    const files = readdirSync(path.join(CORPUS_DIR, 'photos'))
      .filter((n) => /\.jpe?g$/i.test(n))
      .map((n) => path.join(CORPUS_DIR, 'photos', n));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const want = await sharpFacts(file);
      const { facts } = await factsOf(file);
      expect({ file, width: facts?.width, height: facts?.height }).toEqual({ file, width: want.width, height: want.height });
      expect({ file, same: facts?.exif && want.exif ? Buffer.compare(facts.exif, want.exif) === 0 : facts?.exif === want.exif }).toEqual({ file, same: true });
    }
  });

  it('returns null for what is not a well-formed decodable JPEG header, within bounded reads', async () => {
    const dir = tempDir();
    const good = await makeJpeg(path.join(dir, 'good.jpg'), { make: 'Acme' });
    const jpeg = (await import('node:fs')).readFileSync(good);
    const cases: Record<string, Buffer> = {
      // An APP1 claiming 65,535 bytes in a file much shorter than that.
      'app1-past-end.jpg': Buffer.concat([withSegment(jpeg.subarray(0, 2), 0xe1, Buffer.from('Exif\u0000\u0000II*\u0000', 'latin1'), 0xffff)]),
      // A segment length of 0 (would loop in place).
      'zero-length.jpg': withSegment(jpeg, 0xe0, Buffer.alloc(0), 0),
      // Lossless (SOF3): libjpeg-turbo's decoder, and so the thumbnails, do not take it.
      'lossless.jpg': Buffer.from(jpeg.toString('latin1').replace('\u00ff\u00c0', '\u00ff\u00c3'), 'latin1'),
      'png-named.jpg': await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).png().toBuffer(),
      'fill-only.jpg': Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.alloc(4096, 0xff)]),
    };
    for (const [name, bytes] of Object.entries(cases)) {
      const file = path.join(dir, name);
      writeFileSync(file, bytes);
      const reader = await FileReader.open(file);
      try {
        expect({ name, facts: await readJpegFacts(reader) }).toEqual({ name, facts: null });
        expect(reader.reads).toBeLessThan(5000);
      } finally {
        await reader.close();
      }
    }
  });

  it('an APP1 that is not EXIF (XMP) is passed over; the EXIF after it is found', async () => {
    const dir = tempDir();
    const jpeg = (await import('node:fs')).readFileSync(await makeJpeg(path.join(dir, 'a.jpg'), { make: 'Acme' }));
    const file = path.join(dir, 'xmp-first.jpg');
    writeFileSync(file, withSegment(jpeg, 0xe1, Buffer.from('http://ns.adobe.com/xap/1.0/\u0000<x:xmpmeta/>', 'latin1')));
    const { facts } = await factsOf(file);
    expect(facts?.exif?.subarray(0, 2).toString('latin1')).toMatch(/^(II|MM)$/);
    // And import reads the maker from it.
    expect(await readExifFacts(file, 1000)).toMatchObject({ maker: 'Acme', width: 32, height: 32 });
  });
});

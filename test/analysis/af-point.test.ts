import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canonAfPoint, readFocusPoint, uprightPoint } from '../../src/analysis/af-point.js';
import { corpus } from '../helpers/corpus.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'tt-af-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * A little-endian TIFF as a Canon camera writes it: IFD0 → Exif IFD → MakerNote (a bare IFD)
 * → AFInfo2 (tag 0x0026, shorts): `points` as [x, y] from the centre (y up) on a w x h AF
 * image, the ones listed in `inFocus` flagged.
 */
function canonTiff(points: [number, number][], inFocus: number[], w = 6000, h = 4000): Buffer {
  const n = points.length;
  const words = Math.ceil(n / 16);
  const af = [0, 2, n, n, w / 2, h / 2, w, h, ...points.map(() => 100), ...points.map(() => 150),
    ...points.map((p) => p[0] & 0xffff), ...points.map((p) => p[1] & 0xffff), ...Array.from({ length: words }, () => 0)];
  for (const i of inFocus) af[8 + 4 * n + Math.floor(i / 16)]! |= 1 << (i % 16);
  af[0] = af.length * 2;
  const buf = Buffer.alloc(8 + 18 * 3 + af.length * 2);
  buf.write('II', 0, 'latin1');
  buf.writeUInt16LE(42, 2);
  buf.writeUInt32LE(8, 4);
  const ifd = (at: number, tag: number, type: number, count: number, value: number) => {
    buf.writeUInt16LE(1, at);
    buf.writeUInt16LE(tag, at + 2);
    buf.writeUInt16LE(type, at + 4);
    buf.writeUInt32LE(count, at + 6);
    buf.writeUInt32LE(value, at + 10);
    buf.writeUInt32LE(0, at + 14);
  };
  const exifAt = 8 + 18;
  const noteAt = exifAt + 18;
  const afAt = noteAt + 18;
  ifd(8, 0x8769, 4, 1, exifAt);
  ifd(exifAt, 0x927c, 7, 18, noteAt);
  ifd(noteAt, 0x0026, 3, af.length, afAt);
  af.forEach((v, i) => buf.writeUInt16LE(v & 0xffff, afAt + i * 2));
  return buf;
}

describe("the camera's AF point (Canon AFInfo2)", () => {
  it('reads the points in focus, as fractions of the sensor frame', () => {
    const pts: [number, number][] = [[-1500, 1000], [0, 0], [1500, -1000]];
    expect(canonAfPoint(canonTiff(pts, [0]))).toEqual({ x: 0.25, y: 0.25 });
    expect(canonAfPoint(canonTiff(pts, [2]))).toEqual({ x: 0.75, y: 0.75 });
    // Two in focus: their mean.
    expect(canonAfPoint(canonTiff(pts, [1, 2]))).toEqual({ x: 0.625, y: 0.625 });
    // None in focus (manual focus): no point.
    expect(canonAfPoint(canonTiff(pts, []))).toBeNull();
  });

  it('gives null, never an exception, for files that are not Canon TIFFs or are cut short', () => {
    const good = canonTiff([[0, 0]], [0]);
    for (let cut = 0; cut < good.length; cut += 7) expect(canonAfPoint(good.subarray(0, cut))).toBeNull();
    expect(canonAfPoint(Buffer.from('not an image at all'))).toBeNull();
    const huge = Buffer.from(good);
    huge.writeUInt16LE(0xffff, 8); // IFD0 claims 65535 entries
    expect(canonAfPoint(huge)).toBeNull();
  });

  it('turns the point upright with the EXIF orientation and the user rotation', () => {
    const p = { x: 0.2, y: 0.1 };
    expect(uprightPoint(p, 1, 0)).toEqual(p);
    expect(uprightPoint(p, 6, 0)).toEqual({ x: 0.9, y: 0.2 }); // 90° clockwise: top-left goes top-right
    expect(uprightPoint(p, 8, 0)).toEqual({ x: 0.1, y: 0.8 });
    expect(uprightPoint(p, 3, 0)).toEqual({ x: 0.8, y: 0.9 });
    expect(uprightPoint(p, 2, 0)).toEqual({ x: 0.8, y: 0.1 });
    expect(uprightPoint(p, 5, 0)).toEqual({ x: 0.1, y: 0.2 }); // transpose
    expect(uprightPoint(p, 1, 1)).toEqual(uprightPoint(p, 6, 0));
  });

  it('reads it from a CR2 file made here', async () => {
    const file = path.join(work, 'IMG_0001.CR2');
    writeFileSync(file, canonTiff([[1500, 1000]], [0]));
    expect(await readFocusPoint(file, 1, 0)).toEqual({ x: 0.75, y: 0.25 });
    expect(await readFocusPoint(file, 6, 0)).toEqual({ x: 0.75, y: 0.75 });
    expect(await readFocusPoint(path.join(work, 'x.png'), 1, 0)).toBeNull();
  });

  it('reads the corpus 1Ds Mark III CR2 (centre point in focus); a Nikon JPEG has none this reader understands', async () => {
    expect(await readFocusPoint(corpus('raw/canon-eos-1ds-mk3-truncated.cr2'), 1, 0)).toEqual({ x: 0.5, y: 0.5 });
    expect(await readFocusPoint(corpus('photos/nikon-d70.jpg'), 1, 0)).toBeNull();
  });
});

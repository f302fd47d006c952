import { describe, expect, it } from 'vitest';
import { sniffKind } from '../../src/cache/sources/sniff.js';
import { isSupported, RAW_EXTENSIONS } from '../../src/db/extensions.js';

/** The first bytes of a little-endian TIFF: what most raw formats start with. */
const tiffHead = Buffer.from([0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);

describe('raw extensions: one list for import and for reading', () => {
  it.each(['IMG_0001.CR3', 'DSC_0001.NEF', 'P1000001.RW2', 'PA010001.ORF', 'L1000001.DNG', 'a.k25', 'b.ari', 'c.raw'])(
    '%s is imported',
    (name) => expect(isSupported(name)).toBe(true),
  );

  it('every raw extension the library imports is read as a raw, TIFF-structured ones as TIFF raws', () => {
    for (const ext of RAW_EXTENSIONS) expect(sniffKind(tiffHead, `x.${ext.toUpperCase()}`), ext).toBe('raw-tiff');
    expect(sniffKind(tiffHead, 'x.tif')).toBe('tiff');
  });

  it('a file with a raw extension and no known structure is still tried as a raw', () => {
    expect(sniffKind(Buffer.from('not a known header at all'), 'x.mos')).toBe('raw-other');
    expect(sniffKind(Buffer.from('not a known header at all'), 'x.txt')).toBe('unknown');
  });
});

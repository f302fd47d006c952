import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ThumbError } from '../../../src/cache/sources/causes.js';
import { classifyError } from '../../../src/cache/sources/causes.js';
import { decodeHeic } from '../../../src/cache/sources/heic-decoder.js';
import { decodeRaw, NO_RAW_DECODER, parsePnmHeader } from '../../../src/cache/sources/raw-decoder.js';
import { corpus } from '../../helpers/corpus.js';
import { tempDir } from './helpers.js';

describe('HEIC worker', () => {
  it('decodes an iPhone HEIC off the main thread, and survives garbage before it', async () => {
    const garbage = new Uint8Array(4096).fill(7);
    garbage.set(Buffer.from('\0\0\0\x18ftypheic'), 0);
    await expect(decodeHeic(garbage)).rejects.toBeInstanceOf(ThumbError);
    const heic = readFileSync(corpus('photos/apple-iphone11pro.heic'));
    const img = await decodeHeic(new Uint8Array(heic));
    expect([img.width, img.height]).toEqual([3024, 4032]);
    expect(img.pixels.length).toBe(3024 * 4032 * 4);
  });

  it('an aborted decode rejects and the next one still works (the worker is replaced)', async () => {
    const heic = readFileSync(corpus('photos/apple-iphone11pro.heic'));
    const controller = new AbortController();
    const pending = decodeHeic(new Uint8Array(heic), { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toThrow('aborted');
    const img = await decodeHeic(new Uint8Array(heic));
    expect(img.width).toBe(3024);
  });

  it('a decode over its time limit is killed with a clear detail', async () => {
    const heic = readFileSync(corpus('photos/apple-iphone11pro.heic'));
    await expect(decodeHeic(new Uint8Array(heic), { timeoutMs: 1 })).rejects.toThrow(/timed out/);
  });
});

describe('raw decoder (LibRaw dcraw_emu)', () => {
  it('decodes a raw to half-size 8-bit pixels in one buffer of their exact size', async () => {
    const half = await decodeRaw(corpus('raw/nikon-d1.nef'));
    const full = await decodeRaw(corpus('raw/nikon-d1.nef'), { halfSize: false });
    expect(half.channels).toBe(3);
    expect(half.pixels.length).toBe(half.width * half.height * 3);
    expect(Math.abs(full.width / 2 - half.width)).toBeLessThanOrEqual(1);
    expect(Math.abs(full.height / 2 - half.height)).toBeLessThanOrEqual(1);
    // Real pixels, not a blank buffer: a photo has spread in its values.
    const stats = await sharp(half.pixels, { raw: { width: half.width, height: half.height, channels: 3 } }).stats();
    expect(stats.channels[1]!.stdev).toBeGreaterThan(10);
  });

  it('reads the PPM header, refusing what is not an 8-bit PPM or PGM', () => {
    expect(parsePnmHeader(Buffer.from('P6\n3000 2000\n255\nxyz'))).toEqual({ length: 17, width: 3000, height: 2000, channels: 3 });
    expect(parsePnmHeader(Buffer.from('P5\n10 20\n255\n'))).toEqual({ length: 13, width: 10, height: 20, channels: 1 });
    expect(parsePnmHeader(Buffer.from('P6\n30'))).toBeNull();
    expect(() => parsePnmHeader(Buffer.from('II*\0'))).toThrow(/no PPM/);
    expect(() => parsePnmHeader(Buffer.from('P6\n10 10\n65535\n'))).toThrow(/8-bit/);
  });

  it('reports LibRaw\'s own words when it cannot decode', async () => {
    await expect(decodeRaw(corpus('bad/gopro-hero8-unsupported.gpr'))).rejects.toThrow(/Unsupported file format/);
  });

  it('says what to install when the decoder is absent', async () => {
    const err = await decodeRaw(corpus('raw/nikon-d1.nef'), { executable: '/nonexistent/dcraw_emu' }).catch((e: unknown) => e);
    expect(classifyError(err)).toEqual({ cause: 'unsupported', detail: NO_RAW_DECODER });
  });

  it('kills a decoder that hangs, and reports one that crashes', async () => {
    const tmp = tempDir();
    try {
      const hang = path.join(tmp.dir, 'hang.sh');
      writeFileSync(hang, '#!/bin/sh\nexec sleep 30\n', { mode: 0o755 });
      await expect(decodeRaw(corpus('raw/nikon-d1.nef'), { executable: hang, timeoutMs: 200 })).rejects.toThrow(/timed out/);
      const crash = path.join(tmp.dir, 'crash.sh');
      writeFileSync(crash, '#!/bin/sh\necho "Segmentation fault" >&2\nkill -SEGV $$\n', { mode: 0o755 });
      const err = await decodeRaw(corpus('raw/nikon-d1.nef'), { executable: crash }).catch((e: unknown) => e);
      expect(classifyError(err)).toMatchObject({ cause: 'unsupported', detail: expect.stringMatching(/Segmentation fault/) });
    } finally {
      tmp.cleanup();
    }
  });

  it('refuses output over its bound as memory', async () => {
    const err = await decodeRaw(corpus('raw/nikon-d1.nef'), { maxBytes: 1000 }).catch((e: unknown) => e);
    expect(classifyError(err).cause).toBe('memory');
  });
});

describe('classifyError', () => {
  it.each([
    [Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }), 'missing'],
    [Object.assign(new Error('ENOENT'), { code: 'ENOENT' }), 'missing'],
    [new Error('Input file is missing: /photos/gone.jpg'), 'missing'],
    [new Error('Input image exceeds pixel limit'), 'memory'],
    [new RangeError('Array buffer allocation failed'), 'memory'],
    [new Error('VipsJpeg: premature end of JPEG image'), 'unsupported'],
    ['a string', 'unsupported'],
  ])('%s → %s', (err, cause) => {
    expect(classifyError(err).cause).toBe(cause);
  });

  it('keeps details to one bounded line without the libvips prefix', () => {
    const { detail } = classifyError(new Error(`VipsJpeg: bad\nthing ${'x'.repeat(500)}`));
    expect(detail.startsWith('bad')).toBe(true);
    expect(detail).not.toMatch(/\n/);
    expect(detail.length).toBeLessThanOrEqual(200);
  });
});

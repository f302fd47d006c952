import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyError } from '../../../src/cache/sources/causes.js';
import { decodeRaw } from '../../../src/cache/sources/raw-decoder.js';
import { findRawIdentify, readRawHeader } from '../../../src/cache/sources/raw-header.js';
import { findPrlimit } from '../../../src/util/rlimit.js';
import { corpus, HAVE_CORPUS, NEEDS_SHARED } from '../../helpers/corpus.js';
import { make, tempDir } from './helpers.js';
import { tinyDng } from './tiny-dng.js';

/**
 * LibRaw's own reading of a raw's header (raw-identify) decides before dcraw_emu runs: a
 * sensor the file cannot hold, or one over the pixel limit, is refused without decoding, and
 * the decoder runs under address-space and CPU limits sized from that header.
 */
const haveIdentify = (await findRawIdentify()) !== null;

/** A stand-in decoder that leaves a mark when it is started and records its limits. */
function markingDecoder(dir: string): { exe: string; mark: string } {
  const exe = path.join(dir, 'mark-decoder.sh');
  const mark = path.join(dir, 'started');
  writeFileSync(exe, `#!/bin/sh\n{ ulimit -v; ulimit -t; } > '${mark}'\necho "stand-in decoder" >&2\nexit 1\n`, { mode: 0o755 });
  return { exe, mark };
}

describe.skipIf(!haveIdentify)('raw header check before decoding', () => {
  it('reads the sizes LibRaw will allocate for', async () => {
    const tmp = tempDir();
    try {
      const file = path.join(tmp.dir, 'huge.dng');
      writeFileSync(file, tinyDng(30000, 20000, 1024));
      expect(await readRawHeader(file)).toMatchObject({ full: { width: 30000, height: 20000 }, output: { width: 30000, height: 20000 } });
    } finally {
      tmp.cleanup();
    }
  });

  it('a 600 MP sensor in a 1.5 kB file is refused as cut short, and the decoder never starts', async () => {
    const tmp = tempDir();
    try {
      const file = path.join(tmp.dir, 'huge.dng');
      writeFileSync(file, tinyDng(30000, 20000, 1024));
      const { exe, mark } = markingDecoder(tmp.dir);
      const err = await decodeRaw(file, { executable: exe }).catch((e: unknown) => e);
      expect(classifyError(err)).toEqual({ cause: 'unsupported', detail: expect.stringMatching(/^raw data missing or cut short: \d+ bytes for a 30000x20000 sensor$/) });
      expect(existsSync(mark)).toBe(false);
      // Through the whole thumbnail path too: a skull with that cause.
      const r = await make(file, [0], { sourcePref: 'always' });
      expect(r).toMatchObject({ ok: false, cause: 'unsupported', detail: expect.stringMatching(/cut short/) });
    } finally {
      tmp.cleanup();
    }
  });

  it('a sensor over the pixel limit is refused as memory before decoding', async () => {
    const tmp = tempDir();
    try {
      const file = path.join(tmp.dir, 'big.dng');
      writeFileSync(file, tinyDng(256, 192, 256 * 192 * 2));
      const { exe, mark } = markingDecoder(tmp.dir);
      const err = await decodeRaw(file, { executable: exe, maxPixels: 10_000 }).catch((e: unknown) => e);
      expect(classifyError(err)).toMatchObject({ cause: 'memory', detail: expect.stringMatching(/256x192 sensor/) });
      expect(existsSync(mark)).toBe(false);
    } finally {
      tmp.cleanup();
    }
  });

  it('a plausible raw decodes, under address-space and CPU limits when prlimit is there', async () => {
    const tmp = tempDir();
    try {
      const file = path.join(tmp.dir, 'ok.dng');
      writeFileSync(file, tinyDng(256, 192, 256 * 192 * 2));
      const img = await decodeRaw(file);
      expect([img.width, img.height]).toEqual([128, 96]);
      const { exe, mark } = markingDecoder(tmp.dir);
      await decodeRaw(file, { executable: exe, timeoutMs: 30_000 }).catch(() => undefined);
      const [vm, cpu] = readFileSync(mark, 'utf8').trim().split('\n');
      if (await findPrlimit()) {
        expect(Number(vm)).toBeGreaterThan(0); // KiB, not "unlimited"
        expect(cpu).toBe(String(30 * os.availableParallelism())); // the deadline, on every core
      } else {
        expect(vm).toBe('unlimited');
      }
    } finally {
      tmp.cleanup();
    }
  });

  it('a 24 MP sensor decodes within the address space its header earns (the limit leaves room for real raws)', async () => {
    const tmp = tempDir();
    try {
      const file = path.join(tmp.dir, 'big.dng');
      writeFileSync(file, tinyDng(6000, 4000, 6000 * 4000 * 2));
      const img = await decodeRaw(file);
      expect([img.width, img.height]).toEqual([3000, 2000]);
      if (await findPrlimit()) {
        // Under a limit it cannot decode in, dcraw_emu writes a 0x0 image: that is memory.
        const err = await decodeRaw(file, { addressSpaceBytes: 64 * 1024 * 1024 }).catch((e: unknown) => e);
        expect(classifyError(err)).toEqual({ cause: 'memory', detail: 'raw decoder (LibRaw) wrote an empty image: out of memory within its 64 MiB limit' });
      }
    } finally {
      tmp.cleanup();
    }
  }, 60_000);

  it.skipIf(!HAVE_CORPUS)('the stripped LX3 is refused before decoding (was decoded to noise, then refused)', async (ctx) => {
    if (!HAVE_CORPUS) ctx.skip(NEEDS_SHARED);
    const tmp = tempDir();
    try {
      const { exe, mark } = markingDecoder(tmp.dir);
      const err = await decodeRaw(corpus('bad/panasonic-lx3-stripped.rw2'), { executable: exe }).catch((e: unknown) => e);
      expect(classifyError(err).detail).toBe('raw data missing or cut short: 12344 bytes for a 3664x2754 sensor');
      expect(existsSync(mark)).toBe(false);
    } finally {
      tmp.cleanup();
    }
  });
});

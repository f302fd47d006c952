import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readCacheFile, writeCacheFile } from '../../src/cache/cache-file.js';
import { crc32, crc32Implementation, pickCrc32 } from '../../src/cache/crc32.js';
import type { CachedThumb } from '../../src/cache/entry.js';
import { tempEnv, type TempEnv } from './helpers.js';

let t: TempEnv;
beforeEach(() => {
  t = tempEnv();
});
afterEach(() => t.cleanup());

describe("the cache file's CRC-32", () => {
  it('is the native package here (its prebuilt binary is installed for this platform)', () => {
    const report = process.report.getReport() as { header?: { glibcVersionRuntime?: string } };
    const gnuLinux = process.platform === 'linux' && ['x64', 'arm64'].includes(process.arch) && !!report.header?.glibcVersionRuntime;
    if (gnuLinux) expect(crc32Implementation()).toBe('native');
  });

  it("gives zlib's values, at every length and from any starting value", () => {
    const data = randomBytes(70_000);
    for (const n of [0, 1, 7, 31, 32, 63, 64, 65, 255, 4096, 20_011, 70_000]) {
      const slice = data.subarray(data.length - n);
      expect(crc32(slice), `length ${n}`).toBe(zlibCrc32(slice));
      expect(crc32(slice, 0xdeadbeef), `length ${n} from a value`).toBe(zlibCrc32(slice, 0xdeadbeef));
    }
  });

  it("falls back to zlib's when the package cannot load, or gives other values", () => {
    const missing = pickCrc32(() => {
      throw new Error('Cannot find native binding');
    });
    expect(missing.kind).toBe('zlib');
    const wrong = pickCrc32(() => ({ crc32: () => 42 }));
    expect(wrong.kind).toBe('zlib');
    const data = randomBytes(1000);
    expect(missing.crc32(data, 5)).toBe(zlibCrc32(data, 5));
  });

  it("files keep their format: each frame's CRC is zlib's, as earlier builds wrote and read it", async () => {
    const entries: CachedThumb[] = Array.from({ length: 5 }, (_, i) => ({
      id: i + 1,
      level: 2,
      jpeg: randomBytes(3000 + i * 101),
      width: 512,
      height: 341,
      source: 'processed',
      rotation: 0,
      processedAsked: false,
      colorKey: 7,
      fileSize: 10,
      mtime: 20,
    }));
    await writeCacheFile(t.cacheFile, entries);
    const bytes = readFileSync(t.cacheFile);
    expect(bytes.readUInt32LE(12)).toBe(zlibCrc32(bytes.subarray(16, 56)));
    let at = 56;
    for (const e of entries) {
      const length = bytes.readUInt32LE(at);
      expect(length).toBe(32 + e.jpeg.length);
      expect(bytes.readUInt32LE(at + 4)).toBe(zlibCrc32(bytes.subarray(at + 8, at + 8 + length)));
      at += 8 + length;
    }
    expect((await readCacheFile(t.cacheFile)).entries).toEqual(entries);
  });
});

import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CACHE_FILE_VERSION, readCacheFile, writeCacheFile } from '../../src/cache/cache-file.js';
import type { CachedThumb } from '../../src/cache/entry.js';
import type { ThumbnailMaker } from '../../src/cache/maker.js';
import { MipmapCache } from '../../src/cache/mipmap-cache.js';
import { makePhoto, prefs, subjectOf, tempEnv, testMaker, type TempEnv } from './helpers.js';

let t: TempEnv;
beforeEach(() => {
  t = tempEnv();
});
afterEach(() => t.cleanup());

async function someEntries(n: number): Promise<CachedThumb[]> {
  const out: CachedThumb[] = [];
  for (let i = 0; i < n; i++) {
    const { data, info } = await sharp({ create: { width: 100 + i, height: 60, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 100, sigma: 30 } } })
      .jpeg()
      .toBuffer({ resolveWithObject: true });
    out.push({
      id: i + 1,
      level: (i % 5) as CachedThumb['level'],
      jpeg: data,
      width: info.width,
      height: info.height,
      source: i % 2 ? 'embedded' : 'processed',
      rotation: i % 4,
      processedAsked: i % 3 === 0,
      colorKey: 0xdeadbeef + i,
      fileSize: 1_000_000 + i,
      mtime: 1_700_000_000_123 + i,
    });
  }
  return out;
}

describe('cache file format', () => {
  it('round-trips every field and keeps the order', async () => {
    const entries = await someEntries(7);
    const meta = { hits: 12, misses: 3, evictions: 1, maxBytes: 512 << 20, savedAt: 1_700_000_000_000 };
    expect(await writeCacheFile(t.cacheFile, entries, meta)).toBe(7);
    expect(statSync(t.cacheFile).mode & 0o777).toBe(0o600);
    const loaded = await readCacheFile(t.cacheFile);
    expect(loaded.warning).toBeUndefined();
    expect(loaded.entries).toEqual(entries);
    expect(loaded.meta).toEqual(meta);
  });

  it('a byte bound stops the read before the first entry that does not fit, reading no further', async () => {
    const entries = await someEntries(8);
    await writeCacheFile(t.cacheFile, entries);
    const bound = entries.slice(0, 3).reduce((n, e) => n + e.jpeg.length + 10, 0) + 5;
    const loaded = await readCacheFile(t.cacheFile, { maxBytes: bound, sizeOf: (e) => e.jpeg.length + 10 });
    expect(loaded.warning).toBeUndefined();
    expect(loaded.entries).toEqual(entries.slice(0, 3));

    // Past the bound the file is never parsed: a flipped byte in the fifth entry goes unseen.
    const bytes = readFileSync(t.cacheFile);
    const fifth = 56 + entries.slice(0, 4).reduce((n, e) => n + 8 + 32 + e.jpeg.length, 0) + 8 + 32 + 50;
    bytes[fifth] = bytes[fifth]! ^ 0xff;
    writeFileSync(t.cacheFile, bytes);
    expect(await readCacheFile(t.cacheFile, { maxBytes: bound, sizeOf: (e) => e.jpeg.length + 10 })).toMatchObject({
      entries: entries.slice(0, 3),
    });
    expect((await readCacheFile(t.cacheFile)).entries).toEqual(entries.slice(0, 4));
  });

  it('round-trips a file of several read chunks (8 MB each), frames straddling their ends', async () => {
    const base = (await someEntries(1))[0]!;
    // Odd sizes, so frames fall across chunk boundaries; the cache file does not parse JPEGs.
    const entries = Array.from({ length: 26 }, (_, i) => ({ ...base, id: i + 1, jpeg: randomBytes(1_000_003 + i * 7919) }));
    await writeCacheFile(t.cacheFile, entries);
    const loaded = await readCacheFile(t.cacheFile);
    expect(loaded.warning).toBeUndefined();
    expect(loaded.entries.length).toBe(entries.length);
    for (const [i, e] of loaded.entries.entries()) expect(e.jpeg.equals(entries[i]!.jpeg), `entry ${i + 1}`).toBe(true);
  });

  it('a missing file is silently empty', async () => {
    expect(await readCacheFile(path.join(t.root, 'nope.cache'))).toEqual({ entries: [] });
  });

  it('truncated: keeps the entries before the cut, warns', async () => {
    const entries = await someEntries(6);
    await writeCacheFile(t.cacheFile, entries);
    const size = statSync(t.cacheFile).size;
    truncateSync(t.cacheFile, size - 200);
    const loaded = await readCacheFile(t.cacheFile);
    expect(loaded.warning).toMatch(/cut short/);
    expect(loaded.entries).toEqual(entries.slice(0, 5));
  });

  it('a flipped byte stops at that entry with a checksum warning', async () => {
    const entries = await someEntries(4);
    await writeCacheFile(t.cacheFile, entries);
    const bytes = readFileSync(t.cacheFile);
    // Inside the third entry's JPEG.
    const third = 56 + (8 + 32 + entries[0]!.jpeg.length) + (8 + 32 + entries[1]!.jpeg.length) + 8 + 32 + 100;
    bytes[third] = bytes[third]! ^ 0xff;
    writeFileSync(t.cacheFile, bytes);
    const loaded = await readCacheFile(t.cacheFile);
    expect(loaded.warning).toMatch(/checksum/);
    expect(loaded.entries).toEqual(entries.slice(0, 2));
  });

  it('foreign version, foreign magic, empty file and a directory are ignored with a warning', async () => {
    await writeCacheFile(t.cacheFile, await someEntries(2));
    const bytes = readFileSync(t.cacheFile);
    bytes.writeUInt32LE(CACHE_FILE_VERSION + 1, 8);
    writeFileSync(t.cacheFile, bytes);
    expect(await readCacheFile(t.cacheFile)).toMatchObject({ entries: [], warning: expect.stringMatching(/version/) });

    bytes.writeUInt32LE(CACHE_FILE_VERSION, 8);
    bytes[20] = bytes[20]! ^ 1;
    writeFileSync(t.cacheFile, bytes);
    expect(await readCacheFile(t.cacheFile)).toMatchObject({ entries: [], warning: expect.stringMatching(/header checksum/) });

    writeFileSync(t.cacheFile, Buffer.from('GIF89a and then some bytes that are not ours'));
    expect(await readCacheFile(t.cacheFile)).toMatchObject({ entries: [], warning: expect.stringMatching(/not a termtable/) });

    writeFileSync(t.cacheFile, Buffer.alloc(0));
    expect(await readCacheFile(t.cacheFile)).toMatchObject({ entries: [], warning: expect.stringMatching(/empty/) });

    const dirInPlace = path.join(t.root, 'dir.cache');
    mkdirSync(dirInPlace);
    expect(await readCacheFile(dirInPlace)).toMatchObject({ entries: [], warning: expect.stringMatching(/unreadable/) });
  });
});

describe('MipmapCache and its cache file', () => {
  function counting(inner: ThumbnailMaker): { maker: ThumbnailMaker; calls: () => number } {
    let n = 0;
    return {
      maker: async (s, o) => {
        n++;
        return inner(s, o);
      },
      calls: () => n,
    };
  }

  it('thumbnails made in one run are served from memory in the next with no decoding', async () => {
    const files = [0, 1, 2].map((i) => path.join(t.root, `p${i}.jpg`));
    for (const [i, f] of files.entries()) await makePhoto(f, 900, 600, i);
    const first = counting(await testMaker());
    const opts = { libraryPath: t.libraryPath, diskDir: t.diskDir, cacheFile: t.cacheFile };
    const a = await MipmapCache.open({ ...opts, prefs: prefs({ diskBackend: false }), makeThumbnails: first.maker });
    for (const [i, f] of files.entries()) expect((await a.get(await subjectOf(i + 1, f), 1)).ok).toBe(true);
    expect(first.calls()).toBe(3);
    expect(await a.close()).toEqual({});

    const second = counting(await testMaker());
    const b = await MipmapCache.open({ ...opts, prefs: prefs({ diskBackend: false }), makeThumbnails: second.maker });
    expect(b.warnings).toEqual([]);
    for (const [i, f] of files.entries()) {
      const s = await subjectOf(i + 1, f);
      expect(b.peek(s, 1)).toMatchObject({ ok: true, level: 1 });
      expect(await b.get(s, 1)).toMatchObject({ ok: true, level: 1 });
    }
    expect(second.calls()).toBe(0);
    expect(b.memoryStats().hits).toBe(3);
    await b.close();
  });

  it('saves the most recently used thumbnail first', async () => {
    const files = [0, 1, 2].map((i) => path.join(t.root, `r${i}.jpg`));
    for (const [i, f] of files.entries()) await makePhoto(f, 600, 400, i);
    const a = await MipmapCache.open({ libraryPath: t.libraryPath, diskDir: t.diskDir, cacheFile: t.cacheFile, prefs: prefs({ diskBackend: false }), makeThumbnails: await testMaker() });
    for (const [i, f] of files.entries()) await a.get(await subjectOf(i + 1, f), 2);
    // Asked again last: the most recent of all.
    await a.get(await subjectOf(1, files[0]!), 2);
    await a.close();
    const saved = (await readCacheFile(t.cacheFile)).entries.map((e) => `${e.id}:${e.level}`);
    expect(saved[0]).toBe('1:2');
    expect(saved.indexOf('3:2')).toBeLessThan(saved.indexOf('2:2'));
  });

  it('loading a file larger than the preference keeps only what fits, most recent first, in its recency', async () => {
    const entries = await someEntries(10);
    await writeCacheFile(t.cacheFile, entries);
    // The LRU counts 256 bytes of overhead per entry beside the JPEG (mipmap-cache.ts).
    const bound = entries.slice(0, 4).reduce((n, e) => n + e.jpeg.length + 256, 0) + 100;
    const a = await MipmapCache.open({
      libraryPath: t.libraryPath,
      diskDir: t.diskDir,
      cacheFile: t.cacheFile,
      prefs: prefs({ cacheSizeMB: bound / (1024 * 1024) }),
      makeThumbnails: await testMaker(),
    });
    expect(a.warnings).toEqual([]);
    expect(a.memoryStats()).toMatchObject({ entries: 4, evictions: 0 });
    for (const e of entries) {
      const hit = a.peek({ id: e.id, path: '/nowhere', fileSize: e.fileSize, mtime: e.mtime, orientation: 1, rotation: e.rotation }, e.level);
      expect(hit?.ok ?? false, `entry ${e.id}`).toBe(e.id <= 4);
    }
    await a.close();
    // Saved again in the same order: the load rebuilt the recency, not its reverse.
    expect((await readCacheFile(t.cacheFile)).entries).toEqual(entries.slice(0, 4));
  });

  it('a corrupt frame mid-file keeps the thumbnails before it, within the bound', async () => {
    const entries = await someEntries(6);
    await writeCacheFile(t.cacheFile, entries);
    const bytes = readFileSync(t.cacheFile);
    const third = 56 + entries.slice(0, 2).reduce((n, e) => n + 8 + 32 + e.jpeg.length, 0) + 8 + 32 + 20;
    bytes[third] = bytes[third]! ^ 0xff;
    writeFileSync(t.cacheFile, bytes);
    const a = await MipmapCache.open({ libraryPath: t.libraryPath, diskDir: t.diskDir, cacheFile: t.cacheFile, prefs: prefs(), makeThumbnails: await testMaker() });
    expect(a.warnings.join()).toMatch(/checksum mismatch\); kept 2 thumbnails/);
    expect(a.memoryStats().entries).toBe(2);
    await a.close();
  });

  it('a corrupt cache file gives a warning, an empty start, and is rebuilt at close', async () => {
    mkdirSync(path.dirname(t.cacheFile), { recursive: true });
    writeFileSync(t.cacheFile, Buffer.from('TTMIPMAP\x07\x00\x00\x00junk', 'latin1'));
    const f = path.join(t.root, 'x.jpg');
    await makePhoto(f, 400, 300);
    const opts = { libraryPath: t.libraryPath, diskDir: t.diskDir, cacheFile: t.cacheFile, prefs: prefs(), makeThumbnails: await testMaker() };
    const a = await MipmapCache.open(opts);
    expect(a.warnings.join()).toMatch(/version 7/);
    expect((await a.get(await subjectOf(1, f), 0)).ok).toBe(true);
    await a.close();
    const reread = await readCacheFile(t.cacheFile);
    expect(reread.warning).toBeUndefined();
    expect(reread.entries.length).toBeGreaterThan(0);
  });

  it('a directory where the cache file goes: warnings, never a throw', async () => {
    mkdirSync(t.cacheFile, { recursive: true });
    const a = await MipmapCache.open({ libraryPath: t.libraryPath, diskDir: t.diskDir, cacheFile: t.cacheFile, prefs: prefs(), makeThumbnails: await testMaker() });
    expect(a.warnings.join()).toMatch(/unreadable/);
    const closed = await a.close();
    expect(closed.warning).toMatch(/cannot save/);
  });

  it('closeSync writes the same file', async () => {
    const f = path.join(t.root, 'y.jpg');
    await makePhoto(f, 500, 500);
    const a = await MipmapCache.open({ libraryPath: t.libraryPath, diskDir: t.diskDir, cacheFile: t.cacheFile, prefs: prefs(), makeThumbnails: await testMaker() });
    await a.get(await subjectOf(9, f), 2);
    expect(a.closeSync()).toEqual({});
    const reread = await readCacheFile(t.cacheFile);
    expect(reread.entries.map((e) => `${e.id}:${e.level}`).sort()).toEqual(['9:0', '9:1', '9:2']);
  });
});

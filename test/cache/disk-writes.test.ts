import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskCache, encodeDiskFile } from '../../src/cache/disk-cache.js';
import type { CachedThumb } from '../../src/cache/entry.js';
import type { Level } from '../../src/cache/types.js';
import { tempEnv, type TempEnv } from './helpers.js';

const envs: TempEnv[] = [];
afterEach(() => {
  for (const e of envs.splice(0)) e.cleanup();
});

async function thumb(id: number, level: Level): Promise<CachedThumb> {
  const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: id * 20, g: 90, b: 40 } } })
    .jpeg()
    .toBuffer();
  return { id, level, jpeg, width: 64, height: 48, source: 'processed', rotation: 0, processedAsked: false, colorKey: 7, fileSize: 1234, mtime: 5678 };
}

const temps = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.tmp'));

// Batch runs write with blocking calls (DiskCacheOptions.blockingWrites), the lighttable
// through the thread pool: both must leave the same files, and recover the same way.
describe.each([
  ['through the thread pool', {}],
  ['with blocking calls', { blockingWrites: true, blockingReads: true }],
])('disk cache writes %s', (_name, opts) => {
  it('write a whole private file that reads back, and leave no temp file', async () => {
    const e = tempEnv('tt-disk-writes-');
    envs.push(e);
    const disk = new DiskCache(e.diskDir, opts);
    const entry = await thumb(3, 1);
    await disk.write(entry);
    const back = await disk.read(3, 1);
    // The file is the JPEG with the facts' COM segment inserted: the same bytes as encoded.
    expect(back?.jpeg.equals(encodeDiskFile(entry))).toBe(true);
    expect(back).toMatchObject({ width: 64, height: 48, fileSize: 1234, mtime: 5678, colorKey: 7 });
    expect(statSync(disk.filePath(3, 1)).mode & 0o777).toBe(0o600);
    expect(temps(path.dirname(disk.filePath(3, 1)))).toEqual([]);
  });

  it('make a level folder again when it was removed after the first write (cache clear elsewhere)', async () => {
    const e = tempEnv('tt-disk-writes-');
    envs.push(e);
    const disk = new DiskCache(e.diskDir, opts);
    await disk.write(await thumb(1, 0));
    rmSync(path.join(e.diskDir, '0'), { recursive: true });
    await disk.write(await thumb(2, 0));
    expect((await disk.read(2, 0))?.id).toBe(2);
    expect(statSync(path.join(e.diskDir, '0')).mode & 0o777).toBe(0o700);
  });

  it('remember, read and forget a failure; none, absent or damaged, reads as none', async () => {
    const e = tempEnv('tt-disk-writes-');
    envs.push(e);
    const disk = new DiskCache(e.diskDir, opts);
    expect(await disk.readDead(9)).toBeUndefined();
    await disk.removeDead(9);
    const dead = { id: 9, cause: 'unsupported' as const, detail: 'bad', exists: true, fileSize: 1, mtime: 2, path: '/p/x.jpg' };
    await disk.writeDead(dead);
    expect(await disk.readDead(9)).toEqual(dead);
    await disk.removeDead(9);
    expect(await disk.readDead(9)).toBeUndefined();
    writeFileSync(disk.deadPath(10), '{"cause":');
    expect(await disk.readDead(10)).toBeUndefined();
  });

  it('fail, leaving no temp file, when the file cannot be put in place', async () => {
    const e = tempEnv('tt-disk-writes-');
    envs.push(e);
    const disk = new DiskCache(e.diskDir, opts);
    // A folder where the thumbnail must go: the temp file is written, the rename refused.
    mkdirSync(disk.filePath(4, 2), { recursive: true });
    writeFileSync(path.join(disk.filePath(4, 2), 'x'), 'x');
    await expect(disk.write(await thumb(4, 2))).rejects.toThrow();
    expect(temps(path.join(e.diskDir, '2'))).toEqual([]);
    // A file where a level folder must go: nothing can be written there.
    writeFileSync(path.join(e.diskDir, '3'), 'not a folder');
    await expect(disk.write(await thumb(5, 3))).rejects.toThrow();
  });
});

import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applyCulling } from '../../src/db/culling.js';
import { importFolders } from '../../src/db/import.js';
import { Library } from '../../src/db/library.js';
import { syncSidecars } from '../../src/db/sidecar-sync.js';
import { makeJpeg, tempDir } from './helpers.js';

/**
 * A sidecar write on a full disk (issue 10, 11): a real tmpfs of 256 kB, filled up. Needs
 * mount(8) to work (root, or a container allowing it); skipped otherwise.
 */

const mounts: string[] = [];
let canMount = false;
beforeAll(() => {
  process.env.XDG_CONFIG_HOME = tempDir('termtable-config-');
  const probe = tempDir('termtable-tmpfs-probe-');
  canMount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]).status === 0;
  if (canMount) spawnSync('umount', [probe]);
});

const libs: Library[] = [];
afterEach(() => {
  for (const lib of libs.splice(0)) lib.close();
  for (const m of mounts.splice(0)) spawnSync('umount', [m]);
});

function smallDisk(): string {
  const dir = tempDir('termtable-full-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', dir]);
  mounts.push(dir);
  return dir;
}

function fill(dir: string): string {
  const filler = path.join(dir, 'filler');
  try {
    writeFileSync(filler, Buffer.alloc(1024 * 1024));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
  return filler;
}

const rating = (file: string) => execFileSync('exiftool', ['-s3', '-XMP:Rating', file], { encoding: 'utf8' }).trim();

describe('sidecar writes on a full disk', () => {
  it('mark the image pending; the same value set again after space is freed writes it (not "changed 0")', async (ctx) => {
    if (!canMount) ctx.skip();
    const dir = smallDisk();
    const image = await makeJpeg(path.join(dir, 'full.jpg'));
    const lib = Library.open(path.join(tempDir(), 'library.db'));
    libs.push(lib);
    await importFolders(lib, [dir]);
    const id = lib.getByPath(image)!.id;
    const filler = fill(dir);

    const failed = await applyCulling(lib, [id], { rating: 3 });
    expect(failed.errors).toEqual([{ path: `${image}.xmp`, message: expect.stringMatching(/ENOSPC/) }]);
    expect(lib.get(id)).toMatchObject({ rating: 3, sidecarPending: true });
    expect(readdirSync(dir).sort()).toEqual(['filler', 'full.jpg']); // no temp file left

    // still full: the same value again tries again (and fails again)
    const again = await applyCulling(lib, [id], { rating: 3 });
    expect(again.changed.map((r) => r.id)).toEqual([id]);
    expect(again.errors).toHaveLength(1);

    rmSync(filler);
    const retried = await applyCulling(lib, [id], { rating: 3 });
    expect(retried.changed.map((r) => r.id)).toEqual([id]);
    expect(retried.errors).toEqual([]);
    expect(rating(`${image}.xmp`)).toBe('3');
    expect(lib.get(id)!.sidecarPending).toBe(false);
    // once written, the same value is a no-op again
    expect((await applyCulling(lib, [id], { rating: 3 })).changed).toEqual([]);
  });

  it('termtable sync and the next import retry an owed write', async (ctx) => {
    if (!canMount) ctx.skip();
    const dir = smallDisk();
    const a = await makeJpeg(path.join(dir, 'a.jpg'));
    const b = await makeJpeg(path.join(dir, 'b.jpg'));
    const lib = Library.open(path.join(tempDir(), 'library.db'));
    libs.push(lib);
    await importFolders(lib, [dir]);
    const ida = lib.getByPath(a)!.id;
    const idb = lib.getByPath(b)!.id;
    const filler = fill(dir);
    await applyCulling(lib, [ida, idb], { rating: 4 });
    expect(lib.getMany([ida, idb]).map((r) => r.sidecarPending)).toEqual([true, true]);
    expect((await syncSidecars(lib, lib.iterate())).pending).toBe(2);

    rmSync(filler);
    const sync = await syncSidecars(lib, lib.getMany([ida]));
    expect(sync).toMatchObject({ written: 1, pending: 1, errors: [] });
    expect(rating(`${a}.xmp`)).toBe('4');
    const summary = await importFolders(lib, [dir]);
    expect(summary.errors).toEqual([]);
    expect(rating(`${b}.xmp`)).toBe('4');
    expect(lib.get(idb)!.sidecarPending).toBe(false);
  });
});

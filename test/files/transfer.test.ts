import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ClashError, copyNoReplace, moveNoReplace, PART_PREFIX, removeDeadParts, sameContent } from '../../src/files/transfer.js';
import { tempDir } from '../db/helpers.js';

// A second filesystem for the EXDEV path: /dev/shm is a tmpfs where it exists.
const shm = existsSync('/dev/shm') && statSync('/dev/shm').dev !== statSync(process.cwd()).dev ? mkdtempSync('/dev/shm/tt-transfer-') : null;
afterAll(() => {
  if (shm) rmSync(shm, { recursive: true, force: true });
});

function photo(dir: string, name: string, bytes = 300_000): string {
  const file = path.join(dir, name);
  const data = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) data[i] = (i * 7919) % 251;
  writeFileSync(file, data);
  chmodSync(file, 0o664);
  utimesSync(file, new Date('2024-05-01T10:00:00.123Z'), new Date('2024-05-02T11:22:33.456Z'));
  return file;
}

describe('copyNoReplace', () => {
  it('copies bytes, mode and modification time (the thumbnail cache keys on size and mtime)', async () => {
    const dir = tempDir('tt-copy-');
    const src = photo(dir, 'a.jpg');
    const dest = path.join(dir, 'out.jpg');
    await copyNoReplace(src, dest);
    expect(readFileSync(dest).equals(readFileSync(src))).toBe(true);
    expect(statSync(dest).mode & 0o7777).toBe(0o664);
    expect(Math.trunc(statSync(dest).mtimeMs)).toBe(Math.trunc(statSync(src).mtimeMs));
    expect(readdirSync(dir).filter((n) => n.startsWith(PART_PREFIX))).toEqual([]);
  });

  it('keeps the mtime truncated (the cache) and rounded (the library) to the millisecond, however close to a boundary', async () => {
    const dir = tempDir('tt-copy-');
    for (const [i, seconds] of [1796123935.5029999, 1796123935.5030001, 1700000000.9999999, 1700000001.0000001, 1700000000.0004999, 1700000000.0005001].entries()) {
      const src = photo(dir, `t${i}.jpg`, 1000);
      utimesSync(src, seconds, seconds);
      const dest = path.join(dir, `t${i}-copy.jpg`);
      await copyNoReplace(src, dest);
      expect(Math.trunc(statSync(dest).mtimeMs)).toBe(Math.trunc(statSync(src).mtimeMs));
      expect(Math.round(statSync(dest).mtimeMs)).toBe(Math.round(statSync(src).mtimeMs));
    }
  });

  it('copies a file whose name is 255 bytes long (the temporary name does not grow with it)', async () => {
    const dir = tempDir('tt-copy-');
    const src = photo(dir, 'a.jpg', 1000);
    const dest = path.join(dir, `${'x'.repeat(251)}.jpg`);
    await copyNoReplace(src, dest);
    expect(readFileSync(dest).equals(readFileSync(src))).toBe(true);
  });

  it('never replaces an existing file and leaves no temporary file behind', async () => {
    const dir = tempDir('tt-copy-');
    const src = photo(dir, 'a.jpg');
    const dest = path.join(dir, 'b.jpg');
    writeFileSync(dest, 'precious');
    await expect(copyNoReplace(src, dest)).rejects.toBeInstanceOf(ClashError);
    expect(readFileSync(dest, 'utf8')).toBe('precious');
    expect(readdirSync(dir).sort()).toEqual(['a.jpg', 'b.jpg']);
  });
});

describe('moveNoReplace', () => {
  it('within a filesystem keeps the inode, mode and mtime, and never replaces', async () => {
    const dir = tempDir('tt-move-');
    const src = photo(dir, 'a.jpg');
    const before = statSync(src);
    const dest = path.join(dir, 'moved.jpg');
    await moveNoReplace(src, dest);
    expect(existsSync(src)).toBe(false);
    const after = statSync(dest);
    expect([after.ino, after.mode, after.mtimeMs, after.size]).toEqual([before.ino, before.mode, before.mtimeMs, before.size]);
    const other = photo(dir, 'c.jpg');
    await expect(moveNoReplace(other, dest)).rejects.toBeInstanceOf(ClashError);
    expect(existsSync(other)).toBe(true);
    expect(statSync(dest).ino).toBe(before.ino);
  });

  it.skipIf(!shm)('across filesystems (EXDEV) copies, keeps mode and mtime, then removes the source', async () => {
    const dir = tempDir('tt-move-');
    const src = photo(dir, 'x.jpg');
    const bytes = readFileSync(src);
    const mtime = Math.trunc(statSync(src).mtimeMs);
    const dest = path.join(shm!, 'x.jpg');
    await moveNoReplace(src, dest);
    expect(existsSync(src)).toBe(false);
    expect(readFileSync(dest).equals(bytes)).toBe(true);
    expect(Math.trunc(statSync(dest).mtimeMs)).toBe(mtime);
    expect(statSync(dest).mode & 0o7777).toBe(0o664);
    expect(readdirSync(shm!).filter((n) => n.startsWith(PART_PREFIX))).toEqual([]);
  });
});

describe('sameContent and removeDeadParts', () => {
  it('compares bytes, not only sizes', async () => {
    const dir = tempDir('tt-same-');
    const a = photo(dir, 'a.bin', 3 << 20);
    const b = path.join(dir, 'b.bin');
    const data = readFileSync(a);
    writeFileSync(b, data);
    expect(await sameContent(a, b)).toBe(true);
    const at = (3 << 20) - 5;
    data[at] = data[at]! ^ 1;
    writeFileSync(b, data);
    expect(await sameContent(a, b)).toBe(false);
  });

  it("removes a dead writer's temporary files, never a live writer's or anything else", async () => {
    const dir = tempDir('tt-parts-');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    writeFileSync(path.join(dir, `${PART_PREFIX}${deadPid}-0badf00d0badf00d`), 'half');
    writeFileSync(path.join(dir, `${PART_PREFIX}${process.pid}-0badf00d0badf00d`), 'in progress');
    writeFileSync(path.join(dir, 'IMG_3.CR3'), 'photo');
    expect(await removeDeadParts(dir)).toBe(1);
    expect(readdirSync(dir).sort()).toEqual([`${PART_PREFIX}${process.pid}-0badf00d0badf00d`, 'IMG_3.CR3']);
  });
});

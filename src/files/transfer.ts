import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { copyFile, link, lstat, open, readdir, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/**
 * Names of copies in progress: hidden, with the writer's pid so a dead writer's leftovers can
 * go; without the photo's own name, so a name near the 255-byte limit still has a temp name.
 */
export const PART_PREFIX = '.termtable-part-';
const PART_NAME = /^\.termtable-part-(\d+)-[0-9a-f]{16}$/;

/** The destination name is taken: nothing was replaced. */
export class ClashError extends Error {
  override name = 'ClashError';
}

const code = (err: unknown) => (err as NodeJS.ErrnoException).code;

export async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch (err) {
    if (code(err) === 'ENOENT') return false;
    throw err;
  }
}

/** Makes a rename or link in `dir` durable. Some filesystems refuse fsync on a folder: then the rename is as durable as they make it. */
export async function fsyncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (err) {
    if (!['EINVAL', 'EISDIR', 'EPERM', 'ENOTSUP', 'EBADF'].includes(code(err) ?? '')) throw err;
  } finally {
    await fh?.close();
  }
}

// link(2) fails with these where the filesystem has no hard links (vfat/exFAT cards, some
// network shares): there we fall back to a check and a rename.
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK', 'EACCES']);

/**
 * Gives `from` the name `to` without ever replacing a file already called `to` (rename(2)
 * would): link + unlink where the filesystem has hard links, so a second name never
 * overwrites; elsewhere a check just before the rename. Same filesystem only (EXDEV is thrown).
 */
export async function renameNoReplace(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (err) {
    if (code(err) === 'EEXIST') throw new ClashError(`${to} already exists`);
    if (!NO_LINKS.has(code(err) ?? '')) throw err;
    if (await exists(to)) throw new ClashError(`${to} already exists`);
    await rename(from, to);
    return;
  }
  await unlink(from);
}

/** `to`'s temporary name while it is being written, in `to`'s folder (so the final rename stays on one filesystem). */
export function partName(to: string): string {
  return path.join(path.dirname(to), `${PART_PREFIX}${process.pid}-${randomBytes(8).toString('hex')}`);
}

/**
 * Gives the copy the source's times. Seconds as a double carry about 0.2 µs of precision, and
 * stat's Date objects round to the millisecond, either of which can move the mtime across a
 * millisecond boundary, and the thumbnail cache and the library compare whole milliseconds: so
 * check, and where the exact time did not land on the same millisecond, set one that does.
 */
async function keepTimes(fh: FileHandle, st: Stats): Promise<void> {
  await fh.utimes(st.atimeMs / 1000, st.mtimeMs / 1000);
  const got = (await fh.stat()).mtimeMs;
  const ms = st.mtimeMs;
  if (Math.trunc(got) !== Math.trunc(ms) || Math.round(got) !== Math.round(ms)) {
    // The library rounds, the cache truncates: a quarter from the nearer end keeps both.
    const frac = ms - Math.trunc(ms);
    await fh.utimes(st.atimeMs / 1000, (Math.trunc(ms) + (frac >= 0.5 ? 0.75 : 0.25)) / 1000);
  }
}

/**
 * Copies `from` to `to`, which must not exist: into a temporary name beside `to`, fsynced, with
 * `from`'s mode and modification time (the thumbnail cache keys on size and mtime), then
 * published under `to` without replacing anything. Killed at any moment, `to` is either absent
 * or whole; a leftover temporary file is removed by removeDeadParts().
 */
export async function copyNoReplace(from: string, to: string, opts: { syncDir?: boolean } = {}): Promise<void> {
  const st = await stat(from);
  if (await exists(to)) throw new ClashError(`${to} already exists`);
  const part = partName(to);
  try {
    // FICLONE: a reflink where the filesystem can (btrfs, xfs), an ordinary copy elsewhere.
    await copyFile(from, part, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
    const fh = await open(part, 'r+');
    try {
      await fh.chmod(st.mode & 0o7777);
      await keepTimes(fh, st);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await renameNoReplace(part, to);
    // A caller copying many files into one folder syncs it once at the end instead (export).
    if (opts.syncDir !== false) await fsyncDir(path.dirname(to));
  } catch (err) {
    await rm(part, { force: true });
    throw err;
  }
}

/**
 * Moves `from` to `to` (which must not exist). Within a filesystem the file keeps its inode
 * (link, then unlink of the old name); across filesystems it is copied as copyNoReplace does
 * and the source is removed only once the copy is durable. At every moment the file is whole
 * under at least one of the two names.
 */
export async function moveNoReplace(from: string, to: string): Promise<void> {
  try {
    await renameNoReplace(from, to);
  } catch (err) {
    if (code(err) !== 'EXDEV') throw err;
    await copyNoReplace(from, to, { syncDir: false });
    await fsyncDir(path.dirname(to)); // the copy's name is durable before the source goes
    await unlink(from);
    await fsyncDir(path.dirname(from));
    return;
  }
  await fsyncDir(path.dirname(to));
  await fsyncDir(path.dirname(from));
}

const CHUNK = 1 << 20;

/** True when both files hold the same bytes; read in 1 MiB chunks, so memory stays bounded. */
export async function sameContent(a: string, b: string): Promise<boolean> {
  const [sa, sb] = await Promise.all([stat(a), stat(b)]);
  if (sa.size !== sb.size) return false;
  if (sa.dev === sb.dev && sa.ino === sb.ino) return true;
  const [fa, fb] = await Promise.all([open(a, 'r'), open(b, 'r')]);
  try {
    const ba = Buffer.allocUnsafe(CHUNK);
    const bb = Buffer.allocUnsafe(CHUNK);
    for (let pos = 0; pos < sa.size; ) {
      const want = Math.min(CHUNK, sa.size - pos);
      const [ra, rb] = await Promise.all([fa.read(ba, 0, want, pos), fb.read(bb, 0, want, pos)]);
      if (ra.bytesRead !== want || rb.bytesRead !== want) return false; // changed under us
      if (ba.compare(bb, 0, want, 0, want) !== 0) return false;
      pos += want;
    }
    return true;
  } finally {
    await Promise.all([fa.close(), fb.close()]);
  }
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return code(err) === 'EPERM';
  }
}

/** Removes temporary copies left in `dir` by a termtable that died mid-copy (never a live one's). */
export async function removeDeadParts(dir: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (code(err) === 'ENOENT') return 0;
    throw err;
  }
  let removed = 0;
  for (const name of names) {
    const m = PART_NAME.exec(name);
    if (!m || alive(Number(m[1]))) continue;
    await rm(path.join(dir, name), { force: true });
    removed += 1;
  }
  return removed;
}

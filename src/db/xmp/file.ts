import { constants } from 'node:fs';
import { lstat, open, realpath } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomically } from '../../util/atomic-write.js';
import { XmpError } from './model.js';

/**
 * Sidecar files on disk, opened as a hostile user could have made them (issue 11): only
 * regular files are read (a FIFO would block forever, /dev/zero would fill the heap), and at
 * most MAX_SIDECAR_BYTES of them.
 */

/** darktable's sidecars run to a few hundred kB with a long history; 4 MiB leaves room. */
export const MAX_SIDECAR_BYTES = 4 * 1024 * 1024;

export interface SidecarText {
  text: string;
  size: number;
  mtimeMs: number;
  /** Permission bits, kept when the file is rewritten. */
  mode: number;
}

const KIND: [number, string][] = [
  [constants.S_IFIFO, 'a FIFO'],
  [constants.S_IFCHR, 'a character device'],
  [constants.S_IFBLK, 'a block device'],
  [constants.S_IFDIR, 'a folder'],
  [constants.S_IFSOCK, 'a socket'],
];

/** The sidecar's text, or null when it does not exist. Throws XmpError for anything unreadable. */
export async function readSidecarFile(file: string): Promise<SidecarText | null> {
  let fh;
  try {
    // O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting for one.
    fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // ENAMETOOLONG: no such file can exist; the write that follows says why.
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG') return null;
    throw new XmpError(`cannot read sidecar: ${(err as Error).message}`);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) {
      const kind = KIND.find(([bits]) => (st.mode & constants.S_IFMT) === bits)?.[1] ?? 'not a regular file';
      throw new XmpError(`sidecar is ${kind}, not a regular file`);
    }
    if (st.size > MAX_SIDECAR_BYTES) {
      throw new XmpError(`sidecar is too large (${st.size} bytes, the limit is ${MAX_SIDECAR_BYTES})`);
    }
    // Read to the bound, not to st.size: the file may grow while we read it.
    let buf = Buffer.allocUnsafe(Math.min(MAX_SIDECAR_BYTES + 1, st.size + 4096));
    let length = 0;
    for (;;) {
      if (length === buf.length) {
        const bigger = Buffer.allocUnsafe(Math.min(MAX_SIDECAR_BYTES + 1, buf.length * 2));
        buf.copy(bigger, 0, 0, length);
        buf = bigger;
      }
      const { bytesRead } = await fh.read(buf, length, buf.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_SIDECAR_BYTES) throw new XmpError(`sidecar grew past the limit of ${MAX_SIDECAR_BYTES} bytes while being read`);
    }
    return { text: buf.toString('utf8', 0, length), size: length, mtimeMs: st.mtimeMs, mode: st.mode & 0o7777 };
  } catch (err) {
    if (err instanceof XmpError) throw err;
    throw new XmpError(`cannot read sidecar: ${(err as Error).message}`);
  } finally {
    await fh.close();
  }
}

/**
 * Where a rewrite of `file` must go. A symlink is followed only when it points into the
 * image's own folder; one that leads out of it is replaced in place by a regular file (the
 * rename swaps the link, so the file it pointed at is never written: issue 11).
 */
async function writeTarget(file: string): Promise<string> {
  const st = await lstat(file).catch(() => undefined);
  if (!st?.isSymbolicLink()) return file;
  const target = await realpath(file).catch(() => undefined);
  if (!target) return file; // dangling: replace the link
  const folder = await realpath(path.dirname(file));
  return path.dirname(target) === folder ? target : file;
}

/** Writes a sidecar atomically, keeping the mode (and owner where allowed) of the file it replaces. */
export async function writeSidecarFile(file: string, text: string): Promise<void> {
  await writeFileAtomically(await writeTarget(file), text);
}

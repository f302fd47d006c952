import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fchownSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync, type Stats } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

export interface AtomicWriteOptions {
  /** File mode of the result. @default the existing file's mode, else 0o666 less the umask */
  mode?: number;
  /** Mode of any folder created on the way. @default 0o755 */
  dirMode?: number;
}

/*
 * Hand-written rather than write-file-atomic, which (a) writes through a symlink to wherever it
 * points (issue 11: a sidecar linked out of the photo folder rewrote a file elsewhere), and
 * (b) names its temp file after the target plus a suffix, so a name near NAME_MAX fails with
 * ENAMETOOLONG although the target itself would fit. Here the temp file has a short name in the
 * target's folder and the rename replaces the directory entry itself: a symlink at `file` is
 * replaced by a regular file, its target never touched.
 */

const tempName = (file: string) => path.join(path.dirname(file), `.tt-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);

function existing(st: Stats | undefined, options: AtomicWriteOptions): { mode: number | undefined; owner?: Stats } {
  if (options.mode !== undefined) return { mode: options.mode };
  return st ? { mode: st.mode & 0o7777, owner: st } : { mode: undefined };
}

function isENOENT(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * Temp file in the same folder + fsync + rename: a reader sees the old file or the new one,
 * never half of it, even when the writer is killed mid-write. An existing file keeps its mode
 * (and owner and group where we may set them); a new one gets the umask's default.
 */
export async function writeFileAtomically(file: string, data: string | Buffer, options: AtomicWriteOptions = {}): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true, mode: options.dirMode ?? 0o755 });
  const st = await stat(file).catch((err: unknown) => (isENOENT(err) ? undefined : Promise.reject(err)));
  const { mode, owner } = existing(st, options);
  const tmp = tempName(file);
  const fh = await open(tmp, 'wx', mode ?? 0o666);
  try {
    await fh.writeFile(data);
    // The umask narrowed the create mode: a kept 0664 must stay 0664.
    if (mode !== undefined) await fh.chmod(mode);
    if (owner) await fh.chown(owner.uid, owner.gid).catch(() => undefined); // only root may give a file away
    await fh.sync();
    await fh.close();
    await rename(tmp, file);
  } catch (err) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
  const d = await open(dir, 'r').catch(() => undefined);
  await d?.sync().catch(() => undefined); // the rename itself survives a power cut
  await d?.close();
}

export function writeFileAtomicallySync(file: string, data: string | Buffer, options: AtomicWriteOptions = {}): void {
  // Synchronous twin for exit handlers, where no promise gets to settle.
  mkdirSync(path.dirname(file), { recursive: true, mode: options.dirMode ?? 0o755 });
  let st: Stats | undefined;
  try {
    st = statSync(file);
  } catch (err) {
    if (!isENOENT(err)) throw err;
  }
  const { mode, owner } = existing(st, options);
  const tmp = tempName(file);
  const fd = openSync(tmp, 'wx', mode ?? 0o666);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    for (let at = 0; at < buf.length; ) at += writeSync(fd, buf, at, buf.length - at);
    if (mode !== undefined) fchmodSync(fd, mode);
    if (owner) {
      try {
        fchownSync(fd, owner.uid, owner.gid);
      } catch {
        // only root may give a file away
      }
    }
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, file);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true });
    throw err;
  }
}

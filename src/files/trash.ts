import { lstat, mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { exists, fsyncDir } from './transfer.js';

/**
 * The freedesktop.org Trash (trash-spec 1.0), written by hand: the `trash` package names
 * trashed files by UUID, writes `Path=` with only spaces escaped and `DeletionDate` in UTC
 * with milliseconds (both against the spec), does not create the info file with O_EXCL, and
 * copies then deletes across volumes; and we need to know where each file went so an
 * interrupted run can be finished.
 */
export interface TrashCan {
  /** The trash folder: `$XDG_DATA_HOME/Trash`, `$topdir/.Trash/$uid` or `$topdir/.Trash-$uid`. */
  root: string;
  files: string;
  info: string;
}

export class TrashError extends Error {
  override name = 'TrashError';
}

const S_ISVTX = 0o1000;

function homeTrash(): string {
  const data = process.env.XDG_DATA_HOME;
  // The spec ignores a relative XDG_DATA_HOME.
  return path.join(data && path.isAbsolute(data) ? data : path.join(os.homedir(), '.local', 'share'), 'Trash');
}

/** st_dev of the nearest folder on the way to `p` that exists. */
async function deviceOf(p: string): Promise<number> {
  for (let dir = p; ; dir = path.dirname(dir)) {
    try {
      return (await stat(dir)).dev;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dir === path.dirname(dir)) throw err;
    }
  }
}

/** The top folder of the mount holding `dir`: climb while the parent is on the same device. */
async function mountTop(dir: string, dev: number): Promise<string> {
  let top = dir;
  while (top !== path.dirname(top) && (await stat(path.dirname(top))).dev === dev) top = path.dirname(top);
  return top;
}

async function ensureDir(dir: string, mode: number): Promise<void> {
  await mkdir(dir, { recursive: true, mode });
  const st = await lstat(dir);
  if (!st.isDirectory()) throw new TrashError(`${dir} is not a folder`);
}

async function usable(root: string, create: boolean): Promise<TrashCan> {
  const can = { root, files: path.join(root, 'files'), info: path.join(root, 'info') };
  if (!create) return can;
  await ensureDir(root, 0o700);
  await ensureDir(can.files, 0o700);
  await ensureDir(can.info, 0o700);
  return can;
}

/**
 * The trash can for `file`: the home trash when the file is on the same device, else the
 * trash at the top of the file's own volume (the spec's `.Trash/$uid` when `.Trash` is a real
 * sticky folder, else `.Trash-$uid`), so trashing is always a rename and never a copy.
 */
export async function trashCanFor(file: string, opts: { create?: boolean } = {}): Promise<TrashCan> {
  const create = opts.create ?? true; // false: only say where (a dry run creates no folder)
  const abs = path.resolve(file);
  // The folder's device when the file is already gone (finishing an interrupted run).
  const dev = await deviceOf(abs);
  const home = homeTrash();
  if ((await deviceOf(home)) === dev) return usable(home, create);
  const uid = os.userInfo().uid;
  const top = await mountTop(path.dirname(abs), dev);
  const shared = path.join(top, '.Trash');
  try {
    const st = await lstat(shared);
    if (st.isDirectory() && !st.isSymbolicLink() && (st.mode & S_ISVTX) !== 0) {
      return await usable(path.join(shared, String(uid)), create);
    }
  } catch {
    // no usable $topdir/.Trash: the per-user one below
  }
  const own = path.join(top, `.Trash-${uid}`);
  try {
    const can = await usable(own, create);
    if (create && (await lstat(own)).uid !== uid) throw new TrashError(`${own} belongs to another user`);
    return can;
  } catch (err) {
    throw new TrashError(`no trash can on the volume of ${abs} (${top}): ${(err as Error).message}`);
  }
}

// RFC 2396 unreserved characters stay; '/' separates; every other byte of the UTF-8 name is %XX.
const KEEP = /[A-Za-z0-9\-_.!~*'()/]/;

export function encodeTrashPath(p: string): string {
  let out = '';
  for (const ch of p) {
    if (KEEP.test(ch)) out += ch;
    else for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `YYYY-MM-DDThh:mm:ss` in local time, as the spec asks. */
export function deletionDate(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function trashInfoText(originalPath: string, date: Date): string {
  return `[Trash Info]\nPath=${encodeTrashPath(originalPath)}\nDeletionDate=${deletionDate(date)}\n`;
}

/** Reads a `.trashinfo` back; throws TrashError when it is not a valid one. */
export function parseTrashInfo(text: string): { path: string; deletionDate: string } {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const first = lines.findIndex((l) => l.trim() !== '' && !l.startsWith('#'));
  if (first < 0 || lines[first] !== '[Trash Info]') throw new TrashError('not a trash info file: no [Trash Info] group first');
  let p: string | undefined;
  let date: string | undefined;
  for (const line of lines.slice(first + 1)) {
    if (line.startsWith('[')) break;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === 'Path') p = decodeURIComponent(value);
    if (key === 'DeletionDate') date = value;
  }
  if (p === undefined) throw new TrashError('trash info without Path');
  if (date === undefined || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(date)) {
    throw new TrashError(`trash info without a valid DeletionDate: ${date ?? '(none)'}`);
  }
  return { path: p, deletionDate: date };
}

/** NAME, then NAME.2.EXT, NAME.3.EXT… (the names GNOME gives). */
function candidateName(base: string, k: number): string {
  if (k === 1) return base;
  const ext = path.extname(base);
  return `${base.slice(0, base.length - ext.length)}.${k}${ext}`;
}

export interface Trashed {
  /** Where the file is now. */
  trashed: string;
  info: string;
}

/**
 * Moves one file into the trash can: first reserves a name by creating its info file with
 * O_EXCL (so two trashers never pick the same name), writes and fsyncs it, then renames the
 * file into `files/`. The file is never unlinked: killed at any moment it is either where it
 * was or in the trash with its info file; an info file left without its file is removed by
 * dropOrphanInfo() when the run is finished.
 */
export async function moveToTrash(file: string, can: TrashCan, now = new Date()): Promise<Trashed> {
  const abs = path.resolve(file);
  const base = path.basename(abs);
  for (let k = 1; k < 100000; k++) {
    const name = candidateName(base, k);
    const info = path.join(can.info, `${name}.trashinfo`);
    const trashed = path.join(can.files, name);
    let fh;
    try {
      fh = await open(info, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    try {
      if (await exists(trashed)) {
        // A file another tool left without its info: the name is not free after all.
        await fh.close();
        fh = undefined;
        await unlink(info);
        continue;
      }
      await fh.writeFile(trashInfoText(abs, now));
      await fh.sync();
      await fh.close();
      fh = undefined;
      await fsyncDir(can.info);
      await rename(abs, trashed);
      await fsyncDir(can.files);
      await fsyncDir(path.dirname(abs));
      return { trashed, info };
    } catch (err) {
      await fh?.close();
      if (!(await exists(trashed))) await unlink(info).catch(() => undefined);
      throw err;
    }
  }
  throw new TrashError(`no free name for ${base} in ${can.files}`);
}

/**
 * The trash entries whose info file records `originalPath`: `complete` when the file is in
 * `files/`, else an orphan info file (the run was killed between the two steps).
 */
export async function entriesFor(can: TrashCan, originalPath: string): Promise<{ info: string; trashed: string; complete: boolean }[]> {
  const out: { info: string; trashed: string; complete: boolean }[] = [];
  let names: string[];
  try {
    names = await readdir(can.info);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw err;
  }
  for (const name of names) {
    if (!name.endsWith('.trashinfo')) continue;
    const info = path.join(can.info, name);
    let recorded: string;
    try {
      recorded = parseTrashInfo(await readFile(info, 'utf8')).path;
    } catch {
      // Empty: killed before its text was written. Ours only if its file is missing too,
      // and then it is no valid entry of anyone's; its Path cannot say, so judge by name.
      recorded = '';
    }
    const trashed = path.join(can.files, name.slice(0, -'.trashinfo'.length));
    if (recorded === originalPath || (recorded === '' && sameBase(name, originalPath))) {
      out.push({ info, trashed, complete: await exists(trashed) });
    }
  }
  return out;
}

function sameBase(infoName: string, originalPath: string): boolean {
  const base = path.basename(originalPath);
  const ext = path.extname(base);
  const stem = base.slice(0, base.length - ext.length);
  const name = infoName.slice(0, -'.trashinfo'.length);
  return name === base || (name.startsWith(`${stem}.`) && name.endsWith(ext) && /^\d+$/.test(name.slice(stem.length + 1, name.length - ext.length)));
}

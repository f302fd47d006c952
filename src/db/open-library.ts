import { randomBytes } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { defaultLibraryPath } from '../config/paths.js';
import { migrate, SCHEMA_VERSION } from './schema.js';

/*
 * How the library file is opened: never take a file that is not a termtable library (an
 * empty file, another program's SQLite database, anything else is refused, never
 * overwritten), create a new one whole or not at all, keep it private (folder 0700, files
 * 0600), and fall back to read-only when it cannot be written (full disk, read-only file
 * system), so `list` and the lighttable still show what is there.
 */

/** PRAGMA application_id of a termtable library: "ttbl". */
export const APPLICATION_ID = 0x7474626c;
const SQLITE_MAGIC = Buffer.from('SQLite format 3\u0000', 'latin1');
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/** The file is there but is not a termtable library: it is left as it is. */
export class NotALibraryError extends Error {
  override name = 'NotALibraryError';
}

export interface OpenedLibrary {
  db: Database.Database;
  /** Opened read-only because it could not be written; readOnlyReason says why. */
  readOnly: boolean;
  readOnlyReason: string | null;
}

/** Opens (creating if need be) the library at an absolute path. */
export function openLibraryDatabase(abs: string): OpenedLibrary {
  const dir = path.dirname(abs);
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  // Our own data folder is made private even if an older termtable made it 0755; a folder
  // given with --library is the user's, left as it is.
  if (dir === path.dirname(defaultLibraryPath())) chmodQuietly(dir, DIR_MODE);
  if (!checkHeader(abs)) createLibrary(abs);
  tightenModes(abs);
  // SQLite opens an unwritable file read-only without a word, and every write fails later.
  const unwritable = writeBlocker(abs);
  if (unwritable) return openReadOnly(abs, unwritable);
  let db: Database.Database | undefined;
  try {
    db = new Database(abs, { timeout: 5000, fileMustExist: true });
    checkIdentity(abs, db);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL'); // safe with WAL: a crash may lose the last commit, never corrupt
    db.pragma('foreign_keys = ON');
    db.pragma('temp_store = MEMORY');
    migrate(db);
    if (db.pragma('application_id', { simple: true }) !== APPLICATION_ID) db.pragma(`application_id = ${APPLICATION_ID}`);
    tightenModes(abs);
    return { db, readOnly: false, readOnlyReason: null };
  } catch (err) {
    db?.close();
    if (err instanceof NotALibraryError || !cannotWrite(err)) throw explain(abs, err);
    return openReadOnly(abs, err);
  }
}

/** Why the library (or its folder, where -wal and -shm go) cannot be written, or undefined. */
function writeBlocker(abs: string): Error | undefined {
  for (const target of [abs, path.dirname(abs)]) {
    try {
      accessSync(target, constants.W_OK);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const what = e.code === 'EROFS' ? 'read-only file system' : 'permission denied';
      return Object.assign(new Error(`${what} (${e.code}: ${target})`), { code: e.code });
    }
  }
  return undefined;
}

/** SQLite's ways of saying "this cannot be written here". */
function cannotWrite(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return /^SQLITE_(READONLY|FULL|IOERR|CANTOPEN|BUSY)/.test(code) || ['EROFS', 'ENOSPC', 'EDQUOT', 'EACCES', 'EPERM'].includes(code);
}

function openReadOnly(abs: string, cause: unknown): OpenedLibrary {
  const reason = (cause as Error).message.replace(/\s+/g, ' ').trim();
  let db: Database.Database;
  let note = '';
  try {
    db = new Database(abs, { readonly: true, fileMustExist: true, timeout: 5000 });
    try {
      checkIdentity(abs, db);
    } catch (err) {
      db.close();
      throw err;
    }
  } catch (err) {
    if (err instanceof NotALibraryError || !cannotWrite(err)) throw explain(abs, err);
    // A WAL library read-only still needs its -shm index, which a full disk cannot grow:
    // read a snapshot of the file instead.
    db = snapshotOf(abs, err);
    note = existsNonEmpty(`${abs}-wal`) ? '; changes not yet checkpointed from the -wal file are not shown' : '';
  }
  try {
    db.pragma('foreign_keys = ON');
    db.pragma('temp_store = MEMORY');
    // Does nothing on an up-to-date library; one that needs a schema step cannot be opened read-only.
    migrate(db);
  } catch (err) {
    db.close();
    throw explain(abs, err);
  }
  return { db, readOnly: true, readOnlyReason: reason + note };
}

/** Larger libraries are not copied into memory for a read-only look. */
const MAX_SNAPSHOT_BYTES = 512 * 1024 * 1024;

/** The library file read whole into a read-only in-memory database (marked rollback mode, not WAL). */
function snapshotOf(abs: string, cause: unknown): Database.Database {
  if (statSync(abs).size > MAX_SNAPSHOT_BYTES) throw explain(abs, cause);
  const bytes = readFileSync(abs);
  // File format bytes 18-19: 2 means WAL, which an in-memory database cannot be.
  bytes[18] = 1;
  bytes[19] = 1;
  const db = new Database(bytes, { readonly: true });
  try {
    checkIdentity(abs, db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

function existsNonEmpty(file: string): boolean {
  try {
    return statSync(file).size > 0;
  } catch {
    return false;
  }
}

function explain(abs: string, err: unknown): Error {
  if (err instanceof NotALibraryError) return err;
  const message = (err as Error).message;
  if (/not a database|malformed/i.test(message)) return new NotALibraryError(`${abs} is not a termtable library (${message})`);
  return new Error(`cannot open library ${abs}: ${message}`);
}

/**
 * False when there is no file; throws NotALibraryError when there is one that is not a
 * SQLite database (an empty file included: SQLite would take it as a new database).
 */
function checkHeader(abs: string): boolean {
  let fd: number;
  try {
    fd = openSync(abs, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  try {
    const st = statSync(abs);
    if (!st.isFile()) throw new NotALibraryError(`${abs} is not a termtable library (not a regular file)`);
    if (st.size === 0) {
      throw new NotALibraryError(
        `${abs} is empty (0 bytes), not a termtable library: it was left as it is; move it away to start a new library, or put back a backup`,
      );
    }
    const head = Buffer.alloc(SQLITE_MAGIC.length);
    const n = readSync(fd, head, 0, head.length, 0);
    if (n < head.length || !head.equals(SQLITE_MAGIC)) {
      throw new NotALibraryError(`${abs} is not a termtable library (not a SQLite database); it was left as it is`);
    }
    return true;
  } finally {
    closeSync(fd);
  }
}

/** Refuses another program's SQLite database before anything is written to it. */
function checkIdentity(abs: string, db: Database.Database): void {
  const appId = db.pragma('application_id', { simple: true }) as number;
  if (appId === APPLICATION_ID) return;
  if (appId !== 0) {
    throw new NotALibraryError(`${abs} is another program's SQLite database (application_id ${appId}), not a termtable library; it was left as it is`);
  }
  // Libraries made before application_id was set have a schema version and our tables.
  const version = db.pragma('user_version', { simple: true }) as number;
  const tables = db.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
  if (version >= 1 && tables.includes('images') && tables.includes('film_rolls')) return;
  // A newer termtable's: migrate() says so (upgrade termtable) rather than "not a library".
  if (version > SCHEMA_VERSION) return;
  throw new NotALibraryError(
    `${abs} is a SQLite database but not a termtable library (${tables.length ? `tables: ${tables.slice(0, 5).join(', ')}` : 'no tables'}); it was left as it is`,
  );
}

/**
 * A new library is made under a temp name and linked into place (link, unlike rename, never
 * replaces): it appears whole, and two processes creating it at once end with one library.
 */
function createLibrary(abs: string): void {
  const tmp = path.join(path.dirname(abs), `.${path.basename(abs)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  closeSync(openSync(tmp, 'wx', FILE_MODE));
  try {
    const db = new Database(tmp);
    try {
      // Nobody sees the temp file until it is linked, so its steps need no disk flushes of
      // their own (a rollback journal synced per step cost 40-180 ms of a first import on a
      // loaded disk): one fsync below, before it is published. Made in WAL mode, which the
      // file keeps, so the first open does not switch it (another 4-30 ms of flushes).
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = OFF');
      db.pragma(`application_id = ${APPLICATION_ID}`);
      migrate(db);
    } finally {
      db.close();
    }
    const fd = openSync(tmp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tmp, abs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Another process made it first: theirs is the library.
      if (code === 'EEXIST') return;
      // No hard links here (FAT, exFAT, some network shares): rename, checked just before.
      if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK'].includes(code ?? '') || existsSync(abs)) throw err;
      renameSync(tmp, abs);
    }
  } finally {
    for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
  }
}

/** library.db and its -wal/-shm readable by the owner only (other users' photos are not theirs to list). */
function tightenModes(abs: string): void {
  for (const file of [abs, `${abs}-wal`, `${abs}-shm`]) chmodQuietly(file, FILE_MODE);
}

function chmodQuietly(file: string, mode: number): void {
  try {
    if ((statSync(file).mode & 0o777) !== mode) chmodSync(file, mode);
  } catch {
    // absent, on a read-only file system, or not ours to change: left as it is
  }
}

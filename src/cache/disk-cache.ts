import { randomBytes } from 'node:crypto';
import {
  mkdirSync,
  opendirSync,
  readFile as readFileCallback,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
  type Dir,
  type Dirent,
} from 'node:fs';
import { mkdir, open, opendir, readFile, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { CachedThumb, DeadEntry } from './entry.js';
import { checksumMatches, encodeDiskFile, entryOf, parseCom } from './disk-format.js';
import { LEVELS, type Level, type ThumbCause } from './types.js';

export { decodeDiskFile, encodeDiskFile, intactByChecksum } from './disk-format.js';

/*
 * The disk backend, in darktable's layout: <dir>/<level>/<image id>.jpg, each file carrying
 * its own freshness facts and checksum in a JPEG COM segment (disk-format.ts).
 */

/** Enough for SOI + our COM segment (the JSON is < 200 bytes). */
const HEADER_PROBE_BYTES = 512;
const DIR_MODE = 0o700;
/** Our temp files: `.<name>.<writer pid>-<random>.tmp` (see writeFileThenRename). */
const TEMP_NAME = /^\..+\.(\d+)-[0-9a-f]+\.tmp$/;
/** No writer needs this long for one thumbnail: older temp files are leftovers whatever their pid. */
const TEMP_MAX_AGE_MS = 60 * 60 * 1000;
const FILE_MODE = 0o600;
/*
 * Thumbnails are read with the callback readFile: fs/promises' readFile goes through a
 * FileHandle (open, fstat, read, close: four thread-pool round trips and their promises) and
 * took 3-4x as long for the 300 small files generate-cache checks with nothing to make
 * (15-24 ms against 5-7 ms, measured on this machine).
 */
const readWhole = promisify(readFileCallback);

export interface DiskCacheOptions {
  /**
   * Read thumbnails, and list the folders for the temp sweep, with blocking calls: no
   * thread-pool round trips (each costs a wake-up of a pool thread, and on a loaded machine a
   * wait for a core), so a check of thousands of small files takes about half the time. Only
   * for a batch run with no screen to keep responsive (generate-cache's presence check); the
   * cache folder is local ($XDG_CACHE_HOME); the photos, which may be on a share, are still
   * stat'ed through the thread pool, several at once.
   */
  blockingReads?: boolean;
  /**
   * Write thumbnails (temp file, then rename) with blocking calls, for the same batch runs:
   * through fs/promises a write is five thread-pool round trips (mkdir, open, write, close,
   * rename) and their promises, 30-54 ms of CPU for an import's 120 thumbnails against about
   * 5 ms for the same bytes written with writeFileSync. Only where no screen waits on the
   * event loop (import, generate-cache); the lighttable writes through the pool.
   */
  blockingWrites?: boolean;
}

export interface DiskStats {
  files: number;
  bytes: number;
  /** Per level: files and bytes. */
  levels: { level: Level; files: number; bytes: number }[];
}

export class DiskCache {
  readonly #blockingReads: boolean;
  readonly #blockingWrites: boolean;
  /** Level folders this instance made or found: one mkdir per folder, not per write (remade if removed meanwhile). */
  readonly #madeDirs = new Set<string>();
  /** <dir>/<level>, joined once: path.join per file was a tenth of a presence check. */
  readonly #levelDirs: readonly string[];

  constructor(
    readonly dir: string,
    opts: DiskCacheOptions = {},
  ) {
    this.#blockingReads = opts.blockingReads === true;
    this.#blockingWrites = opts.blockingWrites === true;
    this.#levelDirs = LEVELS.map((l) => path.join(dir, String(l)));
  }

  filePath(id: number, level: Level): string {
    return `${this.#levelDirs[level]!}${path.sep}${id}.jpg`;
  }

  deadPath(id: number): string {
    return path.join(this.dir, 'dead', `${id}.json`);
  }

  /**
   * The whole thumbnail, or undefined when absent, foreign, incomplete or damaged (checked
   * on every read: a read from disk is what fills memory, once per session). A file that
   * carries its length and CRC is checked by them, in the time of reading it; an older one
   * without them must decode (src/cache/verify.ts).
   */
  async read(id: number, level: Level): Promise<CachedThumb | undefined> {
    let bytes: Buffer;
    try {
      const file = this.filePath(id, level);
      bytes = this.#blockingReads ? readFileSync(file) : await readWhole(file);
    } catch {
      return undefined;
    }
    const facts = parseCom(bytes);
    const entry = facts && entryOf(bytes, facts, id, level);
    if (!entry) return undefined;
    const intact = checksumMatches(bytes, facts);
    // Only files written before the checksum need sharp (loaded with verify.ts, on first need).
    if (intact === undefined) return (await (await import('./verify.js')).decodesWhole(entry)) ? entry : undefined;
    return intact ? entry : undefined;
  }

  /** Only the facts (reads the first few hundred bytes): for "is it there and fresh?". */
  async readFacts(id: number, level: Level): Promise<Omit<CachedThumb, 'jpeg'> | undefined> {
    let fh;
    try {
      fh = await open(this.filePath(id, level), 'r');
    } catch {
      return undefined;
    }
    try {
      const probe = Buffer.alloc(HEADER_PROBE_BYTES);
      const { bytesRead } = await fh.read(probe, 0, HEADER_PROBE_BYTES, 0);
      const facts = parseCom(probe.subarray(0, bytesRead));
      if (!facts) return undefined;
      return {
        id,
        level,
        fileSize: facts.s,
        mtime: facts.m,
        rotation: facts.r,
        source: facts.src,
        processedAsked: facts.p,
        colorKey: facts.c,
        width: facts.w,
        height: facts.h,
      };
    } catch {
      return undefined;
    } finally {
      await fh.close().catch(() => undefined);
    }
  }

  /** Temp file + rename in the level folder: readers see the old file or the new one, whole. */
  async write(entry: CachedThumb): Promise<void> {
    const file = this.filePath(entry.id, entry.level);
    const folder = this.#levelDirs[entry.level]!;
    const data = encodeDiskFile(entry);
    const write = this.#blockingWrites ? writeBlocking : writeFileThenRename;
    if (!this.#madeDirs.has(folder)) {
      await this.#mkdir(folder);
      this.#madeDirs.add(folder);
    }
    try {
      await write(file, data);
    } catch (err) {
      // The folder went since (`cache clear` in another process): made again, written once more.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await this.#mkdir(folder);
      await write(file, data);
    }
  }

  async #mkdir(folder: string): Promise<void> {
    if (this.#blockingWrites) mkdirSync(folder, { recursive: true, mode: DIR_MODE });
    else await mkdir(folder, { recursive: true, mode: DIR_MODE });
  }

  /*
   * A batch run asks for every image it makes, and almost every answer is "none": a failed
   * open through fs/promises costs about 70 us of CPU (its error object), through
   * readFileSync 6 us. So with blocking reads (writes) these go without the thread pool too.
   */
  async readDead(id: number): Promise<DeadEntry | undefined> {
    try {
      const file = this.deadPath(id);
      return parseDead(JSON.parse(this.#blockingReads ? readFileSync(file, 'utf8') : await readFile(file, 'utf8')), id);
    } catch {
      return undefined;
    }
  }

  async writeDead(dead: DeadEntry): Promise<void> {
    const file = this.deadPath(dead.id);
    await mkdir(path.dirname(file), { recursive: true, mode: DIR_MODE });
    await writeFileThenRename(file, Buffer.from(JSON.stringify(dead)));
  }

  async removeDead(id: number): Promise<void> {
    if (!this.#blockingWrites) return unlink(this.deadPath(id)).catch(() => undefined);
    try {
      unlinkSync(this.deadPath(id));
    } catch {
      // none to remove
    }
  }

  /** Every remembered failure on disk. */
  async listDead(): Promise<DeadEntry[]> {
    let names: string[];
    try {
      names = await readdir(path.join(this.dir, 'dead'));
    } catch {
      return [];
    }
    const out: DeadEntry[] = [];
    for (const name of names) {
      const m = /^(\d+)\.json$/.exec(name);
      if (!m) continue;
      const dead = await this.readDead(Number(m[1]));
      if (dead) out.push(dead);
    }
    return out;
  }

  async stats(): Promise<DiskStats> {
    const levels: DiskStats['levels'] = [];
    for (const level of LEVELS) {
      let files = 0;
      let bytes = 0;
      let names: string[] = [];
      try {
        names = await readdir(path.join(this.dir, String(level)));
      } catch {
        // no folder: nothing at this level
      }
      for (const name of names) {
        if (!/^\d+\.jpg$/.test(name)) continue;
        try {
          const s = await stat(path.join(this.dir, String(level), name));
          files++;
          bytes += s.size;
        } catch {
          // removed meanwhile by another process
        }
      }
      levels.push({ level, files, bytes });
    }
    return {
      files: levels.reduce((n, l) => n + l.files, 0),
      bytes: levels.reduce((n, l) => n + l.bytes, 0),
      levels,
    };
  }

  /**
   * Removes the temp files of writers that died mid-write (killed, power cut): those whose
   * pid is no longer running, and any older than an hour (a pid may have been reused).
   * Streams each folder, so a folder of 100,000 thumbnails costs no more memory than one.
   * Returns how many went.
   */
  async sweepStaleTemps(now = Date.now()): Promise<number> {
    let removed = 0;
    for (const sub of [...LEVELS.map(String), 'dead']) {
      const folder = path.join(this.dir, sub);
      for await (const ent of entriesOf(folder, this.#blockingReads)) {
        const m = TEMP_NAME.exec(ent.name);
        if (!m || !ent.isFile()) continue;
        const file = path.join(folder, ent.name);
        const pid = Number(m[1]);
        let stale = pid !== process.pid && !processAlive(pid);
        if (!stale) {
          const st = await stat(file).catch(() => undefined);
          stale = st !== undefined && now - st.mtimeMs > TEMP_MAX_AGE_MS;
        }
        if (stale && (await unlink(file).then(() => true, () => false))) removed++;
      }
    }
    return removed;
  }

  /**
   * Removes thumbnails (and leftover temp files) of one level, or of every level plus the
   * remembered failures. Returns how many thumbnail files went.
   */
  async clear(level?: Level): Promise<number> {
    const levels = level === undefined ? LEVELS : [level];
    let removed = 0;
    for (const l of levels) {
      const folder = path.join(this.dir, String(l));
      let names: string[] = [];
      try {
        names = await readdir(folder);
      } catch {
        continue;
      }
      for (const name of names) {
        if (/^\d+\.jpg$/.test(name)) removed++;
        await rm(path.join(folder, name), { force: true });
      }
    }
    if (level === undefined) await rm(path.join(this.dir, 'dead'), { recursive: true, force: true });
    return removed;
  }
}

/**
 * A folder's entries, streamed (a folder of 100,000 thumbnails costs no more memory than
 * one), a few reads of 1,024 names each instead of one per 32 (the default); with blocking
 * reads (DiskCacheOptions) without the thread pool. Nothing for a folder that is not there.
 */
async function* entriesOf(folder: string, blocking: boolean): AsyncGenerator<Dirent> {
  if (!blocking) {
    const dir = await opendir(folder, { bufferSize: 1024 }).catch(() => undefined);
    if (dir) yield* dir;
    return;
  }
  let dir: Dir;
  try {
    dir = opendirSync(folder, { bufferSize: 1024 });
  } catch {
    return;
  }
  try {
    for (let ent = dir.readSync(); ent !== null; ent = dir.readSync()) yield ent;
  } finally {
    dir.closeSync();
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, someone else's.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `.<name>.<pid>-<random>.tmp` beside the file (TEMP_NAME): the sweep knows its writer. */
function tempNameFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

async function writeFileThenRename(file: string, data: Buffer): Promise<void> {
  // Hand-written instead of write-file-atomic: that one fsyncs every file, which costs a
  // disk flush per thumbnail in a batch of thousands. A cache file that a power cut leaves
  // empty is caught on read (no COM facts or no EOI) and simply remade.
  const tmp = tempNameFor(file);
  try {
    await writeFile(tmp, data, { mode: FILE_MODE });
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/** writeFileThenRename with blocking calls (DiskCacheOptions.blockingWrites). */
async function writeBlocking(file: string, data: Buffer): Promise<void> {
  const tmp = tempNameFor(file);
  try {
    writeFileSync(tmp, data, { mode: FILE_MODE });
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

const CAUSES: readonly ThumbCause[] = ['missing', 'unsupported', 'memory'];

function parseDead(raw: unknown, id: number): DeadEntry | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  if (
    !CAUSES.includes(r.cause as ThumbCause) ||
    typeof r.detail !== 'string' ||
    typeof r.exists !== 'boolean' ||
    typeof r.fileSize !== 'number' ||
    typeof r.mtime !== 'number'
  ) {
    return undefined;
  }
  return {
    id,
    cause: r.cause as ThumbCause,
    detail: r.detail,
    exists: r.exists,
    fileSize: r.fileSize,
    mtime: r.mtime,
    path: typeof r.path === 'string' ? r.path : '',
  };
}

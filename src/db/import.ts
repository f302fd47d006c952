import { stat } from 'node:fs/promises';
import path from 'node:path';
import { readExifReport, VanishedError } from './exif.js';
import { regroupFolders } from './groups.js';
import type { ImageFacts, ImportWrite, Library } from './library.js';
import { knownSidecarsOfRoll, pendingSidecarIds, rememberSidecar, setSyncedState, type SidecarStat } from './sidecar-store.js';
import { reconcile } from './sidecar-sync.js';
import { walkFolders } from './walk.js';
import { readSidecar, sidecarPaths, statSidecar } from './xmp.js';
import { rotationBetween } from './xmp/orientation.js';

export interface ImportSummary {
  imported: number;
  updated: number;
  unchanged: number;
  /** Files not imported on purpose: unsupported types and hidden files. */
  skipped: number;
  /** Images whose culling or rotation was replaced from a sidecar changed by another tool. */
  sidecarsUpdated: number;
  /** Raw paths and messages: sanitise before printing. */
  errors: { path: string; message: string }[];
  /** Images that need thumbnails made: new ones, and changed ones (old thumbnails are stale). */
  ids: { new: number[]; changed: number[] };
}

export interface ImportProgress {
  done: number;
  total: number;
  /** The file just handled (raw). */
  file: string;
}

export interface ImportOptions {
  onProgress?: (progress: ImportProgress) => void;
  /** Stops after the batch in flight; batches already written stay. */
  signal?: AbortSignal;
  /** Files whose metadata is read at once. @default 8 */
  concurrency?: number;
  /** Files written per transaction. @default 256 */
  batchSize?: number;
  /**
   * Called after each transaction with the ids of the images it inserted or changed, so their
   * thumbnails can be made while the next files are read. The first transactions are small
   * (2 files, doubling up to batchSize) so that work starts early.
   */
  onWritten?: (ids: readonly number[]) => void;
  /**
   * Called once, when the first file whose metadata must be read (a new or changed one) is
   * found: a re-import of unchanged files never calls it. The CLI loads the thumbnail maker
   * then, while that file's metadata is read in a worker.
   */
  onFirstRead?: () => void;
}

/**
 * Files of the first transaction when its ids are handed on. The first thumbnail waits for
 * it, and its metadata waits for the exifr worker to start and then parse each file in turn:
 * with 8, the 40-DNG import's first thumbnail began 10-12 ms later than with 2 (the worker
 * ready at about 147 ms, then 1.3 ms a file).
 */
const FIRST_BATCH = 2;

interface Job {
  dir: string;
  filename: string;
  listed: Listed;
}

/** A new image's sidecar as import read it, recorded once the image has an id. */
interface SidecarSeen {
  file: string;
  stat: SidecarStat;
  rotation: number;
  /** The image's other sidecar (FILE.xmp beside FILE.EXT.xmp), recorded as seen: the one read wins. */
  other?: { file: string; stat: SidecarStat };
}

type Outcome =
  | { kind: 'unchanged'; recheck?: number }
  | { kind: 'error'; path: string; message: string; extra?: undefined }
  | {
      kind: 'write';
      write: ImportWrite;
      extra?: { path: string; message: string };
      problem?: { path: string; message: string };
      sidecar?: SidecarSeen;
      recheck?: number;
    };

/**
 * Whether a sidecar name is in its folder's listing (case-insensitively, as a file system may
 * open it). A name not listed is taken as absent without a look: a failed stat or open
 * through fs/promises costs about 70 us of CPU (its error object), two per image. One
 * written after the walk is seen by the next import, as one written after this one would be.
 */
type Listed = (file: string) => boolean;

function listedIn(sidecars: ReadonlySet<string> | undefined): Listed {
  return (file) => sidecars === undefined || sidecars.has(path.basename(file).toLowerCase());
}

/** Whether any sidecar of a known image differs from what termtable last read or wrote. */
async function sidecarsChanged(file: string, known: Map<string, SidecarStat> | undefined, listed: Listed): Promise<boolean> {
  const { darktable, lightroom } = sidecarPaths(file);
  for (const f of darktable === lightroom ? [darktable] : [darktable, lightroom]) {
    const st = listed(f) ? await statSidecar(f).catch(() => null) : null;
    const k = known?.get(path.basename(f));
    if (st && !(k && k.size === st.size && k.mtime === st.mtime)) return true;
  }
  return false;
}

/** Runs fn over items with at most `limit` in flight (a few lines; not worth a dependency). */
async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Imports folders recursively, each folder a film roll, as darktable does. Idempotent: a
 * known path keeps its id and is only re-read when its size or mtime changed. Metadata
 * problems never stop an import: the file goes in with what could be read.
 */
export async function importFolders(lib: Library, dirs: readonly string[], options: ImportOptions = {}): Promise<ImportSummary> {
  const { onProgress, signal } = options;
  const concurrency = options.concurrency ?? 8;
  const batchSize = options.batchSize ?? 256;
  const walk = await walkFolders(dirs, signal);
  const summary: ImportSummary = {
    imported: 0,
    updated: 0,
    unchanged: 0,
    skipped: walk.skipped,
    errors: [...walk.errors],
    ids: { new: [], changed: [] },
    sidecarsUpdated: 0,
  };

  const jobs: Job[] = [];
  const known = new Map<string, ReturnType<Library['rollFacts']>>();
  const knownSidecars = new Map<string, ReturnType<typeof knownSidecarsOfRoll>>();
  for (const folder of walk.folders) {
    known.set(folder.dir, lib.rollFacts(folder.dir));
    knownSidecars.set(folder.dir, knownSidecarsOfRoll(lib, path.resolve(folder.dir)));
    const listed = listedIn(folder.sidecars);
    for (const filename of folder.files) jobs.push({ dir: folder.dir, filename, listed });
  }

  const total = jobs.length;
  let done = 0;
  let reading = false;
  const handle = async (job: Job): Promise<Outcome> => {
    const file = path.join(job.dir, job.filename);
    try {
      const st = await stat(file);
      const fileSize = st.size;
      const mtime = Math.round(st.mtimeMs);
      const existing = known.get(job.dir)?.get(job.filename);
      // A known image's sidecar changed by another tool is merged in after the batch.
      const recheck =
        existing && (await sidecarsChanged(file, knownSidecars.get(job.dir)?.get(existing.id), job.listed)) ? existing.id : undefined;
      if (existing && existing.fileSize === fileSize && existing.mtime === mtime) return { kind: 'unchanged', recheck };
      if (!reading) {
        reading = true;
        options.onFirstRead?.();
      }
      const exif = await readExifReport(file, fileSize);
      const facts: ImageFacts = { fileSize, mtime, ...exif.facts };
      // A metadata reader stopped at its deadline: the file still goes in, and the reason is listed.
      const problem = exif.problem === undefined ? undefined : { path: file, message: exif.problem };
      if (existing) return { kind: 'write', write: { kind: 'update', id: existing.id, facts }, problem, recheck };
      const sidecar = await readSidecar(file, job.listed);
      const rotation = sidecar.orientation ? (rotationBetween(facts.orientation ?? 1, sidecar.orientation) ?? 0) : 0;
      const { darktable, lightroom } = sidecarPaths(file);
      const otherFile = sidecar.file === darktable && darktable !== lightroom ? lightroom : undefined;
      const otherStat = otherFile && job.listed(otherFile) ? await statSidecar(otherFile).catch(() => null) : null;
      return {
        kind: 'write',
        write: { kind: 'insert', folder: job.dir, filename: job.filename, facts, culling: sidecar.culling ?? undefined },
        extra: sidecar.error && sidecar.file ? { path: sidecar.file, message: `${sidecar.error}; sidecar ignored` } : undefined,
        problem,
        sidecar:
          sidecar.file && sidecar.stat && sidecar.culling
            ? { file: sidecar.file, stat: sidecar.stat, rotation, ...(otherFile && otherStat ? { other: { file: otherFile, stat: otherStat } } : {}) }
            : undefined,
      };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const message =
        err instanceof VanishedError || code === 'ENOENT'
          ? 'file vanished during import'
          : code === 'EACCES' || code === 'EPERM'
            ? 'permission denied'
            : (err as Error).message;
      return { kind: 'error', path: file, message };
    } finally {
      done += 1;
      onProgress?.({ done, total, file });
    }
  };

  const importedAt = new Date().toISOString();
  let size = options.onWritten ? Math.min(FIRST_BATCH, batchSize) : batchSize;
  for (let start = 0; start < jobs.length; start += size, size = Math.min(size * 2, batchSize)) {
    signal?.throwIfAborted();
    const batch = jobs.slice(start, start + size);
    const outcomes = await mapBounded(batch, concurrency, handle);
    const writes: ImportWrite[] = [];
    const seen: (SidecarSeen | undefined)[] = [];
    const rechecks: number[] = [];
    for (const o of outcomes) {
      if (o.kind !== 'error' && o.recheck !== undefined) rechecks.push(o.recheck);
      if (o.kind === 'unchanged') summary.unchanged += 1;
      else if (o.kind === 'error') summary.errors.push({ path: o.path, message: o.message });
      else {
        writes.push(o.write);
        seen.push(o.sidecar);
        if (o.problem) summary.errors.push(o.problem);
        if (o.extra) summary.errors.push(o.extra);
      }
    }
    const ids = lib.writeImportBatch(writes, importedAt);
    const written: number[] = [];
    writes.forEach((w, i) => {
      const id = ids[i];
      if (id !== undefined) written.push(id);
      const sc = seen[i];
      if (id !== undefined && sc && w.kind === 'insert') recordSidecarSeen(lib, id, sc, w);
      if (id === undefined) summary.unchanged += 1; // another process imported it first
      else if (w.kind === 'insert') {
        summary.imported += 1;
        summary.ids.new.push(id);
      } else {
        summary.updated += 1;
        summary.ids.changed.push(id);
      }
    });
    await recheckSidecars(lib, rechecks, summary);
    // After the rechecks: a sidecar merged there can change a rotation the thumbnails carry.
    options.onWritten?.(written);
  }
  // A write owed from an earlier failure (disk full) is retried on the next import.
  await recheckSidecars(lib, pendingSidecarIds(lib), summary);
  // RAW+JPEG pairs, from the names now in each folder (new, and gone since the last import).
  regroupFolders(lib, walk.folders.map((f) => f.dir));
  return summary;
}

function recordSidecarSeen(lib: Library, id: number, sc: SidecarSeen, w: ImportWrite & { kind: 'insert' }): void {
  if (sc.rotation) lib.setRotation([id], sc.rotation);
  rememberSidecar(lib, id, path.basename(sc.file), sc.stat);
  if (sc.other) rememberSidecar(lib, id, path.basename(sc.other.file), sc.other.stat);
  const c = w.culling ?? { rating: 0, rejected: false, labels: [] };
  setSyncedState(lib, id, { rating: c.rating, rejected: c.rejected, labels: c.labels, rotation: sc.rotation });
}

/** Merges sidecars changed elsewhere (and retries owed writes) of known images. */
async function recheckSidecars(lib: Library, ids: readonly number[], summary: ImportSummary): Promise<void> {
  for (const record of lib.getMany(ids)) {
    try {
      const r = await reconcile(lib, record, { write: false });
      if (r.updated) summary.sidecarsUpdated += 1;
    } catch (err) {
      summary.errors.push({ path: `${record.path}.xmp`, message: `sidecar not written: ${(err as Error).message}` });
    }
  }
}

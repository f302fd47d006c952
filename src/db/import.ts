import { stat } from 'node:fs/promises';
import path from 'node:path';
import { readExifReport, VanishedError } from './exif.js';
import { regroupFolders } from './groups.js';
import type { ImageFacts, ImportWrite, Library } from './library.js';
import { walkFolders } from './walk.js';
import { readSidecar } from './xmp.js';

export interface ImportSummary {
  imported: number;
  updated: number;
  unchanged: number;
  /** Files not imported on purpose: unsupported types and hidden files. */
  skipped: number;
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
}

interface Job {
  dir: string;
  filename: string;
}

type Outcome =
  | { kind: 'unchanged' }
  | { kind: 'error'; path: string; message: string; extra?: undefined }
  | { kind: 'write'; write: ImportWrite; extra?: { path: string; message: string }; problem?: { path: string; message: string } };

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
  };

  const jobs: Job[] = [];
  const known = new Map<string, ReturnType<Library['rollFacts']>>();
  for (const folder of walk.folders) {
    known.set(folder.dir, lib.rollFacts(folder.dir));
    for (const filename of folder.files) jobs.push({ dir: folder.dir, filename });
  }

  const total = jobs.length;
  let done = 0;
  const handle = async (job: Job): Promise<Outcome> => {
    const file = path.join(job.dir, job.filename);
    try {
      const st = await stat(file);
      const fileSize = st.size;
      const mtime = Math.round(st.mtimeMs);
      const existing = known.get(job.dir)?.get(job.filename);
      if (existing && existing.fileSize === fileSize && existing.mtime === mtime) return { kind: 'unchanged' };
      const exif = await readExifReport(file, fileSize);
      const facts: ImageFacts = { fileSize, mtime, ...exif.facts };
      // A metadata reader stopped at its deadline: the file still goes in, and the reason is listed.
      const problem = exif.problem === undefined ? undefined : { path: file, message: exif.problem };
      if (existing) return { kind: 'write', write: { kind: 'update', id: existing.id, facts }, problem };
      const sidecar = await readSidecar(file);
      return {
        kind: 'write',
        write: { kind: 'insert', folder: job.dir, filename: job.filename, facts, culling: sidecar.culling ?? undefined },
        extra: sidecar.error && sidecar.file ? { path: sidecar.file, message: `${sidecar.error}; sidecar ignored` } : undefined,
        problem,
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
  for (let start = 0; start < jobs.length; start += batchSize) {
    signal?.throwIfAborted();
    const batch = jobs.slice(start, start + batchSize);
    const outcomes = await mapBounded(batch, concurrency, handle);
    const writes: ImportWrite[] = [];
    for (const o of outcomes) {
      if (o.kind === 'unchanged') summary.unchanged += 1;
      else if (o.kind === 'error') summary.errors.push({ path: o.path, message: o.message });
      else {
        writes.push(o.write);
        if (o.problem) summary.errors.push(o.problem);
        if (o.extra) summary.errors.push(o.extra);
      }
    }
    const ids = lib.writeImportBatch(writes, importedAt);
    writes.forEach((w, i) => {
      const id = ids[i];
      if (id === undefined) summary.unchanged += 1; // another process imported it first
      else if (w.kind === 'insert') {
        summary.imported += 1;
        summary.ids.new.push(id);
      } else {
        summary.updated += 1;
        summary.ids.changed.push(id);
      }
    });
  }
  // RAW+JPEG pairs, from the names now in each folder (new, and gone since the last import).
  regroupFolders(lib, walk.folders.map((f) => f.dir));
  return summary;
}

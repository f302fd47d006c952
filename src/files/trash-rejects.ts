import path from 'node:path';
import type { Library } from '../db/library.js';
import { bundleFiles, bundlesOf } from './bundle.js';
import { MoveJournal } from './journal.js';
import { finishInterrupted } from './recover.js';
import { trashBundle } from './trash-bundle.js';
import { trashCanFor } from './trash.js';

export interface TrashRejectsOptions {
  /** Plan only; touch nothing. @default false */
  dryRun?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: { done: number; total: number; file: string }) => void;
}

export interface TrashRejectsSummary {
  /** Library images removed (a pair counts both when both are in the library). */
  images: number;
  /** Their ids (the CLI forgets their thumbnails). */
  ids: number[];
  /** Files moved to the trash. */
  files: number;
  /** Each file and where it went (`to` is the trash can folder on a dry run). */
  plan: { from: string; to: string }[];
  /** Interrupted runs finished first. */
  finished: number;
  errors: { path: string; message: string }[];
  interrupted: boolean;
}

/**
 * Sends the rejected images, their sidecars and the other file of a RAW+JPEG pair to the
 * freedesktop.org Trash and removes them from the library. A pair whose other image is rated
 * and not rejected is left alone and reported: rejecting the JPEG of a pair whose raw is a
 * keeper is not a reason to trash the raw.
 */
export async function trashRejects(lib: Library, opts: TrashRejectsOptions = {}): Promise<TrashRejectsSummary> {
  const summary: TrashRejectsSummary = { images: 0, ids: [], files: 0, plan: [], finished: 0, errors: [], interrupted: false };
  const journal = opts.dryRun ? undefined : new MoveJournal(lib.file);
  await journal?.lock();
  try {
    if (journal) {
      const { finished, problems } = await finishInterrupted(lib, journal);
      summary.finished = finished;
      for (const p of problems) summary.errors.push({ path: '', message: p });
    }
    const rejects: string[] = [];
    for (const r of lib.iterate()) if (r.rejected) rejects.push(r.path);
    const all = await bundlesOf(rejects);
    const found = new Set(all.flatMap((b) => b.images.map((n) => path.join(b.dir, n))));
    for (const r of rejects) {
      if (!found.has(r)) summary.errors.push({ path: r, message: 'no such file; left in the library (see termtable purge)' });
    }
    const bundles = all.filter((b) => b.images.length > 0);
    for (const [i, b] of bundles.entries()) {
      if (opts.signal?.aborted) {
        summary.interrupted = true;
        break;
      }
      const files = bundleFiles(b).map((n) => path.join(b.dir, n));
      opts.onProgress?.({ done: i, total: bundles.length, file: files[0]! });
      const records = b.images.map((n) => lib.getByPath(path.join(b.dir, n))).filter((r) => r !== undefined);
      const keeper = records.find((r) => !r.rejected && r.rating > 0);
      if (keeper) {
        summary.errors.push({ path: files[0]!, message: `left alone: its pair ${keeper.filename} is rated ${keeper.rating} and not rejected` });
        continue;
      }
      try {
        if (opts.dryRun) {
          for (const f of files) summary.plan.push({ from: f, to: (await trashCanFor(f, { create: false })).files });
        } else {
          const trashed = await trashBundle(lib, journal!, { kind: 'trash', files, ids: records.map((r) => r.id) });
          for (const [k, t] of trashed.entries()) summary.plan.push({ from: files[k]!, to: t.trashed });
        }
        summary.images += records.length;
        if (!opts.dryRun) summary.ids.push(...records.map((r) => r.id));
        summary.files += files.length;
      } catch (err) {
        summary.errors.push({ path: files[0]!, message: (err as Error).message });
      }
      opts.onProgress?.({ done: i + 1, total: bundles.length, file: files[0]! });
    }
    if (journal && !summary.interrupted && (await journal.pending()).length === 0) await journal.clear();
    return summary;
  } finally {
    await journal?.unlock();
  }
}

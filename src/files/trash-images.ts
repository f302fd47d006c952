import path from 'node:path';
import type { Library } from '../db/library.js';
import { bundleFiles, bundlesOf, type Bundle } from './bundle.js';
import { MoveJournal } from './journal.js';
import { finishInterrupted } from './recover.js';
import { trashBundle } from './trash-bundle.js';

export interface TrashImagesSummary {
  /** Library images removed (both of a pair when both are in the library). */
  images: number;
  ids: number[];
  /** Files moved to the trash (images and sidecars). */
  files: number;
  plan: { from: string; to: string }[];
  /** Interrupted runs finished first. */
  finished: number;
  errors: { path: string; message: string }[];
}

/** The bundles (image, pair partner, sidecars) of these library images, as trashing them would take. */
export async function bundlesOfImages(lib: Library, ids: readonly number[]): Promise<Bundle[]> {
  return bundlesOf(lib.getMany(ids).map((r) => r.path));
}

/**
 * Sends the chosen images (the lighttable's Delete, "move to trash") to the freedesktop.org
 * Trash with their sidecars and the other file of a RAW+JPEG pair, and removes them from the
 * library: trash-rejects' steps (journal, trash cans found first, a failed bundle put back) for
 * images picked by hand. A bundle that fails is reported and the others go on.
 */
export async function trashImages(
  lib: Library,
  ids: readonly number[],
  opts: { onProgress?: (p: { done: number; total: number; file: string }) => void } = {},
): Promise<TrashImagesSummary> {
  const summary: TrashImagesSummary = { images: 0, ids: [], files: 0, plan: [], finished: 0, errors: [] };
  const journal = new MoveJournal(lib.file);
  await journal.lock();
  try {
    const { finished, problems } = await finishInterrupted(lib, journal);
    summary.finished = finished;
    for (const p of problems) summary.errors.push({ path: '', message: p });
    const records = lib.getMany(ids);
    const all = await bundlesOf(records.map((r) => r.path));
    const found = new Set(all.flatMap((b) => b.images.map((n) => path.join(b.dir, n))));
    for (const r of records) if (!found.has(r.path)) summary.errors.push({ path: r.path, message: 'no such file; left in the library' });
    const bundles = all.filter((b) => b.images.length > 0);
    for (const [i, b] of bundles.entries()) {
      const files = bundleFiles(b).map((n) => path.join(b.dir, n));
      opts.onProgress?.({ done: i, total: bundles.length, file: files[0]! });
      const inLibrary = b.images.map((n) => lib.getByPath(path.join(b.dir, n))).filter((r) => r !== undefined);
      try {
        const trashed = await trashBundle(lib, journal, { kind: 'trash', files, ids: inLibrary.map((r) => r.id) });
        for (const [k, t] of trashed.entries()) summary.plan.push({ from: files[k]!, to: t.trashed });
        summary.images += inLibrary.length;
        summary.ids.push(...inLibrary.map((r) => r.id));
        summary.files += files.length;
      } catch (err) {
        summary.errors.push({ path: files[0]!, message: (err as Error).message });
      }
      opts.onProgress?.({ done: i + 1, total: bundles.length, file: files[0]! });
    }
    if ((await journal.pending()).length === 0) await journal.clear();
    return summary;
  } finally {
    await journal.unlock();
  }
}

import type { Library } from './library.js';
import { COLOR_LABELS, type ColorLabel, type CullingChange, type CullingSnapshot, type ImageRecord } from './types.js';
import { writeImageSidecar } from './sidecar-sync.js';

export interface CullingResult {
  /** The images whose culling state changed, as they are now. */
  changed: ImageRecord[];
  /** Their state before the change, for undo (restoreCulling). */
  before: CullingSnapshot[];
  /** Sidecars that could not be written; the library change stands. Raw paths: sanitise for display. */
  errors: { path: string; message: string }[];
}

function checkChange(change: CullingChange): void {
  if (change.rating !== undefined && !(Number.isInteger(change.rating) && change.rating >= 0 && change.rating <= 5)) {
    throw new RangeError(`rating must be a whole number 0-5, got ${change.rating}`);
  }
  for (const label of [...(change.addLabels ?? []), ...(change.removeLabels ?? []), ...(change.toggleLabels ?? [])]) {
    if (!(COLOR_LABELS as readonly string[]).includes(label)) throw new RangeError(`unknown colour label '${label}'`);
  }
}

/** The state after `change`, as darktable does it: rating an image un-rejects it. */
export function nextCulling(before: Omit<CullingSnapshot, 'id'>, change: CullingChange): Omit<CullingSnapshot, 'id'> {
  let { rating, rejected } = before;
  if (change.rating !== undefined) {
    rating = change.rating;
    rejected = false;
  }
  if (change.reject !== undefined) rejected = change.reject;
  if (change.toggleReject) rejected = !before.rejected;
  const labels = new Set<ColorLabel>(before.labels);
  for (const l of change.addLabels ?? []) labels.add(l);
  for (const l of change.removeLabels ?? []) labels.delete(l);
  for (const l of change.toggleLabels ?? []) {
    if (before.labels.includes(l)) labels.delete(l);
    else labels.add(l);
  }
  return { rating, rejected, labels: COLOR_LABELS.filter((l) => labels.has(l)) };
}

const sameCulling = (a: ImageRecord, b: ImageRecord) =>
  a.rating === b.rating && a.rejected === b.rejected && a.labels.join() === b.labels.join();

/**
 * Writes each image's sidecar from the library's current state. Another process may commit
 * a change to the same image between our read and our write and then write its own sidecar
 * first; so after writing we look again and rewrite until what we wrote is still current.
 * The last writer then always writes the final state.
 */
async function writeSidecars(lib: Library, records: readonly ImageRecord[]): Promise<CullingResult['errors']> {
  const errors: CullingResult['errors'] = [];
  // Sequential on purpose: a handful of small files, and the order of errors stays stable.
  for (const first of records) {
    try {
      let current: ImageRecord | undefined = first;
      for (let attempt = 0; current && attempt < 10; attempt++) {
        await writeImageSidecar(lib, current);
        const now = lib.get(current.id);
        current = now && !sameCulling(now, current) ? now : undefined;
      }
    } catch (err) {
      errors.push({ path: `${first.path}.xmp`, message: (err as Error).message });
    }
  }
  return errors;
}

/**
 * THE culling path, for `termtable set` and the TUI's keys alike: one short transaction in
 * the library, then each changed image's `FILE.EXT.xmp` sidecar. Unknown ids are ignored;
 * images whose state does not change are not rewritten.
 */
export async function applyCulling(lib: Library, ids: readonly number[], change: CullingChange): Promise<CullingResult> {
  checkChange(change);
  const { before, changedIds } = lib.updateCulling(ids, (old) => nextCulling(old, change));
  const changed = lib.getMany(changedIds);
  return { changed, before, errors: await writeSidecars(lib, changed) };
}

/** Undo: puts images back to the states applyCulling returned as `before`. */
export async function restoreCulling(lib: Library, snapshots: readonly CullingSnapshot[]): Promise<CullingResult> {
  const byId = new Map(snapshots.map((s) => [s.id, s]));
  const { before, changedIds } = lib.updateCulling([...byId.keys()], (old) => {
    const s = byId.get(old.id) ?? old;
    return { rating: s.rating, rejected: s.rejected, labels: s.labels };
  });
  const changed = lib.getMany(changedIds);
  return { changed, before, errors: await writeSidecars(lib, changed) };
}

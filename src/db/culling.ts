import { groupsOf, withPairs } from './groups.js';
import { filenamesOf, recordEntry, snapshotRows, type CullingState } from './history.js';
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
export async function writeSidecars(lib: Library, records: readonly ImageRecord[]): Promise<CullingResult['errors']> {
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

export interface CullingOptions {
  /**
   * A RAW+JPEG pair is one item: a decision on either file is made on both (and both
   * sidecars); false for preference `rawJpegPairs: 'separate'`. @default true
   */
  groupPairs?: boolean;
}

const targetsOf = (lib: Library, ids: readonly number[], opts: CullingOptions) =>
  opts.groupPairs === false ? [...ids] : withPairs(lib, ids);

/**
 * Changes culling state in one transaction together with its undo journal entry
 * (src/db/history.ts), then writes each changed image's sidecar.
 */
async function changeCulling(
  lib: Library,
  ids: readonly number[],
  /** Called inside the transaction, so what it reads is what the change is made on. */
  makeNext: () => (old: CullingSnapshot) => CullingState,
): Promise<CullingResult> {
  const { before, changedIds } = lib
    .connection()
    .transaction(() => {
      const next = makeNext();
      const after = new Map<number, CullingState>();
      const result = lib.updateCulling(ids, (old) => {
        const now = next(old);
        after.set(old.id, now);
        return now;
      });
      const names = filenamesOf(lib, result.changedIds);
      recordEntry(
        lib,
        'culling',
        result.before.map(({ id, ...state }) => ({ id, filename: names.get(id) ?? `image ${id}`, before: state, after: after.get(id)! })),
      );
      return result;
    })
    .immediate();
  const changed = lib.getMany(changedIds);
  return { changed, before, errors: await writeSidecars(lib, changed) };
}

/**
 * THE culling path, for `termtable set` and the TUI's keys alike: one short transaction in
 * the library (the change and its journal entry), then each changed image's `FILE.EXT.xmp`
 * sidecar. Unknown ids are ignored; images whose state does not change are not rewritten.
 */
export async function applyCulling(
  lib: Library,
  ids: readonly number[],
  change: CullingChange,
  opts: CullingOptions = {},
): Promise<CullingResult> {
  checkChange(change);
  if (opts.groupPairs === false) return changeCulling(lib, ids, () => (old) => nextCulling(old, change));
  // Each file of a pair follows the image it was given for (its anchor): a toggle on a pair
  // culled apart (rawJpegPairs: separate) sets both to the toggled state of the anchor
  // instead of swapping them.
  const groups = groupsOf(lib, ids);
  const anchorOf = new Map<number, number>();
  for (const id of ids) for (const m of groups.get(id)?.members ?? [id]) if (!anchorOf.has(m)) anchorOf.set(m, id);
  const toggles = change.toggleReject === true || (change.toggleLabels?.length ?? 0) > 0;
  return changeCulling(lib, [...anchorOf.keys()], () => {
    if (!toggles) return (old) => nextCulling(old, change);
    const anchors = new Map(lib.getMany([...new Set(anchorOf.values())]).map((r) => [r.id, r]));
    return (old) => {
      const anchor = anchors.get(anchorOf.get(old.id)!);
      return nextCulling(old, anchor ? withoutToggles(change, anchor) : change);
    };
  });
}

/** The change with its toggles made absolute against one image's state. */
function withoutToggles(change: CullingChange, state: CullingState): CullingChange {
  const { toggleReject, toggleLabels, ...out } = change;
  if (toggleReject) out.reject = !state.rejected;
  if (toggleLabels?.length) {
    out.addLabels = [...(out.addLabels ?? []), ...toggleLabels.filter((l) => !state.labels.includes(l))];
    out.removeLabels = [...(out.removeLabels ?? []), ...toggleLabels.filter((l) => state.labels.includes(l))];
  }
  return out;
}

/** Puts images back to states applyCulling returned as `before` (itself a journaled change). */
export async function restoreCulling(lib: Library, snapshots: readonly CullingSnapshot[]): Promise<CullingResult> {
  const byId = new Map(snapshots.map((s) => [s.id, s]));
  return changeCulling(lib, [...byId.keys()], () => (old) => {
    const s = byId.get(old.id) ?? old;
    return { rating: s.rating, rejected: s.rejected, labels: s.labels };
  });
}

/** Rotates images a quarter turn (and their pairs), journaled; returns them as they are now. */
export function rotateImages(lib: Library, ids: readonly number[], delta: 1 | -1, opts: CullingOptions = {}): ImageRecord[] {
  const targets = targetsOf(lib, ids, opts);
  return lib
    .connection()
    .transaction(() => {
      const before = lib.getMany(targets);
      const after = lib.rotate(targets, delta);
      const now = new Map(after.map((r) => [r.id, r.rotation]));
      recordEntry(
        lib,
        'rotation',
        before.map((r) => ({ id: r.id, filename: r.filename, before: { rotation: r.rotation }, after: { rotation: now.get(r.id)! } })),
      );
      return after;
    })
    .immediate();
}

/**
 * Removes images from the library (never their files), with their pairs, journaled with
 * their whole rows so undo puts them back under the same ids. Returns how many were removed.
 */
export function removeImages(lib: Library, ids: readonly number[], opts: CullingOptions = {}): number {
  const targets = targetsOf(lib, ids, opts);
  return lib
    .connection()
    .transaction(() => {
      const rows = snapshotRows(lib, targets);
      const removed = lib.remove(targets);
      recordEntry(lib, 'remove', rows);
      return removed;
    })
    .immediate();
}

import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { loadPreferences, type SidecarPref } from '../config/preferences.js';
import { recordEntry } from './history.js';
import type { Library } from './library.js';
import {
  blockSidecar,
  isOwnWrite,
  knownSidecars,
  recordOwnWrite,
  rememberSidecar,
  setSidecarPending,
  setSyncedState,
  sidecarState,
  syncedState,
  type SidecarStat,
  type SyncedState,
} from './sidecar-store.js';
import { COLOR_LABELS, type ColorLabel, type ImageRecord } from './types.js';
import { readSidecarAt, sidecarPaths, statSidecar, writeSidecarAs, XmpError, type SidecarKind } from './xmp.js';
import { composeOrientation, rotationBetween } from './xmp/orientation.js';

/**
 * The library's side of sidecars (issue 10): which files an image writes, what changed in
 * them since termtable last read or wrote them, and which writes failed and are owed.
 *
 * The sidecar is the truth the other tools share. Each field (rating, reject, labels,
 * rotation) is merged three ways against the state the library and the sidecars last agreed
 * on: changed only in the file, the file's value wins; changed only in the library, the
 * library's is written; changed in both, the file's is kept and the library's goes to the
 * undo journal, so `termtable undo` brings it back.
 */

/** The write of this image's sidecar failed in a way no retry can fix; said once, then kept. */
export class SidecarBlockedError extends Error {
  override name = 'SidecarBlockedError';
}

export interface SidecarOptions {
  /** Which sidecar files to create (existing ones are always kept current). @default the preference `sidecar` */
  sidecar?: SidecarPref;
}

export interface ReconcileResult {
  /** The library's culling or rotation was replaced from a sidecar changed elsewhere. */
  updated: boolean;
  /** Some of the replaced values had changed in the library too (kept in the journal). */
  conflict: boolean;
  /** A sidecar file was written. */
  wrote: boolean;
  /** A changed sidecar that could not be read (left alone, the library kept its values). */
  readError?: string;
}

interface Target {
  file: string;
  kind: SidecarKind;
  exists: boolean;
}

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG') return false;
    throw err;
  }
}

/** The sidecars an image has, and those it writes under the preference. darktable's first. */
async function targetsOf(imagePath: string, pref: SidecarPref): Promise<{ present: Target[]; write: Target[] }> {
  const { darktable, lightroom } = sidecarPaths(imagePath);
  const dt: Target = { file: darktable, kind: 'darktable', exists: await exists(darktable) };
  if (darktable === lightroom) return { present: dt.exists ? [dt] : [], write: [dt] };
  const lr: Target = { file: lightroom, kind: 'lightroom', exists: await exists(lightroom) };
  const present = [dt, lr].filter((t) => t.exists);
  const write = [
    ...(dt.exists || pref === 'darktable' || pref === 'both' || (pref === 'auto' && !lr.exists) ? [dt] : []),
    ...(lr.exists || pref === 'lightroom' || pref === 'both' ? [lr] : []),
  ];
  return { present, write };
}

const stateOf = (r: ImageRecord): SyncedState => ({ rating: r.rating, rejected: r.rejected, labels: r.labels, rotation: r.rotation });
const sameStat = (a: SidecarStat | undefined, b: SidecarStat | null) => !!a && !!b && a.size === b.size && a.mtime === b.mtime;
const sameLabels = (a: readonly string[], b: readonly string[]) => a.join() === b.join();
const sameState = (a: SyncedState, b: SyncedState) =>
  a.rating === b.rating && a.rejected === b.rejected && sameLabels(a.labels, b.labels) && a.rotation === b.rotation;

function nameTooLong(record: ImageRecord): string {
  const bytes = Buffer.byteLength(`${record.filename}.xmp`);
  return `file name too long for a sidecar (${record.filename}.xmp would be ${bytes} bytes, more than the file system allows); its culling is kept in the library only`;
}

/** What a changed sidecar says, per field; undefined where the file cannot say (a Lightroom file holds one label). */
interface FileSays {
  rating?: number;
  rejected: boolean;
  labels: ColorLabel[];
  /** Labels the file can hold: all of them (darktable) or the first (Lightroom, digiKam). */
  labelCapacity: 'all' | 'one';
  rotation?: number;
}

async function readChanged(
  lib: Library,
  record: ImageRecord,
  present: Target[],
  known: Map<string, SidecarStat>,
): Promise<{ says: FileSays; file: string } | { error: string; file: string } | null> {
  for (const t of present) {
    const st = await statSidecar(t.file);
    if (sameStat(known.get(path.basename(t.file)), st)) continue;
    const read = await readSidecarAt(t.file);
    if (read.error || !read.culling) return { error: read.error ?? 'unreadable sidecar', file: t.file };
    // Written by termtable (this process or another one culling at the same time): no news.
    if (read.hash && isOwnWrite(lib, record.id, read.hash)) continue;
    const c = read.culling;
    const rotation = read.orientation ? rotationBetween(record.orientation, read.orientation) : null;
    const labelCapacity: FileSays['labelCapacity'] = t.kind === 'darktable' ? 'all' : 'one';
    return {
      file: t.file,
      says: {
        ...(c.rejected ? {} : { rating: c.rating }),
        rejected: c.rejected,
        labels: c.labels,
        labelCapacity,
        ...(rotation === null ? {} : { rotation }),
      },
    };
  }
  return null;
}

/** Three-way merge of one image's state: base (last agreed), library now, file now. */
function merge(base: SyncedState, lib: SyncedState, file: FileSays): { merged: SyncedState; conflict: boolean } {
  let conflict = false;
  const pick = <T>(b: T, l: T, f: T | undefined, same: (x: T, y: T) => boolean): T => {
    if (f === undefined || same(f, b)) return l;
    if (!same(l, b) && !same(l, f)) conflict = true;
    return f;
  };
  const eq = <T>(x: T, y: T) => x === y;
  const proj = (ls: readonly string[]) => (file.labelCapacity === 'one' ? ls.slice(0, 1) : [...ls]);
  const fileLabels = proj(file.labels);
  const labelsChangedInFile = !sameLabels(fileLabels, proj(base.labels));
  let labels = lib.labels;
  if (labelsChangedInFile) {
    if (!sameLabels(lib.labels, base.labels) && !sameLabels(proj(lib.labels), fileLabels)) conflict = true;
    labels = fileLabels;
  }
  const merged: SyncedState = {
    rejected: pick(base.rejected, lib.rejected, file.rejected, eq),
    rating: pick(base.rating, lib.rating, file.rating, eq),
    labels: COLOR_LABELS.filter((l) => labels.includes(l)),
    rotation: pick(base.rotation, lib.rotation, file.rotation, eq),
  };
  return { merged, conflict };
}

/** Whether a sidecar already says the merged state, as far as it can say it. */
function agrees(merged: SyncedState, file: FileSays): boolean {
  const proj = (ls: readonly string[]) => (file.labelCapacity === 'one' ? ls.slice(0, 1) : [...ls]);
  return (
    (file.rating === undefined || file.rating === merged.rating) &&
    file.rejected === merged.rejected &&
    sameLabels(proj(file.labels), proj(merged.labels)) &&
    (file.rotation === undefined || file.rotation === merged.rotation)
  );
}

/** Puts a merged state into the library; a conflict records the library's values in the journal. */
function applyToLibrary(lib: Library, record: ImageRecord, merged: SyncedState, conflict: boolean): void {
  lib
    .connection()
    .transaction(() => {
      lib.updateCulling([record.id], () => ({ rating: merged.rating, rejected: merged.rejected, labels: merged.labels as ColorLabel[] }));
      if (merged.rotation !== record.rotation) lib.setRotation([record.id], merged.rotation);
      if (conflict) {
        const before = { rating: record.rating, rejected: record.rejected, labels: record.labels };
        const after = { rating: merged.rating, rejected: merged.rejected, labels: merged.labels as ColorLabel[] };
        recordEntry(lib, 'culling', [{ id: record.id, filename: record.filename, before, after }]);
        if (merged.rotation !== record.rotation) {
          recordEntry(lib, 'rotation', [{ id: record.id, filename: record.filename, before: { rotation: record.rotation }, after: { rotation: merged.rotation } }]);
        }
      }
    })
    .immediate();
}

/**
 * Brings one image and its sidecars into agreement: a sidecar changed elsewhere is read and
 * merged into the library, then (when `write`, or a write is owed) every sidecar the image
 * writes is updated from the result. Throws when a write fails (the image is then pending).
 */
export async function reconcile(lib: Library, record: ImageRecord, opts: SidecarOptions & { write: boolean }): Promise<ReconcileResult> {
  const state = sidecarState(lib, record.id);
  const result: ReconcileResult = { updated: false, conflict: false, wrote: false };
  const pref = opts.sidecar ?? (await loadPreferences()).prefs.sidecar;
  const { present, write } = await targetsOf(record.path, pref);
  const known = knownSidecars(lib, record.id);
  let current = record;
  let fileAgrees = false;
  const changed = await readChanged(lib, record, present, known);
  if (changed && 'error' in changed) {
    // A sidecar we cannot read is never overwritten; the library keeps its values.
    if (opts.write) throw new Error(changed.error);
    return { ...result, readError: changed.error };
  }
  if (changed) {
    const libState = stateOf(record);
    const { merged, conflict } = merge(syncedState(lib, record.id) ?? libState, libState, changed.says);
    const differs =
      merged.rating !== record.rating || merged.rejected !== record.rejected || !sameLabels(merged.labels, record.labels) || merged.rotation !== record.rotation;
    if (differs) {
      applyToLibrary(lib, record, merged, conflict);
      current = lib.get(record.id) ?? record;
      result.updated = true;
      result.conflict = conflict;
    }
    fileAgrees = agrees(merged, changed.says);
  }
  if (state?.blocked) return result;
  // Written too: a changed file the merge kept library values for, another sidecar of the
  // image that now lags behind it, and a library state the sidecars never got (a rotation).
  const base = syncedState(lib, record.id);
  const behind = !changed && base !== null && !sameState(base, stateOf(current));
  const mustWrite = opts.write || state?.pending || behind || (changed !== null && (!fileAgrees || present.length > 1));
  if (!mustWrite) {
    if (changed) await rememberAll(lib, record.id, present.map((t) => t.file), current);
    return result;
  }
  const w = {
    rating: current.rating,
    rejected: current.rejected,
    labels: current.labels,
    orientation: composeOrientation(current.orientation, current.rotation),
    exifOrientation: current.orientation,
  };
  try {
    for (const t of write) if (await writeSidecarAs(t.file, t.kind, w, (hash) => recordOwnWrite(lib, record.id, hash))) result.wrote = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENAMETOOLONG') {
      const reason = nameTooLong(record);
      blockSidecar(lib, record.id, reason);
      throw new SidecarBlockedError(reason);
    }
    // Pending means "owed, retry later": a system error (disk full, read-only, I/O). A sidecar
    // that is not XMP (or is a FIFO, or too large) is never overwritten, so nothing is owed.
    if (!(err instanceof XmpError)) setSidecarPending(lib, record.id, true);
    throw err;
  }
  await rememberAll(lib, record.id, write.map((t) => t.file), current);
  return result;
}

async function rememberAll(lib: Library, id: number, files: readonly string[], now: ImageRecord): Promise<void> {
  for (const f of files) rememberSidecar(lib, id, path.basename(f), await statSidecar(f));
  setSyncedState(lib, id, stateOf(now));
}

/**
 * Writes the image's sidecars from its library state (after a merge with any sidecar changed
 * elsewhere). On failure the image is marked sidecar pending (retried by the next write,
 * `termtable sync` or the next import) and the error thrown; a name the file system cannot
 * hold blocks the image's sidecar for good, reported on the first attempt only.
 */
export async function writeImageSidecar(lib: Library, record: ImageRecord, opts: SidecarOptions = {}): Promise<void> {
  if (sidecarState(lib, record.id)?.blocked) return;
  await reconcile(lib, record, { ...opts, write: true });
}

/**
 * For the lighttable, when an image is shown: a sidecar changed since termtable last read or
 * wrote it replaces the library's values; an owed write is retried. Never throws: returns
 * whether the library changed, or the error.
 */
export async function resyncSidecar(lib: Library, id: number, opts: SidecarOptions = {}): Promise<ReconcileResult & { error?: string }> {
  const record = lib.get(id);
  if (!record) return { updated: false, conflict: false, wrote: false };
  try {
    return await reconcile(lib, record, { ...opts, write: false });
  } catch (err) {
    return { updated: false, conflict: false, wrote: false, error: (err as Error).message };
  }
}

export interface SyncSummary {
  checked: number;
  /** Images whose values were replaced from a sidecar changed elsewhere. */
  sidecarsUpdated: number;
  /** Images whose sidecars were written (owed writes retried, rotations, merges). */
  written: number;
  /** Images still owing a sidecar write after this run. */
  pending: number;
  errors: { path: string; message: string }[];
}

/** `termtable sync`: every image (or those given) brought into agreement with its sidecars. */
export async function syncSidecars(
  lib: Library,
  records: Iterable<ImageRecord>,
  opts: SidecarOptions & { onProgress?: (done: number) => void } = {},
): Promise<SyncSummary> {
  const sidecar = opts.sidecar ?? (await loadPreferences()).prefs.sidecar;
  const summary: SyncSummary = { checked: 0, sidecarsUpdated: 0, written: 0, pending: 0, errors: [] };
  for (const record of records) {
    summary.checked += 1;
    try {
      const r = await reconcile(lib, record, { sidecar, write: false });
      if (r.updated) summary.sidecarsUpdated += 1;
      if (r.wrote) summary.written += 1;
      if (r.readError) summary.errors.push({ path: record.path, message: `sidecar not read: ${r.readError}` });
    } catch (err) {
      summary.errors.push({ path: record.path, message: `sidecar not written: ${(err as Error).message}` });
    }
    opts.onProgress?.(summary.checked);
  }
  summary.pending = pendingCount(lib);
  return summary;
}

function pendingCount(lib: Library): number {
  return lib.connection().prepare<[], number>('SELECT count(*) FROM images WHERE sidecar_pending = 1').pluck().get()!;
}

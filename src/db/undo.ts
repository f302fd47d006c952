import { writeSidecars } from './culling.js';
import { regroupFolders } from './groups.js';
import { stepHistory, type HistoryEntry } from './history.js';
import type { Library } from './library.js';
import { sanitizeText } from '../util/sanitize.js';

export interface UndoResult {
  /** For the status bar, terminal-safe: "undid: rating 3→0 on IMG_0001.CR3". */
  message: string;
  /** The entry undone or redone, as it is now. */
  entry: HistoryEntry;
  /** Images whose state changed (their thumbnails may need remaking after a rotation). */
  ids: number[];
  /** Sidecars that could not be written; the library change stands. Raw paths: sanitise for display. */
  errors: { path: string; message: string }[];
  /** Images of the entry that could not be put back (raw file names), e.g. a removed file imported again. */
  skipped: { id: number; filename: string; reason: string }[];
}

async function step(lib: Library, direction: 'undo' | 'redo'): Promise<UndoResult | undefined> {
  const result = stepHistory(lib, direction);
  if (!result) return undefined;
  if (result.restoredFolders.length) regroupFolders(lib, result.restoredFolders);
  // The same sidecar write path as applyCulling: the sidecar ends up saying what the library says.
  const errors = await writeSidecars(lib, lib.getMany(result.sidecarIds));
  const skipped = result.skipped;
  const verb = direction === 'undo' ? 'undid' : 'redid';
  const note = skipped.length
    ? ` (${skipped.length} not ${direction === 'undo' ? 'restored' : 'redone'}: ${sanitizeText(skipped[0]!.filename)}: ${skipped[0]!.reason})`
    : '';
  const ids = lib.getMany([...new Set([...result.sidecarIds, ...result.entryIds])]).map((r) => r.id);
  return { message: `${verb}: ${result.entry.description}${note}`, entry: result.entry, ids, errors, skipped };
}

/**
 * Undoes the newest culling change not yet undone (rating, reject, labels, rotation or a
 * removal from the library), whichever process made it, restoring the library and the
 * sidecars. Undefined when there is nothing to undo.
 */
export function undo(lib: Library): Promise<UndoResult | undefined> {
  return step(lib, 'undo');
}

/** Redoes the change undone last (a new change since then has dropped it: vim's undo). */
export function redo(lib: Library): Promise<UndoResult | undefined> {
  return step(lib, 'redo');
}

import type Database from 'better-sqlite3';
import { labelsToMask } from './labels.js';
import { setRotationStatement } from './library-statements.js';
import type { Library } from './library.js';
import type { CullingSnapshot } from './types.js';
import { sanitizeText } from '../util/sanitize.js';

/**
 * The undo journal (schema step 3): every culling change is one entry, written in the same
 * transaction as the change, holding each image's state before and after. It lives in the
 * library, so it survives a restart and is shared by every process using the library; undo
 * takes the newest entry not undone at that moment, inside one IMMEDIATE transaction, so two
 * processes never undo the same entry or lose one (darktable's dt_undo keeps this in memory).
 */

export const HISTORY_KINDS = ['culling', 'rotation', 'remove'] as const;
export type HistoryKind = (typeof HISTORY_KINDS)[number];

export type CullingState = Omit<CullingSnapshot, 'id'>;

/** Everything needed to put a removed image back exactly: its row (same id) and its folder. */
export interface RemovedImage {
  row: Record<string, unknown>;
  rollPath: string;
  rollId: number;
}

/** An image's state in an entry: culling, rotation, its whole row (removal), or absent. */
export type ItemState = CullingState | { rotation: number } | RemovedImage | null;

export interface HistoryItem {
  id: number;
  /** Raw file name, for descriptions (sanitised there). */
  filename: string;
  before: ItemState;
  after: ItemState;
}

export interface HistoryEntry {
  id: number;
  /** ISO 8601. */
  at: string;
  kind: HistoryKind;
  /** What the change did, terminal-safe: "rating 3→0 on IMG_0001.CR3". */
  description: string;
  /** How many images it changed. */
  images: number;
  undone: boolean;
}

/**
 * Entries kept: older ones are dropped when a new one is written, so the journal's size is
 * bounded however long a library is used (a removal keeps one row per image it removed).
 */
export const HISTORY_LIMIT = 10_000;

/** Names shown in a description before "and N more". */
const NAMES_SHOWN = 2;

interface EntryRow {
  id: number;
  at: string;
  kind: HistoryKind;
  description: string;
  image_count: number;
  undone: number;
}

const toEntry = (r: EntryRow): HistoryEntry => ({
  id: r.id,
  at: r.at,
  kind: r.kind,
  description: r.description,
  images: r.image_count,
  undone: r.undone === 1,
});

function values<T>(items: readonly HistoryItem[], pick: (s: ItemState) => T): string {
  const seen = [...new Set(items.map((i) => pick(i.before)))].map(String);
  return seen.length > 3 ? `${seen.slice(0, 3).join('/')}/…` : seen.join('/');
}

/** "rating 3→0", "rejected", "+red −green", "rotation 0°→90°", "removed from the library". */
function describeChange(kind: HistoryKind, items: readonly HistoryItem[]): string {
  if (kind === 'remove') return 'removed from the library';
  if (kind === 'rotation') {
    const to = (items[0]!.after as { rotation: number }).rotation * 90;
    return `rotation ${values(items, (s) => `${(s as { rotation: number }).rotation * 90}°`)}→${to}°`;
  }
  const first = items[0]!;
  const b = first.before as CullingState;
  const a = first.after as CullingState;
  const parts: string[] = [];
  if (items.some((i) => (i.before as CullingState).rating !== (i.after as CullingState).rating)) {
    parts.push(`rating ${values(items, (s) => (s as CullingState).rating)}→${a.rating}`);
  }
  if (a.rejected !== b.rejected || items.some((i) => (i.before as CullingState).rejected !== (i.after as CullingState).rejected)) {
    parts.push(a.rejected ? 'rejected' : 'unrejected');
  }
  // Over every image: in "+red" on a selection, the first image may have had red already.
  const added = new Set<string>();
  const removed = new Set<string>();
  for (const i of items) {
    const [ib, ia] = [i.before as CullingState, i.after as CullingState];
    for (const l of ia.labels) if (!ib.labels.includes(l)) added.add(`+${l}`);
    for (const l of ib.labels) if (!ia.labels.includes(l)) removed.add(`−${l}`);
  }
  if (added.size || removed.size) parts.push([...added, ...removed].join(' '));
  return parts.join(', ') || 'labels';
}

/** "IMG_0001.JPG", "IMG_0001.JPG + IMG_0001.CR3", "a.jpg, b.jpg and 3 more": terminal-safe. */
export function describeImages(filenames: readonly string[]): string {
  const names = filenames.map((f) => sanitizeText(f));
  if (names.length <= NAMES_SHOWN) return names.join(' + ');
  return `${names.slice(0, NAMES_SHOWN).join(', ')} and ${names.length - NAMES_SHOWN} more`;
}

const sameState = (a: ItemState, b: ItemState) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Writes one entry; call inside the write transaction of the change it records. A new change
 * drops the entries undone before it (vim: a change after undo ends the redo branch). Items
 * whose state did not change are left out; nothing is written when none did.
 */
export function recordEntry(lib: Library, kind: HistoryKind, items: readonly HistoryItem[]): number | undefined {
  const db = lib.connection();
  if (!db.inTransaction) throw new Error('recordEntry must run inside the transaction of the change');
  const real = items.filter((i) => !sameState(i.before, i.after));
  if (real.length === 0) return undefined;
  const description = `${describeChange(kind, real)} on ${describeImages(real.map((i) => i.filename))}`;
  db.prepare('DELETE FROM history WHERE undone = 1').run();
  const id = db
    .prepare<[string, string, string, number], number>(
      'INSERT INTO history (at, kind, description, image_count) VALUES (?, ?, ?, ?) RETURNING id',
    )
    .pluck()
    .get(new Date().toISOString(), kind, description, real.length)!;
  const insert = db.prepare<[number, number, string, string | null, string | null]>(
    'INSERT INTO history_items (entry_id, image_id, filename, before, after) VALUES (?, ?, ?, ?, ?)',
  );
  for (const i of real) {
    insert.run(id, i.id, i.filename, i.before === null ? null : JSON.stringify(i.before), i.after === null ? null : JSON.stringify(i.after));
  }
  db.prepare('DELETE FROM history WHERE id <= ?').run(id - HISTORY_LIMIT);
  return id;
}

/** File names of these images by id (inside a transaction, for the entry being recorded). */
export function filenamesOf(lib: Library, ids: readonly number[]): Map<number, string> {
  const rows = lib
    .connection()
    .prepare<[string], { id: number; filename: string }>('SELECT id, filename FROM images WHERE id IN (SELECT value FROM json_each(?))')
    .all(JSON.stringify(ids));
  return new Map(rows.map((r) => [r.id, r.filename]));
}

/** The whole rows of these images with their folders, taken just before they are removed. */
export function snapshotRows(lib: Library, ids: readonly number[]): HistoryItem[] {
  const rows = lib
    .connection()
    .prepare<[string], Record<string, unknown> & { roll_path: string }>(
      `SELECT i.*, f.path AS roll_path FROM images i JOIN film_rolls f ON f.id = i.film_roll_id
        WHERE i.id IN (SELECT value FROM json_each(?)) ORDER BY i.id`,
    )
    .all(JSON.stringify(ids));
  return rows.map(({ roll_path, ...row }) => ({
    id: row.id as number,
    filename: row.filename as string,
    before: { row, rollPath: roll_path, rollId: row.film_roll_id as number },
    after: null,
  }));
}

/** Newest first. */
export function listHistory(lib: Library, opts: { limit?: number } = {}): HistoryEntry[] {
  return lib
    .connection()
    .prepare<[number], EntryRow>('SELECT * FROM history ORDER BY id DESC LIMIT ?')
    .all(opts.limit ?? -1)
    .map(toEntry);
}

export interface StepResult {
  entry: HistoryEntry;
  /** Every image of the entry. */
  entryIds: number[];
  /**
   * Images whose culling or rotation the step changed: their sidecars are rewritten from the
   * library (a rotation too, for sidecars that carry the orientation).
   */
  sidecarIds: number[];
  /** Images of the entry that could not be put back, and why (raw file names). */
  skipped: { id: number; filename: string; reason: string }[];
  /** Folders of images put back into the library (their pairs need recomputing). */
  restoredFolders: string[];
}

/**
 * Puts removed images' rows back under their own ids (so thumbnails, pairs and history follow);
 * the returned function gives a reason when one cannot be.
 */
function rowRestorer(db: Database.Database): (state: RemovedImage) => string | undefined {
  // Columns of the library as it is now: a later schema step may have added some (their defaults apply).
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(images)').all().map((c) => c.name);
  const rollByPath = db.prepare<[string], number>('SELECT id FROM film_rolls WHERE path = ?').pluck();
  const rollIdUsed = db.prepare<[number], number>('SELECT count(*) FROM film_rolls WHERE id = ?').pluck();
  const insertRollWithId = db.prepare<[number, string], number>('INSERT INTO film_rolls (id, path) VALUES (?, ?) RETURNING id').pluck();
  const insertRoll = db.prepare<[string], number>('INSERT INTO film_rolls (path) VALUES (?) RETURNING id').pluck();
  const idUsed = db.prepare<[number], number>('SELECT count(*) FROM images WHERE id = ?').pluck();
  const byName = db.prepare<[number, string], number>('SELECT id FROM images WHERE film_roll_id = ? AND filename = ?').pluck();
  const inserts = new Map<string, Database.Statement>();
  return (state) => {
    const rollId =
      rollByPath.get(state.rollPath) ??
      (rollIdUsed.get(state.rollId) === 0 ? insertRollWithId.get(state.rollId, state.rollPath)! : insertRoll.get(state.rollPath)!);
    const row: Record<string, unknown> = { ...state.row, film_roll_id: rollId };
    if (idUsed.get(row.id as number)! > 0) return `id ${String(row.id)} is used by another image now`;
    const again = byName.get(rollId, row.filename as string);
    if (again !== undefined) return `the file is in the library again as image ${again}`;
    const cols = columns.filter((c) => c in row);
    const sql = `INSERT INTO images (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`;
    let insert = inserts.get(sql);
    if (!insert) inserts.set(sql, (insert = db.prepare(sql)));
    insert.run(...cols.map((c) => row[c] as string | number | null));
    return undefined;
  };
}

/**
 * Undoes (the newest entry not undone) or redoes (the oldest undone one) one entry: in one
 * IMMEDIATE transaction it picks the entry, puts each image in the entry's before (or after)
 * state and flips the entry's flag. Sidecars are the caller's (src/db/undo.ts). Undefined when
 * there is nothing to undo or redo.
 */
export function stepHistory(lib: Library, direction: 'undo' | 'redo'): StepResult | undefined {
  const db = lib.connection();
  const result = db
    .transaction((): StepResult | undefined => {
      const row = db
        .prepare<[], EntryRow>(
          direction === 'undo'
            ? 'SELECT * FROM history WHERE undone = 0 ORDER BY id DESC LIMIT 1'
            : 'SELECT * FROM history WHERE undone = 1 ORDER BY id ASC LIMIT 1',
        )
        .get();
      if (!row) return undefined;
      const items = db
        .prepare<[number], { image_id: number; filename: string; before: string | null; after: string | null }>(
          'SELECT image_id, filename, before, after FROM history_items WHERE entry_id = ? ORDER BY image_id',
        )
        .all(row.id)
        .map((i) => ({
          id: i.image_id,
          filename: i.filename,
          to: JSON.parse((direction === 'undo' ? i.before : i.after) ?? 'null') as ItemState,
          from: JSON.parse((direction === 'undo' ? i.after : i.before) ?? 'null') as ItemState,
        }));
      const out: StepResult = { entry: toEntry(row), entryIds: items.map((i) => i.id), sidecarIds: [], skipped: [], restoredFolders: [] };
      const now = new Map(
        db
          .prepare<[string], { id: number; rating: number; rejected: number; labels: number; rotation: number }>(
            'SELECT id, rating, rejected, labels, rotation FROM images WHERE id IN (SELECT value FROM json_each(?))',
          )
          .all(JSON.stringify(items.map((i) => i.id)))
          .map((r) => [r.id, r]),
      );
      const present = { has: (id: number) => now.has(id) };
      // Every change termtable makes is journaled, so an image not in the state the entry left
      // it in was changed by another tool since (a sidecar edited in darktable and synced):
      // that change is kept, not overwritten with a state older than it.
      const changedSince = (i: (typeof items)[number]) => {
        const cur = now.get(i.id)!;
        if (row.kind === 'rotation') return cur.rotation !== (i.from as { rotation: number }).rotation;
        const f = i.from as CullingState;
        return cur.rating !== f.rating || (cur.rejected === 1) !== f.rejected || cur.labels !== labelsToMask(f.labels);
      };
      const since = (i: { id: number; filename: string }) =>
        out.skipped.push({ id: i.id, filename: i.filename, reason: 'changed since by another tool; left as it is' });
      const gone = (i: { id: number; filename: string }) =>
        out.skipped.push({ id: i.id, filename: i.filename, reason: 'no longer in the library' });
      if (row.kind === 'culling') {
        const set = db.prepare<[number, number, number, number]>('UPDATE images SET rating = ?, rejected = ?, labels = ? WHERE id = ?');
        for (const i of items) {
          if (!present.has(i.id)) gone(i);
          else if (changedSince(i)) since(i);
          else {
            const s = i.to as CullingState;
            set.run(s.rating, s.rejected ? 1 : 0, labelsToMask(s.labels), i.id);
            out.sidecarIds.push(i.id);
          }
        }
      } else if (row.kind === 'rotation') {
        // The same statement as Library.setRotation: the sharpest tile and AF point turn too.
        const set = setRotationStatement(db);
        for (const i of items) {
          if (!present.has(i.id)) gone(i);
          else if (changedSince(i)) since(i);
          else {
            set.run({ turns: (i.to as { rotation: number }).rotation, id: i.id });
            out.sidecarIds.push(i.id);
          }
        }
      } else if (direction === 'undo') {
        const restore = rowRestorer(db);
        for (const i of items) {
          const reason = present.has(i.id) ? 'already in the library' : restore(i.to as RemovedImage);
          if (reason) out.skipped.push({ id: i.id, filename: i.filename, reason });
          else out.restoredFolders.push((i.to as RemovedImage).rollPath);
        }
      } else {
        const remove = db.prepare<[number]>('DELETE FROM images WHERE id = ?');
        for (const i of items) {
          if (!present.has(i.id)) gone(i);
          else remove.run(i.id);
        }
        db.prepare('DELETE FROM film_rolls WHERE NOT EXISTS (SELECT 1 FROM images WHERE film_roll_id = film_rolls.id)').run();
      }
      db.prepare<[number, number]>('UPDATE history SET undone = ? WHERE id = ?').run(direction === 'undo' ? 1 : 0, row.id);
      out.entry.undone = direction === 'undo';
      out.restoredFolders = [...new Set(out.restoredFolders)];
      return out;
    })
    .immediate();
  // Culling and rotation change what a filtered or rating-sorted view holds; cheap to rebuild once per undo.
  if (result) lib.collectionChanged();
  return result;
}

import type Database from 'better-sqlite3';
import type { Library } from './library.js';

/**
 * The library's memory of each image's sidecars (schema step 2): size and mtime of every
 * sidecar file when termtable last read or wrote it, whether a write is pending (it failed and
 * is retried), and why no sidecar can exist at all. Kept here rather than in library.ts so the
 * sidecar bookkeeping is one module.
 */

export interface SidecarStat {
  size: number;
  mtime: number;
}

function statements(db: Database.Database) {
  return {
    known: db.prepare<[number], { name: string; size: number; mtime: number }>(
      'SELECT name, size, mtime FROM sidecars WHERE image_id = ?',
    ),
    remember: db.prepare<[number, string, number, number]>(
      `INSERT INTO sidecars (image_id, name, size, mtime) VALUES (?, ?, ?, ?)
       ON CONFLICT (image_id, name) DO UPDATE SET size = excluded.size, mtime = excluded.mtime`,
    ),
    forget: db.prepare<[number, string]>('DELETE FROM sidecars WHERE image_id = ? AND name = ?'),
    setPending: db.prepare<[number, number]>('UPDATE images SET sidecar_pending = ? WHERE id = ?'),
    pending: db.prepare<[], number>('SELECT id FROM images WHERE sidecar_pending = 1 ORDER BY id').pluck(),
    state: db.prepare<[number], { sidecar_pending: number; sidecar_blocked: string | null }>(
      'SELECT sidecar_pending, sidecar_blocked FROM images WHERE id = ?',
    ),
    block: db.prepare<[string, number]>('UPDATE images SET sidecar_blocked = ?, sidecar_pending = 0 WHERE id = ?'),
    addWrite: db.prepare<[number, string, number]>(
      'INSERT INTO sidecar_writes (image_id, hash, at) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET at = excluded.at',
    ),
    pruneWrites: db.prepare<[number, number, number]>(
      `DELETE FROM sidecar_writes WHERE image_id = ? AND hash NOT IN
         (SELECT hash FROM sidecar_writes WHERE image_id = ? ORDER BY at DESC LIMIT ?)`,
    ),
    isOwnWrite: db.prepare<[number, string], number>('SELECT 1 FROM sidecar_writes WHERE image_id = ? AND hash = ?').pluck(),
    synced: db.prepare<[number], string | null>('SELECT sidecar_synced FROM images WHERE id = ?').pluck(),
    setSynced: db.prepare<[string, number]>('UPDATE images SET sidecar_synced = ?, sidecar_pending = 0 WHERE id = ?'),
    roll: db.prepare<[string], { image_id: number; name: string; size: number; mtime: number }>(
      `SELECT s.image_id, s.name, s.size, s.mtime FROM sidecars s JOIN images i ON i.id = s.image_id
         JOIN film_rolls f ON f.id = i.film_roll_id WHERE f.path = ?`,
    ),
  };
}

const cache = new WeakMap<Database.Database, ReturnType<typeof statements>>();

function stmts(lib: Library) {
  const db = lib.connection();
  let s = cache.get(db);
  if (!s) {
    s = statements(db);
    cache.set(db, s);
  }
  return s;
}

/** Sidecar file name → its size and mtime when last read or written. */
export function knownSidecars(lib: Library, id: number): Map<string, SidecarStat> {
  return new Map(stmts(lib).known.all(id).map((r) => [r.name, { size: r.size, mtime: r.mtime }]));
}

export function rememberSidecar(lib: Library, id: number, name: string, stat: SidecarStat | null): void {
  if (stat) stmts(lib).remember.run(id, name, stat.size, stat.mtime);
  else stmts(lib).forget.run(id, name);
}

export function setSidecarPending(lib: Library, id: number, pending: boolean): void {
  stmts(lib).setPending.run(pending ? 1 : 0, id);
}

/** Images whose last sidecar write failed, to retry. */
export function pendingSidecarIds(lib: Library): number[] {
  return stmts(lib).pending.all();
}

export function sidecarState(lib: Library, id: number): { pending: boolean; blocked: string | null } | undefined {
  const row = stmts(lib).state.get(id);
  return row && { pending: row.sidecar_pending === 1, blocked: row.sidecar_blocked };
}

/** Records that this image can never have a sidecar (the reason is said once, then kept). */
export function blockSidecar(lib: Library, id: number, reason: string): void {
  stmts(lib).block.run(reason, id);
}

/** The culling state the library and its sidecars last agreed on (the base of a merge). */
export interface SyncedState {
  rating: number;
  rejected: boolean;
  labels: string[];
  rotation: number;
}

export function syncedState(lib: Library, id: number): SyncedState | null {
  const raw = stmts(lib).synced.get(id);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as SyncedState;
  } catch {
    return null;
  }
}

/** Records the state now in both the library and the sidecars; clears the pending flag. */
export function setSyncedState(lib: Library, id: number, state: SyncedState): void {
  stmts(lib).setSynced.run(JSON.stringify(state), id);
}

/** Known sidecars of every image of a film roll (one query for an import's folder). */
export function knownSidecarsOfRoll(lib: Library, folder: string): Map<number, Map<string, SidecarStat>> {
  const out = new Map<number, Map<string, SidecarStat>>();
  for (const r of stmts(lib).roll.all(folder)) {
    let m = out.get(r.image_id);
    if (!m) out.set(r.image_id, (m = new Map()));
    m.set(r.name, { size: r.size, mtime: r.mtime });
  }
  return out;
}

/** Texts kept per image: enough for a few termtable processes writing one sidecar at once. */
const OWN_WRITES_KEPT = 16;

/** Records, before the rename, that termtable is about to write this text (by hash). */
export function recordOwnWrite(lib: Library, id: number, hash: string): void {
  const s = stmts(lib);
  lib.connection().transaction(() => {
    s.addWrite.run(id, hash, Date.now());
    s.pruneWrites.run(id, id, OWN_WRITES_KEPT);
  }).immediate();
}

/** Whether a sidecar text with this hash is one termtable wrote (not a change made elsewhere). */
export function isOwnWrite(lib: Library, id: number, hash: string): boolean {
  return stmts(lib).isOwnWrite.get(id, hash) !== undefined;
}

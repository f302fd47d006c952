import path from 'node:path';
import type Database from 'better-sqlite3';
import type { ExifFacts } from './exif.js';
import { labelsToMask, maskToLabels } from './labels.js';
import {
  cullingChangeMatters, cullingDependence, ITERATE_CHUNK, ORDER_BY, queryKey, toRecord, whereOf, type CullingDependence,
} from './library-queries.js';
import { prepareStatements, type LibraryStatements } from './library-statements.js';
import { openLibraryDatabase } from './open-library.js';
import type { CollectionQuery, CullingSnapshot, ImageRecord } from './types.js';

/** What import knows of a file before it writes it: everything but id and culling. */
export interface ImageFacts extends ExifFacts {
  fileSize: number;
  mtime: number;
}

/** One write of an import batch. */
export type ImportWrite =
  | { kind: 'insert'; folder: string; filename: string; facts: ImageFacts; culling?: Omit<CullingSnapshot, 'id'> }
  | { kind: 'update'; id: number; facts: ImageFacts };

/**
 * The image library: one SQLite file shared by the TUI, `generate-cache` and the commands.
 *
 * Collections are paged through darktable's trick: the ordered ids of the current query are
 * materialised once into a TEMP table `collected(pos, id)`; a page is then a range scan on
 * `pos`, so it costs O(page) however deep into 100,000 images it is. The table is rebuilt
 * when the query changes, after our own writes that can change membership or order, and
 * when another process has committed (PRAGMA data_version moves).
 */
export class Library {
  readonly file: string;
  /**
   * Opened read-only because the file cannot be written (full disk, read-only file system):
   * reads work, writes throw. readOnlyReason is SQLite's message, for a banner.
   */
  readOnly = false;
  readOnlyReason: string | null = null;
  private readonly db: Database.Database;
  private readonly stmt: LibraryStatements;
  private collectedKey: string | null = null;
  /** What the materialised collection reads of the culling fields; null when none is built. */
  private collectedDeps: CullingDependence | null = null;
  private collectedCount = 0;
  private collectedBase = 1;
  private dataVersion = -1;
  private readonly fillStatements = new Map<string, Database.Statement>();

  private constructor(file: string, db: Database.Database) {
    this.file = file;
    this.db = db;
    db.exec(`CREATE TEMP TABLE collected (pos INTEGER PRIMARY KEY, id INTEGER NOT NULL);
             CREATE INDEX temp.collected_by_id ON collected (id);`);
    this.stmt = prepareStatements(db);
  }

  /**
   * Opens (creating if need be) the library file and brings its schema up to date; read-only
   * (see readOnly) when it cannot be written. Refuses, untouched, a file that is not a
   * termtable library (src/db/open-library.ts).
   */
  static open(file: string): Library {
    const abs = path.resolve(file);
    const opened = openLibraryDatabase(abs);
    const lib = new Library(abs, opened.db);
    lib.readOnly = opened.readOnly;
    lib.readOnlyReason = opened.readOnlyReason;
    return lib;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  get(id: number): ImageRecord | undefined {
    const row = this.stmt.get.get(id);
    return row ? toRecord(row) : undefined;
  }

  /** The images with these ids, in the order given; unknown ids are left out. */
  getMany(ids: readonly number[]): ImageRecord[] {
    if (ids.length === 0) return [];
    const byId = new Map<number, ImageRecord>();
    for (const row of this.stmt.getMany.all(JSON.stringify(ids))) byId.set(row.id, toRecord(row));
    const out: ImageRecord[] = [];
    for (const id of ids) {
      const record = byId.get(id);
      if (record) out.push(record);
    }
    return out;
  }

  count(q: CollectionQuery): number {
    this.collect(q);
    return this.collectedCount;
  }

  /** Images [offset, offset + limit) of the collection, in its order. */
  page(q: CollectionQuery, offset: number, limit: number): ImageRecord[] {
    this.collect(q);
    if (limit <= 0 || offset >= this.collectedCount) return [];
    const first = this.collectedBase + Math.max(0, offset);
    return this.stmt.page.all(first, first + limit - 1).map(toRecord);
  }

  /** Position of an image in the collection, -1 if it is not in it. */
  indexOf(q: CollectionQuery, id: number): number {
    this.collect(q);
    const pos = this.stmt.indexOf.get(id);
    return pos === undefined ? -1 : pos - this.collectedBase;
  }

  /** Every image by ascending id (for batch work), read in chunks so callers may write meanwhile. */
  *iterate(opts: { minId?: number; maxId?: number } = {}): IterableIterator<ImageRecord> {
    let after = (opts.minId ?? 1) - 1;
    const max = opts.maxId ?? Number.MAX_SAFE_INTEGER;
    for (;;) {
      const rows = this.stmt.iterate.all(after, max, ITERATE_CHUNK);
      for (const row of rows) yield toRecord(row);
      if (rows.length < ITERATE_CHUNK) return;
      after = rows[rows.length - 1]!.id;
    }
  }

  /** Whether any image is in a burst stack (src/db/stacks.ts): what the grid collapses. */
  hasStacks(): boolean {
    return this.stmt.hasStacks.get() !== undefined;
  }

  filmRolls(): { id: number; path: string; imageCount: number }[] {
    return this.stmt.filmRolls.all();
  }

  /** Sets the user's rotation (clockwise quarter turns); returns the updated images. */
  setRotation(ids: readonly number[], quarterTurns: number): ImageRecord[] {
    const turns = ((Math.trunc(quarterTurns) % 4) + 4) % 4;
    this.db.transaction(() => {
      for (const id of ids) this.stmt.setRotation.run({ turns, id });
    }).immediate();
    return this.getMany(ids);
  }

  rotate(ids: readonly number[], delta: 1 | -1): ImageRecord[] {
    this.db.transaction(() => {
      for (const id of ids) this.stmt.rotate.run({ delta, id });
    }).immediate();
    return this.getMany(ids);
  }

  /** Removes images from the library (never their files); returns how many were removed. */
  remove(ids: readonly number[]): number {
    let removed = 0;
    this.db.transaction(() => {
      for (const id of ids) removed += this.stmt.remove.run(id).changes;
      this.stmt.removeEmptyRolls.run();
    }).immediate();
    this.invalidate();
    return removed;
  }

  /**
   * Points images at their files' new places after the files moved (export --move), keeping
   * their ids so culling, history and thumbnails follow. Film rolls are created as needed and
   * emptied ones dropped, in one transaction; refused whole when another image has a target path.
   */
  movePaths(moves: readonly { id: number; path: string }[]): void {
    const update = this.db.prepare<[number, string, number]>('UPDATE images SET film_roll_id = ?, filename = ? WHERE id = ?');
    try {
      this.db.transaction(() => {
        for (const m of moves) {
          const abs = path.resolve(m.path);
          update.run(this.filmRollIdIn(path.dirname(abs)), path.basename(abs), m.id);
        }
        this.stmt.removeEmptyRolls.run();
      }).immediate();
    } catch (err) {
      if (!/UNIQUE/.test((err as Error).message)) throw err;
      throw new Error(`another image of the library already has one of the paths ${moves.map((m) => m.path).join(', ')}`);
    }
    this.invalidate();
  }

  /** Records a file's new size and mtime (e.g. when the cache finds it changed). */
  updateFileFacts(id: number, facts: { fileSize: number; mtime: number }): void {
    this.stmt.updateFileFacts.run({ fileSize: facts.fileSize, mtime: Math.round(facts.mtime), id });
  }

  /** The image at this absolute path, if the library has it. */
  getByPath(file: string): ImageRecord | undefined {
    const abs = path.resolve(file);
    const row = this.stmt.getByPath.get(path.dirname(abs), path.basename(abs));
    return row ? toRecord(row) : undefined;
  }

  /** Number of images with ids in [minId, maxId] (the range iterate() walks). */
  countRange(opts: { minId?: number; maxId?: number } = {}): number {
    return this.stmt.countRange.get(opts.minId ?? 1, opts.maxId ?? Number.MAX_SAFE_INTEGER)!;
  }

  // --- for src/db/import.ts and src/db/culling.ts (not for layers above) ---

  /**
   * id, size and mtime of every image of a folder's film roll, by file name (empty when the
   * folder is no film roll yet: import creates rolls only when it writes their first image).
   */
  rollFacts(folder: string): Map<string, { id: number; fileSize: number; mtime: number }> {
    const out = new Map<string, { id: number; fileSize: number; mtime: number }>();
    const filmRollId = this.stmt.filmRollByPath.get(path.resolve(folder));
    if (filmRollId === undefined) return out;
    for (const r of this.stmt.rollFacts.all(filmRollId)) {
      out.set(r.filename, { id: r.id, fileSize: r.file_size, mtime: r.mtime });
    }
    return out;
  }

  /**
   * Writes one import batch in a single transaction. Returns the id of each write in order
   * (undefined for an insert that lost a race to another process importing the same file).
   */
  writeImportBatch(writes: readonly ImportWrite[], importedAt: string): (number | undefined)[] {
    const ids = this.db
      .transaction(() =>
        writes.map((w) => {
          const facts = { ...w.facts, mtime: Math.round(w.facts.mtime), takenSubsec: w.facts.takenSubsec ?? null };
          if (w.kind === 'update') {
            this.stmt.updateImage.run({ ...facts, id: w.id });
            return w.id;
          }
          const row = this.stmt.insertImage.get({
            ...facts,
            filmRollId: this.filmRollIdIn(w.folder),
            filename: w.filename,
            rating: w.culling?.rating ?? 0,
            rejected: w.culling?.rejected ? 1 : 0,
            labels: labelsToMask(w.culling?.labels ?? []),
            importedAt,
          }) as { id: number } | undefined;
          return row?.id;
        }),
      )
      .immediate();
    this.invalidate();
    return ids;
  }

  /**
   * Reads and rewrites the culling state of each image in one IMMEDIATE transaction (so a
   * toggle in one process never loses a concurrent change from another). `next` returns the
   * new state; returns the states before, for undo, of the images that exist.
   */
  updateCulling(
    ids: readonly number[],
    next: (before: CullingSnapshot) => Omit<CullingSnapshot, 'id'>,
  ): { before: CullingSnapshot[]; changedIds: number[] } {
    const before: CullingSnapshot[] = [];
    const changedIds: number[] = [];
    let matters = false;
    this.db.transaction(() => {
      for (const id of new Set(ids)) {
        const row = this.stmt.cullingOf.get(id);
        if (!row) continue;
        const old: CullingSnapshot = { id, rating: row.rating, rejected: row.rejected === 1, labels: maskToLabels(row.labels) };
        const now = next(old);
        const mask = labelsToMask(now.labels);
        // An image whose sidecar write is owed counts as changed, so setting the same value
        // again writes the sidecar instead of saying "changed 0" (issue 10).
        const same = now.rating === old.rating && now.rejected === old.rejected && mask === row.labels;
        if (same && row.sidecar_pending !== 1) continue;
        this.stmt.setCulling.run(now.rating, now.rejected ? 1 : 0, mask, id);
        if (this.collectedDeps && !matters) {
          matters = cullingChangeMatters(this.collectedDeps, {
            rating: now.rating !== old.rating,
            rejected: now.rejected !== old.rejected,
            labels: mask !== row.labels,
            stacked: row.stack_id !== null,
          });
        }
        before.push(old);
        changedIds.push(id);
      }
    }).immediate();
    // Keep the collection unless this write can change what it holds or its order: a rebuild
    // of a 100,000-image collection costs tens of milliseconds (175 ms collapsed), a key 0.5 ms.
    // A collapsed view rebuilds only for a reject of a stacked frame (its pick may move).
    if (matters) this.invalidate();
    return { before, changedIds };
  }

  /** The connection, for src/db modules that keep tables of their own (history.ts, groups.ts). */
  connection(): Database.Database {
    return this.db;
  }

  /**
   * After analyses were written through connection() (library-analysis.ts): the collection is
   * rebuilt only when it filters or sorts on the score, or when a scored image is in a stack
   * whose pick it may change (collapseStacks); the lighttable's background scoring writes a
   * few scores at a time, and a rebuild of 100,000 images for each batch would cost ~100 ms.
   */
  analysesChanged(anyStacked: boolean): void {
    const deps = this.collectedDeps;
    if (deps && (deps.sharpness || (deps.stackedRejects && anyStacked))) this.invalidate();
  }

  /** After a write through connection() that changes which images a collection holds. */
  collectionChanged(): void {
    this.invalidate();
  }

  /** Film roll id of a folder, created if new; only inside a write transaction. */
  private filmRollIdIn(folder: string): number {
    const abs = path.resolve(folder);
    return this.stmt.filmRollByPath.get(abs) ?? this.stmt.insertFilmRoll.get(abs)!;
  }

  /** Drops the materialised collection: the next query rebuilds it. */
  private invalidate(): void {
    this.collectedKey = null;
    this.collectedDeps = null;
  }

  private collect(q: CollectionQuery): void {
    const version = this.stmt.dataVersion.get()!;
    if (version !== this.dataVersion) {
      // Another connection committed since we last looked: membership or order may differ.
      this.dataVersion = version;
      this.collectedKey = null;
    }
    const key = queryKey(q);
    if (key === this.collectedKey) return;
    const { sql, params } = whereOf(q);
    const order = ORDER_BY[q.sort ?? 'taken'];
    const fill = `INSERT INTO temp.collected (id) SELECT i.id FROM images i ${sql} ORDER BY ${order}`;
    let stmt = this.fillStatements.get(fill);
    if (!stmt) {
      stmt = this.db.prepare(fill);
      this.fillStatements.set(fill, stmt);
    }
    const fillStmt = stmt;
    // One read transaction: the snapshot we number is the snapshot data_version describes.
    this.db.transaction(() => {
      this.stmt.clearCollected.run();
      const info = fillStmt.run(...params);
      this.collectedCount = info.changes;
      // rowids are handed out in SELECT order, so pos runs base .. base + count - 1.
      this.collectedBase = info.changes ? Number(info.lastInsertRowid) - info.changes + 1 : 1;
      this.dataVersion = this.stmt.dataVersion.get()!;
    })();
    this.collectedKey = key;
    this.collectedDeps = cullingDependence(q);
  }
}

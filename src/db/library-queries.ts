import path from 'node:path';
import { BLURRED_BELOW } from '../analysis/sharpness.js';
import { labelsToMask, maskToLabels } from './labels.js';
import type { CollectionQuery, ImageRecord, SortKey } from './types.js';
import { belowPrefix } from '../util/folders.js';

/*
 * The SQL side of Library's reads: the row it selects, how a row becomes an ImageRecord, and
 * how a CollectionQuery becomes a WHERE clause and an order (split from library.ts).
 */

/** Row of `images` joined with its film roll path. */
export interface ImageRow {
  id: number;
  film_roll_id: number;
  roll_path: string;
  filename: string;
  file_size: number;
  mtime: number;
  width: number | null;
  height: number | null;
  orientation: number;
  rotation: number;
  maker: string | null;
  model: string | null;
  lens: string | null;
  exposure_time: number | null;
  f_number: number | null;
  iso: number | null;
  focal_length: number | null;
  taken_at: string | null;
  rating: number;
  rejected: number;
  labels: number;
  imported_at: string;
  sidecar_pending: number;
  sharpness: number | null;
  sharpness_global: number | null;
  sharpest_x: number | null;
  sharpest_y: number | null;
  dhash: string | null;
  taken_subsec: number | null;
  af_x: number | null;
  af_y: number | null;
  stack_id: number | null;
  /** Derived by SELECT_IMAGE (STACK_COLUMNS). */
  stack_size: number;
  stack_pick: number;
}

/** Orders are total (id breaks ties) so a page boundary never shows an image twice. */
export const ORDER_BY: Record<SortKey, string> = {
  taken: 'i.taken_at, i.id',
  name: 'i.filename, i.id',
  // Best first; rejected images go last.
  rating: 'i.rejected, i.rating DESC, i.id',
  imported: 'i.imported_at, i.id',
  // Sharpest first; not yet scored last.
  sharpness: 'i.sharpness IS NULL, i.sharpness DESC, i.id',
};

/**
 * A stack's suggested pick for the image `i`: its sharpest frame not rejected (once the
 * others are rejected, the one kept), the sharpest when all are; the first frame breaks ties.
 * Served by the index images_by_stack.
 */
export const STACK_PICK_OF_I = `(SELECT m.id FROM images m WHERE m.stack_id = i.stack_id
    ORDER BY m.rejected, m.sharpness IS NULL, m.sharpness DESC, m.id LIMIT 1)`;

/** Size and pick of each row's stack, derived at read time so a removal never leaves them stale. */
export const STACK_COLUMNS = `
  CASE WHEN i.stack_id IS NULL THEN 1 ELSE (SELECT count(*) FROM images m WHERE m.stack_id = i.stack_id) END AS stack_size,
  CASE WHEN i.stack_id IS NULL THEN i.id ELSE ${STACK_PICK_OF_I} END AS stack_pick`;

export const SELECT_IMAGE = `SELECT i.*, f.path AS roll_path, ${STACK_COLUMNS} FROM images i JOIN film_rolls f ON f.id = i.film_roll_id`;

/** Rows per chunk of iterate(): a statement is never left open across the caller's own writes. */
export const ITERATE_CHUNK = 256;

export function toRecord(row: ImageRow): ImageRecord {
  return {
    id: row.id,
    path: path.join(row.roll_path, row.filename),
    filmRoll: row.roll_path,
    filmRollId: row.film_roll_id,
    filename: row.filename,
    fileSize: row.file_size,
    mtime: row.mtime,
    width: row.width,
    height: row.height,
    orientation: row.orientation,
    rotation: row.rotation,
    maker: row.maker,
    model: row.model,
    lens: row.lens,
    exposureTime: row.exposure_time,
    fNumber: row.f_number,
    iso: row.iso,
    focalLength: row.focal_length,
    takenAt: row.taken_at,
    rating: row.rating,
    rejected: row.rejected === 1,
    labels: maskToLabels(row.labels),
    importedAt: row.imported_at,
    sidecarPending: row.sidecar_pending === 1,
    sharpness: row.sharpness,
    sharpestAt: row.sharpest_x === null || row.sharpest_y === null ? null : { x: row.sharpest_x, y: row.sharpest_y },
    focusPoint: row.af_x === null || row.af_y === null ? null : { x: row.af_x, y: row.af_y },
    dhash: row.dhash,
    stackId: row.stack_id ?? row.id,
    stackSize: row.stack_size,
    stackPick: row.stack_pick,
  };
}

/** WHERE clause and its parameters for a query's filters. */
export function whereOf(q: CollectionQuery): { sql: string; params: (string | number)[] } {
  const terms: string[] = [];
  const params: (string | number)[] = [];
  if (q.filmRoll !== undefined) {
    terms.push('i.film_roll_id = (SELECT id FROM film_rolls WHERE path = ?)');
    params.push(path.resolve(q.filmRoll));
  }
  if (q.folders !== undefined) {
    // substr and length count characters on both sides (a JS length counts UTF-16 units); an
    // empty list matches nothing, as "no folder" should.
    const roots = q.folders.map(folderPrefix);
    const any = roots.map(() => '(path = ? OR substr(path, 1, length(?)) = ?)').join(' OR ') || '0';
    terms.push(`i.film_roll_id IN (SELECT id FROM film_rolls WHERE ${any})`);
    for (const r of roots) params.push(r.folder, r.prefix, r.prefix);
  }
  if (q.minRating !== undefined) {
    terms.push('i.rating >= ? AND i.rejected = 0');
    params.push(q.minRating);
  }
  if (q.rejected === 'only') terms.push('i.rejected = 1');
  if (q.rejected === 'exclude') terms.push('i.rejected = 0');
  if (q.label !== undefined) {
    terms.push('(i.labels & ?) != 0');
    params.push(labelsToMask([q.label]));
  }
  if (q.groupPairs !== false) {
    // A RAW+JPEG pair is one item: only its leader (src/db/groups.ts) is collected.
    terms.push('NOT EXISTS (SELECT 1 FROM image_groups g WHERE g.image_id = i.id AND g.leader_id <> i.id)');
  }
  if (q.minSharpness !== undefined) {
    terms.push('i.sharpness >= ?');
    params.push(q.minSharpness);
  }
  if (q.blurred === true) {
    terms.push('i.sharpness < ?');
    params.push(BLURRED_BELOW);
  }
  if (q.blurred === false) {
    terms.push('(i.sharpness IS NULL OR i.sharpness >= ?)');
    params.push(BLURRED_BELOW);
  }
  if (q.collapseStacks === true) terms.push(`(i.stack_id IS NULL OR i.id = ${STACK_PICK_OF_I})`);
  if (q.text !== undefined && q.text !== '') {
    terms.push("i.filename LIKE ? ESCAPE '\\'");
    params.push(`%${q.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  }
  return { sql: terms.length ? `WHERE ${terms.join(' AND ')}` : '', params };
}

/** Which culling fields a collection's membership or order reads (see cullingChangeMatters). */
export interface CullingDependence {
  rating: boolean;
  rejected: boolean;
  labels: boolean;
  /** Collapsed stacks: a stacked frame's reject flag or score can change which frame stands for its stack. */
  stackedRejects: boolean;
  /** A filter or sort on the focus score: any new score can change it. */
  sharpness: boolean;
}

export function cullingDependence(q: CollectionQuery): CullingDependence {
  const byRating = q.sort === 'rating' || q.minRating !== undefined;
  return {
    rating: byRating,
    rejected: byRating || q.rejected !== undefined,
    labels: q.label !== undefined,
    stackedRejects: q.collapseStacks === true,
    sharpness: q.sort === 'sharpness' || q.minSharpness !== undefined || q.blurred !== undefined,
  };
}

/** One image's culling write, as updateCulling sees it. */
export interface CullingDelta {
  rating: boolean;
  rejected: boolean;
  labels: boolean;
  stacked: boolean;
}

/**
 * Whether a culling write can change a collection that depends on `dep`. A rating never moves
 * a collapsed stack's pick (the pick is the sharpest frame not rejected), so under
 * collapseStacks only a reject of a stacked frame does.
 */
export function cullingChangeMatters(dep: CullingDependence, d: CullingDelta): boolean {
  return (
    (dep.rating && d.rating) ||
    (dep.rejected && d.rejected) ||
    (dep.labels && d.labels) ||
    (dep.stackedRejects && d.rejected && d.stacked)
  );
}

/** A folder as stored (absolute, no trailing separator but the root's) and the prefix of the folders below it. */
function folderPrefix(folder: string): { folder: string; prefix: string } {
  const abs = path.resolve(folder);
  return { folder: abs, prefix: belowPrefix(abs) };
}

export function queryKey(q: CollectionQuery): string {
  return JSON.stringify([
    q.filmRoll === undefined ? null : path.resolve(q.filmRoll),
    q.folders === undefined ? null : q.folders.map((f) => path.resolve(f)),
    q.minRating ?? null,
    q.rejected ?? null,
    q.label ?? null,
    q.text ?? null,
    q.sort ?? 'taken',
    q.groupPairs !== false,
    q.minSharpness ?? null,
    q.blurred ?? null,
    q.collapseStacks === true,
  ]);
}

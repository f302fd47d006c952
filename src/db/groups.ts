import path from 'node:path';
import { extensionOf, RAW_EXTENSIONS } from './extensions.js';
import type { Library } from './library.js';

/**
 * RAW+JPEG pairs, as darktable groups them and Photo Mechanic shows them: the files of one
 * folder that share a base name (any case: DSC_0001.NEF + dsc_0001.jpg) are one item whose
 * leader is the JPEG, the camera's own rendering. Stored in `image_groups` (schema step 4),
 * recomputed for each folder on import and when undo puts a removed image back.
 */

const JPEG_EXTENSIONS: ReadonlySet<string> = new Set(['jpg', 'jpeg']);

export interface ImageGroup {
  /** The leader's id (the JPEG): the item's id in a collection that groups pairs. */
  group: number;
  /** Every member's id, the leader first, then the raw files by name. */
  members: number[];
}

/** Base name without its last extension, lower-cased: the key two files of a pair share. */
function pairKey(filename: string): string {
  const dot = filename.lastIndexOf('.');
  return (dot <= 0 ? filename : filename.slice(0, dot)).toLowerCase();
}

/**
 * The groups of one folder's files: for every base name with at least one JPEG and one raw
 * file, the first JPEG by name leads and the raws follow. Other files sharing the base name
 * (a TIFF export, a second JPEG) stay items of their own: they are not the camera's pair.
 */
export function pairsOf(files: readonly { id: number; filename: string }[]): ImageGroup[] {
  const byKey = new Map<string, { id: number; filename: string }[]>();
  for (const f of files) {
    const key = pairKey(f.filename);
    const list = byKey.get(key);
    if (list) list.push(f);
    else byKey.set(key, [f]);
  }
  const groups: ImageGroup[] = [];
  for (const list of byKey.values()) {
    if (list.length < 2) continue;
    const byName = [...list].sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : a.id - b.id));
    const leader = byName.find((f) => JPEG_EXTENSIONS.has(extensionOf(f.filename)));
    const raws = byName.filter((f) => RAW_EXTENSIONS.has(extensionOf(f.filename)));
    if (leader && raws.length) groups.push({ group: leader.id, members: [leader.id, ...raws.map((r) => r.id)] });
  }
  return groups.sort((a, b) => a.group - b.group);
}

/**
 * Recomputes the groups of these folders' film rolls from the file names the library holds,
 * each folder in one transaction, writing only when something changed (an unchanged re-import
 * then does not make every open view rebuild its collection). Returns how many folders changed.
 */
export function regroupFolders(lib: Library, folders: Iterable<string>): number {
  const db = lib.connection();
  const current = db.prepare<[number], { image_id: number; leader_id: number }>(
    `SELECT g.image_id, g.leader_id FROM image_groups g JOIN images i ON i.id = g.image_id WHERE i.film_roll_id = ?`,
  );
  const rollId = db.prepare<[string], number>('SELECT id FROM film_rolls WHERE path = ?').pluck();
  const files = db.prepare<[number], { id: number; filename: string }>('SELECT id, filename FROM images WHERE film_roll_id = ?');
  const drop = db.prepare<[number]>(
    'DELETE FROM image_groups WHERE image_id IN (SELECT id FROM images WHERE film_roll_id = ?)',
  );
  const insert = db.prepare<[number, number]>('INSERT OR REPLACE INTO image_groups (image_id, leader_id) VALUES (?, ?)');
  let changed = 0;
  for (const folder of new Set([...folders].map((f) => path.resolve(f)))) {
    const wrote = db
      .transaction(() => {
        const id = rollId.get(folder);
        if (id === undefined) return false;
        const want = new Map<number, number>();
        for (const g of pairsOf(files.all(id))) for (const m of g.members) want.set(m, g.group);
        const have = current.all(id);
        if (have.length === want.size && have.every((r) => want.get(r.image_id) === r.leader_id)) return false;
        drop.run(id);
        for (const [member, leader] of want) insert.run(member, leader);
        return true;
      })
      .immediate();
    if (wrote) changed += 1;
  }
  if (changed) lib.collectionChanged();
  return changed;
}

/**
 * The group of each of these images (unknown ids are left out); an image in no pair is a
 * group of its own, `{ group: id, members: [id] }`, as darktable's group_id = id.
 */
export function groupsOf(lib: Library, ids: readonly number[]): Map<number, ImageGroup> {
  const out = new Map<number, ImageGroup>();
  if (ids.length === 0) return out;
  const rows = lib
    .connection()
    .prepare<[string], { id: number; leader: number | null; member: number | null; filename: string | null }>(
      `SELECT i.id, g.leader_id AS leader, m.image_id AS member, mi.filename
         FROM images i
         LEFT JOIN image_groups g ON g.image_id = i.id
         LEFT JOIN image_groups m ON m.leader_id = g.leader_id
         LEFT JOIN images mi ON mi.id = m.image_id
        WHERE i.id IN (SELECT value FROM json_each(?))
        ORDER BY i.id, m.image_id = g.leader_id DESC, mi.filename, m.image_id`,
    )
    .all(JSON.stringify(ids));
  for (const r of rows) {
    const group = out.get(r.id) ?? { group: r.leader ?? r.id, members: [] };
    group.members.push(r.member ?? r.id);
    out.set(r.id, group);
  }
  return out;
}

/** The ids with every other member of their groups added (a decision on a pair is on both files). */
export function withPairs(lib: Library, ids: readonly number[]): number[] {
  const out = new Set(ids);
  for (const g of groupsOf(lib, ids).values()) for (const m of g.members) out.add(m);
  return [...out];
}

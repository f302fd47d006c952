import { hammingDistance } from '../analysis/dhash.js';
import { DEFAULT_BURST_GAP_SECONDS, DEFAULT_BURST_SIMILARITY } from '../config/preferences.js';
import type { Library } from './library.js';
import type { ImageRecord } from './types.js';

/*
 * Bursts as stacks (issue 13). Within one film roll, items (a RAW+JPEG pair counts once, by
 * its leader) are ordered by capture time; two consecutive ones belong to the same stack when
 * they were taken at most `gapSeconds` apart (sub-second times where EXIF has them) and
 * their dHashes differ in at most `maxDistance` bits. Chained frame to frame, as a burst pans.
 * A stack is stored as `images.stack_id` = the id of its first frame on every member (schema
 * step 5); an image without a capture time or a hash is in no stack.
 */

export interface StackOptions {
  /** Preference `burstGapSeconds`. */
  gapSeconds?: number;
  /** Preference `burstSimilarity`: largest Hamming distance of two frames' dHashes. */
  maxDistance?: number;
}

interface StackItem {
  id: number;
  filename: string;
  taken_at: string | null;
  taken_subsec: number | null;
  dhash: string | null;
  stack_id: number | null;
}

/**
 * Milliseconds of an ISO capture time (the library's takenAt), read as wall-clock UTC and
 * moved by its zone when it has one, plus the sub-second fraction; null when not a date.
 */
export function captureMillis(takenAt: string | null, subsec: number | null): number | null {
  if (takenAt === null) return null;
  const m = takenAt.match(/^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([+-])?(\d{2})?:?(\d{2})?$/);
  if (!m) return null;
  let ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  if (m[8]) ms -= (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10] ?? 0)) * 60_000;
  const fraction = subsec ?? (m[7] ? Number(`0.${m[7]}`) : 0);
  return ms + Math.round(fraction * 1000);
}

/** The stacks of one roll's items: stack id of each item in a stack of two or more. */
export function stacksOf(items: readonly StackItem[], opts: StackOptions = {}): Map<number, number> {
  const gapMs = (opts.gapSeconds ?? DEFAULT_BURST_GAP_SECONDS) * 1000;
  const maxDistance = opts.maxDistance ?? DEFAULT_BURST_SIMILARITY;
  const timed = items
    .map((it) => ({ it, ms: captureMillis(it.taken_at, it.taken_subsec) }))
    .filter((t): t is { it: StackItem; ms: number } => t.ms !== null && t.it.dhash !== null)
    .sort((a, b) => a.ms - b.ms || (a.it.filename < b.it.filename ? -1 : a.it.filename > b.it.filename ? 1 : a.it.id - b.it.id));
  const out = new Map<number, number>();
  let run: StackItem[] = [];
  const close = () => {
    if (run.length >= 2) {
      const first = Math.min(...run.map((r) => r.id));
      for (const r of run) out.set(r.id, first);
    }
    run = [];
  };
  for (let i = 0; i < timed.length; i++) {
    const cur = timed[i]!;
    const prev = timed[i - 1];
    const joins = prev !== undefined && cur.ms - prev.ms <= gapMs && hammingDistance(prev.it.dhash!, cur.it.dhash!) <= maxDistance;
    if (!joins) close();
    run.push(cur.it);
  }
  close();
  return out;
}

/**
 * Recomputes the stacks of these film rolls (ids; all when omitted), each in one transaction,
 * writing only rows whose stack changed. Call after import and after generate-cache has
 * measured hashes. Returns how many images changed stack.
 */
export function restackFilmRolls(lib: Library, rollIds?: Iterable<number>, opts: StackOptions = {}): number {
  const db = lib.connection();
  const rolls = rollIds ? [...new Set(rollIds)] : db.prepare<[], number>('SELECT id FROM film_rolls').pluck().all();
  const items = db.prepare<[number], StackItem>(
    `SELECT i.id, i.filename, i.taken_at, i.taken_subsec, i.dhash, i.stack_id FROM images i
      WHERE i.film_roll_id = ?
        AND NOT EXISTS (SELECT 1 FROM image_groups g WHERE g.image_id = i.id AND g.leader_id <> i.id)`,
  );
  // A pair's other files are not items: they never carry a stack of their own.
  const clearFollowers = db.prepare<[number]>(
    `UPDATE images SET stack_id = NULL WHERE film_roll_id = ? AND stack_id IS NOT NULL
        AND EXISTS (SELECT 1 FROM image_groups g WHERE g.image_id = images.id AND g.leader_id <> images.id)`,
  );
  const set = db.prepare<[number | null, number]>('UPDATE images SET stack_id = ? WHERE id = ?');
  let changed = 0;
  for (const roll of rolls) {
    changed += db
      .transaction(() => {
        let n = clearFollowers.run(roll).changes;
        const all = items.all(roll);
        const want = stacksOf(all, opts);
        for (const it of all) {
          const stack = want.get(it.id) ?? null;
          if (stack !== it.stack_id) n += set.run(stack, it.id).changes;
        }
        return n;
      })
      .immediate();
  }
  if (changed) lib.collectionChanged();
  return changed;
}

/** Film roll ids of these images (to restack only what a batch touched). */
export function rollsOf(lib: Library, ids: readonly number[]): number[] {
  if (ids.length === 0) return [];
  return lib
    .connection()
    .prepare<[string], number>('SELECT DISTINCT film_roll_id FROM images WHERE id IN (SELECT value FROM json_each(?))')
    .pluck()
    .all(JSON.stringify(ids));
}

/** The members of a stack (by stack id, or any member's id), in capture order; one image for an image in no stack. */
export function stackMembers(lib: Library, id: number): ImageRecord[] {
  const image = lib.get(id);
  if (!image) return [];
  if ((image.stackSize ?? 1) < 2) return [image];
  const ids = lib
    .connection()
    .prepare<[number], { id: number; taken_at: string | null; taken_subsec: number | null; filename: string }>(
      'SELECT id, taken_at, taken_subsec, filename FROM images WHERE stack_id = ?',
    )
    .all(image.stackId!)
    .map((r) => ({ id: r.id, ms: captureMillis(r.taken_at, r.taken_subsec) ?? 0, name: r.filename }))
    .sort((a, b) => a.ms - b.ms || (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id))
    .map((r) => r.id);
  return lib.getMany(ids);
}

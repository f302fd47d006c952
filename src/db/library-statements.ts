import type Database from 'better-sqlite3';
import { SELECT_IMAGE, STACK_COLUMNS, type ImageRow } from './library-queries.js';

/**
 * A file that changed has new pixels: what was measured of the old ones goes (the next
 * thumbnail job or generate-cache measures again). The right-hand sides see the old row.
 */
const CLEAR_ANALYSIS_IF_CHANGED = ['sharpness', 'sharpness_global', 'sharpest_x', 'sharpest_y', 'dhash', 'af_x', 'af_y']
  .map((c) => `${c} = CASE WHEN file_size = @fileSize AND mtime = @mtime THEN ${c} ELSE NULL END`)
  .join(', ');

/**
 * The sharpest tile and the AF point are fractions of the upright picture, the user's
 * rotation included: a rotation by k clockwise quarter turns moves them with it,
 * (x, y) → (1 - y, x) per turn. The right-hand sides see the old row.
 */
function turnPoints(k: string): string {
  const turn = (x: string, y: string) =>
    `${x} = CASE ${k} WHEN 1 THEN 1 - ${y} WHEN 2 THEN 1 - ${x} WHEN 3 THEN ${y} ELSE ${x} END, ` +
    `${y} = CASE ${k} WHEN 1 THEN ${x} WHEN 2 THEN 1 - ${y} WHEN 3 THEN 1 - ${x} ELSE ${y} END`;
  return `${turn('sharpest_x', 'sharpest_y')}, ${turn('af_x', 'af_y')}`;
}

/** Sets an image's rotation (clockwise quarter turns 0-3), turning its points with it. */
export function setRotationStatement(db: Database.Database) {
  return db.prepare<{ turns: number; id: number }>(
    `UPDATE images SET rotation = @turns, ${turnPoints('((@turns - rotation) % 4 + 4) % 4')} WHERE id = @id`,
  );
}

/** Library's prepared statements, made once per connection (split from library.ts). */
export function prepareStatements(db: Database.Database) {
  return {
    get: db.prepare<[number], ImageRow>(`${SELECT_IMAGE} WHERE i.id = ?`),
    getByPath: db.prepare<[string, string], ImageRow>(`${SELECT_IMAGE} WHERE f.path = ? AND i.filename = ?`),
    countRange: db.prepare<[number, number], number>('SELECT count(*) FROM images WHERE id BETWEEN ? AND ?').pluck(),
    getMany: db.prepare<[string], ImageRow>(`${SELECT_IMAGE} WHERE i.id IN (SELECT value FROM json_each(?))`),
    page: db.prepare<[number, number], ImageRow>(
      `SELECT i.*, f.path AS roll_path, ${STACK_COLUMNS} FROM temp.collected c
         JOIN images i ON i.id = c.id JOIN film_rolls f ON f.id = i.film_roll_id
        WHERE c.pos BETWEEN ? AND ? ORDER BY c.pos`,
    ),
    indexOf: db.prepare<[number], number>('SELECT pos FROM temp.collected WHERE id = ?').pluck(),
    clearCollected: db.prepare('DELETE FROM temp.collected'),
    // Served by the index images_by_stack: one probe, however large the library.
    hasStacks: db.prepare<[], number>('SELECT 1 FROM images WHERE stack_id IS NOT NULL LIMIT 1').pluck(),
    dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
    iterate: db.prepare<[number, number, number], ImageRow>(
      `${SELECT_IMAGE} WHERE i.id > ? AND i.id <= ? ORDER BY i.id LIMIT ?`,
    ),
    filmRolls: db.prepare<[], { id: number; path: string; imageCount: number }>(
      `SELECT f.id, f.path, count(i.id) AS imageCount FROM film_rolls f
         LEFT JOIN images i ON i.film_roll_id = f.id GROUP BY f.id ORDER BY f.path`,
    ),
    filmRollByPath: db.prepare<[string], number>('SELECT id FROM film_rolls WHERE path = ?').pluck(),
    insertFilmRoll: db.prepare<[string], number>(
      'INSERT INTO film_rolls (path) VALUES (?) ON CONFLICT (path) DO UPDATE SET path = excluded.path RETURNING id',
    ).pluck(),
    rollFacts: db.prepare<[number], { id: number; filename: string; file_size: number; mtime: number }>(
      'SELECT id, filename, file_size, mtime FROM images WHERE film_roll_id = ?',
    ),
    insertImage: db.prepare(
      `INSERT INTO images (film_roll_id, filename, file_size, mtime, width, height, orientation, maker, model,
                           lens, exposure_time, f_number, iso, focal_length, taken_at, taken_subsec, rating, rejected, labels,
                           imported_at)
       VALUES (@filmRollId, @filename, @fileSize, @mtime, @width, @height, @orientation, @maker, @model,
               @lens, @exposureTime, @fNumber, @iso, @focalLength, @takenAt, @takenSubsec, @rating, @rejected, @labels,
               @importedAt)
       ON CONFLICT (film_roll_id, filename) DO NOTHING
       RETURNING id`,
    ),
    updateImage: db.prepare(
      `UPDATE images SET file_size = @fileSize, mtime = @mtime, width = @width, height = @height,
              orientation = @orientation, maker = @maker, model = @model, lens = @lens,
              exposure_time = @exposureTime, f_number = @fNumber, iso = @iso, focal_length = @focalLength,
              taken_at = @takenAt, ${CLEAR_ANALYSIS_IF_CHANGED}, taken_subsec = @takenSubsec
        WHERE id = @id`,
    ),
    updateFileFacts: db.prepare<{ fileSize: number; mtime: number; id: number }>(
      `UPDATE images SET file_size = @fileSize, mtime = @mtime, ${CLEAR_ANALYSIS_IF_CHANGED} WHERE id = @id`,
    ),
    cullingOf: db.prepare<[number], { rating: number; rejected: number; labels: number; sidecar_pending: number; stack_id: number | null }>(
      'SELECT rating, rejected, labels, sidecar_pending, stack_id FROM images WHERE id = ?',
    ),
    setCulling: db.prepare<[number, number, number, number]>(
      'UPDATE images SET rating = ?, rejected = ?, labels = ? WHERE id = ?',
    ),
    setRotation: setRotationStatement(db),
    rotate: db.prepare<{ delta: number; id: number }>(
      `UPDATE images SET rotation = (rotation + 4 + @delta) % 4, ${turnPoints('(4 + @delta) % 4')} WHERE id = @id`,
    ),
    remove: db.prepare<[number]>('DELETE FROM images WHERE id = ?'),
    removeEmptyRolls: db.prepare(
      'DELETE FROM film_rolls WHERE NOT EXISTS (SELECT 1 FROM images WHERE film_roll_id = film_rolls.id)',
    ),
  };
}

export type LibraryStatements = ReturnType<typeof prepareStatements>;

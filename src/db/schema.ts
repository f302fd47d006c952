import type Database from 'better-sqlite3';
import { RAW_EXTENSIONS } from './extensions.js';

/**
 * Forward-only schema migrations, keyed by PRAGMA user_version (darktable's
 * _upgrade_library_schema_step): step N takes a version N-1 library to version N. A library
 * written by a newer termtable (user_version above the last step) is refused, not guessed at.
 */
const inList = (exts: Iterable<string>) => [...exts].map((e) => `'${e}'`).join(', ');

/**
 * The pairs of a library upgraded to step 4, so they show without a re-import: the same rule
 * as groups.ts pairsOf, in SQL. `rtrim(name, replace(name, '.', ''))` is the name up to its
 * last dot (every character after it is in the trimmed set, the dot is not). lower() folds
 * ASCII only; the next import of a folder regroups it with JavaScript's case folding.
 */
const PAIRS_OF_EXISTING_IMAGES = `
  INSERT INTO image_groups (image_id, leader_id)
  WITH f AS (
    SELECT id, film_roll_id AS roll, filename,
           lower(rtrim(filename, replace(filename, '.', ''))) AS stem,
           lower(substr(filename, length(rtrim(filename, replace(filename, '.', ''))) + 1)) AS ext
      FROM images WHERE instr(filename, '.') > 1
  ),
  pairs AS (
    SELECT roll, stem,
           (SELECT j.id FROM f j WHERE j.roll = f.roll AND j.stem = f.stem AND j.ext IN ('jpg', 'jpeg')
             ORDER BY j.filename, j.id LIMIT 1) AS leader
      FROM f GROUP BY roll, stem
     HAVING sum(ext IN ('jpg', 'jpeg')) > 0 AND sum(ext IN (${inList(RAW_EXTENSIONS)})) > 0
  )
  SELECT f.id, p.leader FROM f JOIN pairs p ON p.roll = f.roll AND p.stem = f.stem
   WHERE f.id = p.leader OR f.ext IN (${inList(RAW_EXTENSIONS)});
`;

/** Step 5's columns of `images`. */
const ANALYSIS_COLUMNS: readonly [string, string][] = [
  ['sharpness', 'REAL'],
  ['sharpness_global', 'REAL'],
  ['sharpest_x', 'REAL'],
  ['sharpest_y', 'REAL'],
  ['dhash', 'TEXT'],
  ['taken_subsec', 'REAL'],
  ['af_x', 'REAL'],
  ['af_y', 'REAL'],
  ['stack_id', 'INTEGER'],
];

/** A step is SQL, or a function for a step that must look before it changes anything. */
const STEPS: readonly (string | ((db: Database.Database) => void))[] = [
  // 1: film rolls, images, culling data, one index per sort key (id breaks ties so every
  // order is total and paging is stable).
  `
  CREATE TABLE film_rolls (
    id   INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE
  );
  CREATE TABLE images (
    id            INTEGER PRIMARY KEY,
    film_roll_id  INTEGER NOT NULL REFERENCES film_rolls(id) ON DELETE CASCADE,
    filename      TEXT NOT NULL,
    file_size     INTEGER NOT NULL,
    mtime         INTEGER NOT NULL,
    width         INTEGER,
    height        INTEGER,
    orientation   INTEGER NOT NULL DEFAULT 1,
    rotation      INTEGER NOT NULL DEFAULT 0,
    maker         TEXT,
    model         TEXT,
    lens          TEXT,
    exposure_time REAL,
    f_number      REAL,
    iso           REAL,
    focal_length  REAL,
    taken_at      TEXT,
    rating        INTEGER NOT NULL DEFAULT 0 CHECK (rating BETWEEN 0 AND 5),
    rejected      INTEGER NOT NULL DEFAULT 0 CHECK (rejected IN (0, 1)),
    labels        INTEGER NOT NULL DEFAULT 0,
    imported_at   TEXT NOT NULL,
    UNIQUE (film_roll_id, filename)
  );
  CREATE INDEX images_by_taken    ON images (taken_at, id);
  CREATE INDEX images_by_name     ON images (filename, id);
  CREATE INDEX images_by_rating   ON images (rejected, rating DESC, id);
  CREATE INDEX images_by_imported ON images (imported_at, id);
  CREATE INDEX images_roll_taken    ON images (film_roll_id, taken_at, id);
  CREATE INDEX images_roll_name     ON images (film_roll_id, filename, id);
  CREATE INDEX images_roll_rating   ON images (film_roll_id, rejected, rating DESC, id);
  CREATE INDEX images_roll_imported ON images (film_roll_id, imported_at, id);
  `,
  // 2: sidecar tracking: each sidecar file's size and mtime when termtable last read or wrote
  // it (a change made by another tool shows as a difference), a pending flag for a write that
  // failed (retried later), why no sidecar can be written at all (a name too long), and the
  // culling state (JSON) the library and the sidecars last agreed on: the base of a 3-way merge;
  // hashes of the texts termtable itself wrote lately (a sidecar holding one is not a change
  // made elsewhere, even when another termtable process wrote it a moment ago).
  `
  CREATE TABLE sidecars (
    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    name     TEXT NOT NULL,
    size     INTEGER NOT NULL,
    mtime    REAL NOT NULL,
    PRIMARY KEY (image_id, name)
  ) WITHOUT ROWID;
  ALTER TABLE images ADD COLUMN sidecar_pending INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE images ADD COLUMN sidecar_blocked TEXT;
  ALTER TABLE images ADD COLUMN sidecar_synced TEXT;
  CREATE TABLE sidecar_writes (
    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    hash     TEXT NOT NULL,
    at       INTEGER NOT NULL,
    PRIMARY KEY (image_id, hash)
  ) WITHOUT ROWID;
  CREATE INDEX images_sidecar_pending ON images (id) WHERE sidecar_pending = 1;
  `,
  // 3: the undo journal: one entry per culling change (all its images in one transaction),
  // each image's state before and after as JSON. Undone entries stay until a new change drops
  // them (vim's linear undo). Items do not reference images: an entry outlives the image it
  // removed, which is what lets undo put the row back under the same id.
  `
  CREATE TABLE history (
    -- AUTOINCREMENT: an entry dropped from the redo branch never lends its id to a new one.
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('culling', 'rotation', 'remove')),
    description TEXT NOT NULL,
    image_count INTEGER NOT NULL,
    undone      INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1))
  );
  CREATE INDEX history_by_undone ON history (undone, id);
  CREATE TABLE history_items (
    entry_id INTEGER NOT NULL REFERENCES history(id) ON DELETE CASCADE,
    image_id INTEGER NOT NULL,
    filename TEXT NOT NULL,
    before   TEXT,
    after    TEXT,
    PRIMARY KEY (entry_id, image_id)
  ) WITHOUT ROWID;
  `,
  // 4: RAW+JPEG groups: one row per member (the leader too, image_id = leader_id); an image
  // with no row is an item of its own. Removing the leader dissolves the group.
  `
  CREATE TABLE image_groups (
    image_id  INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
    leader_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE
  );
  CREATE INDEX image_groups_by_leader ON image_groups (leader_id);
  ${PAIRS_OF_EXISTING_IMAGES}
  `,
  // 5: focus and bursts (issue 13). The analysis of the pixels the thumbnails are made from
  // (src/analysis): the focus score, the whole-image variance of the Laplacian it is checked
  // against, where the sharpest tile is (fractions of the upright image) and the 64-bit dHash,
  // 16 hex digits (SQLite's integers are signed). From the file: the capture time's fraction
  // of a second (EXIF SubSecTimeOriginal) and the camera's AF point. NULL until computed; a
  // changed file clears them. stack_id: the burst stack (src/db/stacks.ts), the id of its
  // first frame; NULL for an image in no stack. The stack's size and suggested pick are
  // derived at read time, so a removal never leaves them stale.
  // Column by column, only those missing: a library stepped back to an older user_version
  // (as a test of step 4 does) runs this again over columns it already has.
  (db) => {
    const have = new Set(db.prepare<[], { name: string }>('PRAGMA table_info(images)').all().map((c) => c.name));
    for (const [name, type] of ANALYSIS_COLUMNS) if (!have.has(name)) db.exec(`ALTER TABLE images ADD COLUMN ${name} ${type}`);
    db.exec(`
      CREATE INDEX IF NOT EXISTS images_by_sharpness ON images (sharpness DESC, id);
      CREATE INDEX IF NOT EXISTS images_by_stack ON images (stack_id, rejected, sharpness DESC, id) WHERE stack_id IS NOT NULL;
      CREATE INDEX IF NOT EXISTS images_unanalysed ON images (id) WHERE sharpness IS NULL;
    `);
  },
];

export const SCHEMA_VERSION = STEPS.length;

export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(
      `library schema version ${current} is newer than this termtable understands (${SCHEMA_VERSION}); upgrade termtable`,
    );
  }
  for (let version = current; version < SCHEMA_VERSION; version++) {
    // IMMEDIATE: two processes opening a new library at once must not both run a step.
    db.transaction(() => {
      const now = db.pragma('user_version', { simple: true }) as number;
      if (now !== version) return; // the other process got there first
      const step = STEPS[version]!;
      if (typeof step === 'string') db.exec(step);
      else step(db);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}

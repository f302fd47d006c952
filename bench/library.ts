/**
 * Library benchmarks (`node --import tsx bench/library.ts`):
 *  1. import throughput (files/s) on 10,000 small generated JPEGs with EXIF, against
 *     `exiftool -fast -json` and a bare fs walk + stat over the same files;
 *  2. one 48-image grid page of a 100,000-image library at the start, middle and end, for
 *     each sort key, against a plain `ORDER BY … LIMIT/OFFSET` query on the same file;
 *  3. a culling key on that library (the write, then the count and page the grid reads back)
 *     with stacks collapsed, against the same key uncollapsed, and one round of the lighttable's
 *     background scoring's library work (`--culling` runs only 3, on a freshly filled library).
 * Generated data lives under os.tmpdir() (the photo set is kept for the next run).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { importFolders } from '../src/db/import.js';
import { recordAnalyses } from '../src/db/library-analysis.js';
import { Library, type ImportWrite } from '../src/db/library.js';
import { restackFilmRolls } from '../src/db/stacks.js';
import { SORT_KEYS, type SortKey } from '../src/db/types.js';

const FILES = 10_000;
const FOLDERS = 20;
const ROWS = 100_000;
const PAGE = 48;

const now = () => Number(process.hrtime.bigint()) / 1e6; // ms
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number, digits = 1) => n.toFixed(digits);

async function makePhotoSet(root: string): Promise<void> {
  const marker = path.join(root, '.complete');
  if (existsSync(marker)) return;
  rmSync(root, { recursive: true, force: true });
  const t0 = now();
  const base = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#557799' } }).jpeg().toBuffer();
  const jobs: Promise<unknown>[] = [];
  for (let i = 0; i < FILES; i++) {
    const dir = path.join(root, `roll-${String(i % FOLDERS).padStart(2, '0')}`);
    if (i < FOLDERS) mkdirSync(dir, { recursive: true });
    const day = String((i % 28) + 1).padStart(2, '0');
    jobs.push(
      sharp(base)
        .withExif({
          IFD0: { Make: 'Benchcam', Model: `BC-${i % 5}` },
          IFD2: { DateTimeOriginal: `2024:03:${day} 12:${String(i % 60).padStart(2, '0')}:00`, ExposureTime: '1/250' },
        })
        .toFile(path.join(dir, `IMG_${String(i).padStart(5, '0')}.jpg`)),
    );
    if (jobs.length >= 16) await Promise.all(jobs.splice(0));
  }
  await Promise.all(jobs);
  writeFileSync(marker, '');
  console.log(`generated ${FILES} JPEGs in ${fmt((now() - t0) / 1000)} s under ${root}`);
}

function walkAndStat(root: string): number {
  let n = 0;
  for (const entry of readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.jpg')) {
      statSync(path.join(entry.parentPath, entry.name));
      n++;
    }
  }
  return n;
}

async function benchImport(root: string, work: string): Promise<void> {
  console.log(`\n-- import: ${FILES} small JPEGs with EXIF in ${FOLDERS} folders --`);
  const lib = Library.open(path.join(work, 'import.db'));
  let t0 = now();
  const summary = await importFolders(lib, [root]);
  const importMs = now() - t0;
  if (summary.imported !== FILES) throw new Error(`imported ${summary.imported}, expected ${FILES}`);
  t0 = now();
  const again = await importFolders(lib, [root]);
  const reimportMs = now() - t0;
  if (again.unchanged !== FILES) throw new Error(`re-import: ${JSON.stringify(again)}`);
  lib.close();

  t0 = now();
  const walked = walkAndStat(root);
  const walkMs = now() - t0;

  let exiftoolMs: number | null = null;
  t0 = now();
  const et = spawnSync('exiftool', ['-fast', '-json', '-r', '-q', '-ext', 'jpg', '-Make', '-Model', '-DateTimeOriginal',
    '-ExposureTime', '-ImageWidth', '-ImageHeight', '-Orientation', root], { maxBuffer: 1 << 28 });
  if (et.status === 0 || et.status === 1) exiftoolMs = now() - t0;

  const rate = (ms: number) => FILES / (ms / 1000);
  console.log(`termtable import (new):        ${fmt(rate(importMs), 0)} files/s  (${fmt(importMs / 1000, 2)} s)`);
  console.log(`termtable re-import (unchanged): ${fmt(rate(reimportMs), 0)} files/s  (${fmt(reimportMs / 1000, 2)} s)`);
  if (exiftoolMs !== null) {
    console.log(`peer exiftool -fast -json:      ${fmt(rate(exiftoolMs), 0)} files/s  -> import is ${fmt(exiftoolMs / importMs, 2)}x exiftool`);
  } else {
    console.log('peer exiftool: not available');
  }
  console.log(`peer fs walk + stat (${walked}):   ${fmt(rate(walkMs), 0)} files/s  -> import is ${fmt(walkMs / importMs, 3)}x a bare walk`);
}

function fillLibrary(file: string): void {
  const lib = Library.open(file);
  const rolls = Array.from({ length: 50 }, (_, r) => `/bench/roll-${r}`);
  const t0 = now();
  for (let start = 0; start < ROWS; start += 5000) {
    const writes: ImportWrite[] = [];
    for (let i = start; i < start + 5000; i++) {
      writes.push({
        kind: 'insert',
        folder: rolls[i % rolls.length]!,
        filename: `IMG_${String((i * 7919) % ROWS).padStart(6, '0')}.jpg`,
        facts: {
          fileSize: 1000, mtime: 0, width: 6000, height: 4000, orientation: 1, maker: 'Bench', model: 'X', lens: null,
          exposureTime: 0.004, fNumber: 8, iso: 100, focalLength: 35,
          takenAt: `2024-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:00:00`,
        },
        culling: { rating: i % 6, rejected: i % 17 === 0, labels: i % 5 === 0 ? ['red'] : [] },
      });
    }
    lib.writeImportBatch(writes, new Date(Date.UTC(2024, 0, 1) + start * 1000).toISOString());
  }
  lib.close();
  console.log(`filled ${ROWS} rows in ${fmt((now() - t0) / 1000, 2)} s`);
}

const PEER_ORDER: Record<SortKey, string> = {
  taken: 'i.taken_at, i.id',
  name: 'i.filename, i.id',
  rating: 'i.rejected, i.rating DESC, i.id',
  imported: 'i.imported_at, i.id',
  sharpness: 'i.sharpness IS NULL, i.sharpness DESC, i.id',
};

function benchPaging(work: string): void {
  console.log(`\n-- one grid page (${PAGE} images) of a ${ROWS}-image library --`);
  const file = path.join(work, 'paging.db');
  fillLibrary(file);
  const lib = Library.open(file);
  const peer = new Database(file, { readonly: true });
  const REPS = 200;
  const positions = { start: 0, middle: ROWS / 2, end: ROWS - PAGE };
  console.log('sort      where    termtable µs   LIMIT/OFFSET µs   ratio (peer/termtable)');
  for (const sort of SORT_KEYS) {
    const q = { sort };
    let t0 = now();
    lib.count(q); // materialises the collection once for this query
    const collectMs = now() - t0;
    const stmt = peer.prepare(
      `SELECT i.*, f.path AS roll_path FROM images i JOIN film_rolls f ON f.id = i.film_roll_id ORDER BY ${PEER_ORDER[sort]} LIMIT ? OFFSET ?`,
    );
    for (const [where, offset] of Object.entries(positions)) {
      const ours: number[] = [];
      const theirs: number[] = [];
      for (let r = 0; r < REPS; r++) {
        t0 = now();
        const page = lib.page(q, offset, PAGE);
        ours.push(now() - t0);
        t0 = now();
        const rows = stmt.all(PAGE, offset) as { id: number }[];
        theirs.push(now() - t0);
        if (r === 0 && page.map((p) => p.id).join() !== rows.map((p) => p.id).join()) {
          throw new Error(`pages differ for ${sort} at ${offset}`);
        }
      }
      const a = median(ours) * 1000;
      const b = median(theirs) * 1000;
      console.log(`${sort.padEnd(9)} ${where.padEnd(8)} ${fmt(a).padStart(12)}   ${fmt(b).padStart(15)}   ${fmt(b / a, 1).padStart(8)}x`);
    }
    console.log(`${sort.padEnd(9)} (collect once per query change: ${fmt(collectMs)} ms)`);
  }
  lib.close();
  peer.close();
}

/**
 * What a rating key costs the lighttable: updateCulling, then count + page as the grid refreshes.
 * Every 10th run of 5 images (by taken order) is made a burst stack with scores first. The
 * "rebuilt" row forces the rebuild the library did after every culling write before (the old
 * scheme, for the before/after figure in one run); the stacked reject must still rebuild.
 */
function benchCullingKeys(work: string): void {
  const file = path.join(work, 'paging.db');
  const db = new Database(file);
  const ids = db.prepare('SELECT id FROM images ORDER BY taken_at, id').pluck().all() as number[];
  db.transaction(() => {
    const score = db.prepare('UPDATE images SET sharpness = ?, stack_id = ? WHERE id = ?');
    for (let i = 0; i + 5 <= ids.length; i += 50) for (let k = 0; k < 5; k++) score.run(10 + k, ids[i]!, ids[i + k]!);
  })();
  db.close();
  const lib = Library.open(file);
  const REPS = 15;
  const target = ids[ids.length / 2 + 7]!; // in no stack
  const stacked = ids[ids.length / 2]!; // the first frame of a stack
  const key = (q: { collapseStacks?: boolean }, id: number, write: 'rating' | 'reject', rebuild: boolean): number => {
    lib.count(q);
    const times: number[] = [];
    for (let r = 0; r < REPS; r++) {
      const t0 = now();
      lib.updateCulling([id], (o) => (write === 'rating' ? { ...o, rating: (o.rating + 1) % 6 } : { ...o, rejected: !o.rejected }));
      if (rebuild) lib.collectionChanged();
      lib.count(q);
      lib.page(q, 0, PAGE);
      times.push(now() - t0);
    }
    return median(times);
  };
  console.log(`\n-- one culling key (write + count + ${PAGE}-image page) on ${ROWS} images, ${ids.length / 50} stacks of 5, median of ${REPS} --`);
  const floor = key({ sort: 'taken' } as never, target, 'rating', false);
  const rows: [string, number][] = [
    ['rating, uncollapsed (floor)', floor],
    ['rating, collapsed', key({ sort: 'taken', collapseStacks: true } as never, target, 'rating', false)],
    ['rating, collapsed, rebuilt (before)', key({ sort: 'taken', collapseStacks: true } as never, target, 'rating', true)],
    ['reject of a stacked frame, collapsed', key({ sort: 'taken', collapseStacks: true } as never, stacked, 'reject', false)],
  ];
  // Background scoring's main-thread work per round: four scores written, the grid's count + page read again
  // (collapsed, images in no stack), and the restack of one 2,000-image roll it does every 3 s.
  const q = { sort: 'taken', collapseStacks: true } as const;
  const unstacked = ids.filter((_, i) => i % 50 >= 5).slice(0, 4 * REPS);
  const round: number[] = [];
  const restack: number[] = [];
  lib.count(q);
  for (let r = 0; r < REPS; r++) {
    const batch = unstacked.slice(r * 4, r * 4 + 4);
    const t0 = now();
    recordAnalyses(lib, batch.map((id) => ({ id, fileSize: 1000, mtime: 0, analysis: { sharpness: 20, sharpnessGlobal: 10, sharpestAt: { x: 0.5, y: 0.5 }, dhash: '0f0f0f0f0f0f0f0f' } })));
    lib.count(q);
    lib.page(q, 0, PAGE);
    round.push(now() - t0);
  }
  // Apart from the rounds: a restack that changes stacks (here it dissolves the made ones) rebuilds the collection.
  for (let r = 0; r < REPS; r++) {
    const t1 = now();
    restackFilmRolls(lib, [lib.get(unstacked[r * 4]!)!.filmRollId]);
    restack.push(now() - t1);
  }
  rows.push(['scoring round: 4 scores + count + page', median(round)], ['scoring restack of one 2,000-image roll', median(restack)]);
  for (const [what, ms] of rows) console.log(`${what.padEnd(38)} ${fmt(ms, 2).padStart(8)} ms  ${fmt(ms / floor, 1).padStart(7)}x floor`);
  lib.close();
}

async function mainBench(): Promise<void> {
  const root = path.join(os.tmpdir(), 'termtable-bench-library-photos');
  const work = path.join(os.tmpdir(), `termtable-bench-library-${process.pid}`);
  mkdirSync(work, { recursive: true });
  try {
    if (!process.argv.includes('--culling')) {
      await makePhotoSet(root);
      await benchImport(root, work);
    }
    if (process.argv.includes('--culling')) fillLibrary(path.join(work, 'paging.db'));
    else benchPaging(work);
    benchCullingKeys(work);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await mainBench();

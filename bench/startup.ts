/**
 * Whole-process start-up and import figures of the real binary (bin/termtable.js over dist/,
 * rebuilt first), each against a floor run in turn with it (bench/proc.ts):
 *  - `termtable --help` against node importing commander;
 *  - `termtable list` (100 images) against node opening the library with commander and
 *    better-sqlite3 loaded and printing the same page of rows;
 *  - `generate-cache` with nothing to make against `node -e "require('sharp')"`;
 *  - `import --no-thumbnails` of 100 camera-sized JPEGs against `exiftool -fast -json`;
 *  - `import` (mip0-mip2) of 40 DNGs with 1616-px previews against bench/floor/dng-previews.mjs,
 *    a plain script that finds each preview and makes the three sizes with sharp.
 * Run: npm run bench -- startup. TERMTABLE_BENCH_BIN=path/to/termtable.js measures another
 * build (for before/after figures) and skips the rebuild. STARTUP_ONLY=dng runs only the DNG
 * import line (no JPEG set, no warm library), STARTUP_ONLY=generate-cache only the
 * generate-cache line; STARTUP_RUNS=N sets the DNG line's number of pairs (default 7).
 * STARTUP_HOG=1 runs a CPU-bound process (a busy loop) beside every line, as another job on
 * the machine would be: command and floor share the cores with it alike.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchBuild } from './build.js';
import { report, runOnce, type Cmd } from './proc.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(here, '..');
const SHARED = path.resolve(REPO, '../shared');
const WORK = path.join(os.tmpdir(), 'termtable-bench-startup');
const NODE = process.execPath;
const JPEGS = 100;
const DNGS = 40;
const ONLY = process.env.STARTUP_ONLY;
const ONLY_DNG = ONLY === 'dng';
/** The JPEG set and its warm library are needed by every line but the DNG import. */
const NEED_JPEGS = !ONLY_DNG;
const DNG_RUNS = Number(process.env.STARTUP_RUNS ?? 7);

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

function ensure(cond: boolean, what: string, make: () => ReturnType<typeof spawnSync>): void {
  if (cond) return;
  log(`(making ${what}; kept for later runs)`);
  const r = make();
  if (r.status !== 0) throw new Error(`making ${what} failed`);
}

function count(dir: string, ext: string): number {
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith(ext)).length : 0;
}

const home = (name: string) => ({
  ...process.env,
  XDG_DATA_HOME: path.join(WORK, name, 'data'),
  XDG_CACHE_HOME: path.join(WORK, name, 'cache'),
  XDG_CONFIG_HOME: path.join(WORK, name, 'config'),
});

/** A shell that clears `dirs` and then execs the command: every run starts from nothing. */
function fresh(label: string, dirs: string[], argv: string[], env?: NodeJS.ProcessEnv): Cmd {
  const quoted = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
  return { label, env, argv: ['sh', '-c', `rm -rf ${dirs.map(quoted).join(' ')} && exec ${argv.map(quoted).join(' ')}`] };
}

const { bin: BIN, command: COMMAND } = benchBuild();
log(`binary: ${COMMAND.join(' ')}`);

const scale = path.join(WORK, 'scale');
const jpegDir = path.join(scale, 'large');
ensure(!NEED_JPEGS || count(jpegDir, '.jpg') >= JPEGS, `${JPEGS} 24 MP JPEGs in ${scale}`, () =>
  spawnSync('bash', [path.join(SHARED, 'tools/make-scale-set.sh'), scale, String(JPEGS), '0', path.join(SHARED, 'corpus/photos')], { stdio: 'inherit' }),
);
const dngDir = path.join(WORK, 'dng');
ensure(count(dngDir, '.dng') >= DNGS, `${DNGS} DNGs with 1616-px previews in ${dngDir}`, () =>
  spawnSync(NODE, [path.join(SHARED, 'tools/make-raw-set.mjs'), dngDir, String(DNGS), '--src', path.join(SHARED, 'corpus/photos'), '--preview', '1616'], {
    stdio: 'inherit',
    cwd: REPO,
  }),
);
const jpegs = !NEED_JPEGS ? [] : readdirSync(jpegDir).filter((n) => n.endsWith('.jpg')).sort().slice(0, JPEGS).map((n) => path.join(jpegDir, n));
const dngs = readdirSync(dngDir).filter((n) => n.endsWith('.dng')).sort().slice(0, DNGS).map((n) => path.join(dngDir, n));

// One library of the JPEG set with its thumbnails made, for list and generate-cache; this
// process's own (and its import line's), so a second bench run at the same time does not
// remove it under this one. The JPEG and DNG sets are shared and kept.
const warmName = `warm-${process.pid}`;
const importName = `import-${process.pid}`;
const warm = home(warmName);
const warmLib = path.join(WORK, warmName, 'library.db');
process.on('exit', () => {
  for (const name of [warmName, importName]) rmSync(path.join(WORK, name), { recursive: true, force: true });
});
if (NEED_JPEGS) {
  mkdirSync(path.join(WORK, warmName), { recursive: true });
  runOnce({ label: 'setup import', env: warm, argv: [NODE, BIN, '--library', warmLib, 'import', '--json', jpegDir] });
}

if (process.env.STARTUP_HOG) {
  // Ended with this process (and by its own timeout should this one be killed).
  const hog = spawn(NODE, ['-e', 'setTimeout(() => process.exit(0), 900_000); for (;;) {}'], { stdio: 'ignore' });
  // Unreferenced: it must not keep this process alive once the lines are done.
  hog.unref();
  process.on('exit', () => hog.kill());
  log(`(a CPU-bound process, pid ${hog.pid}, runs beside every line)`);
}

let held = 0;
let total = 0;
const line = (a: Cmd, b: Cmd, goal: number, runs?: number) => {
  if (ONLY_DNG && !a.label.includes('DNGs')) return;
  if (ONLY === 'generate-cache' && !a.label.includes('generate-cache')) return;
  total++;
  if (report(a, b, goal, runs)) held++;
};

// Eleven pairs rather than the default seven: each run is a few hundred ms, and on the
// shared 2-core machine one descheduled run moves a median of seven.
const STARTUP_PAIRS = 11;
log(`\n## start-up (whole processes, medians of ${STARTUP_PAIRS} interleaved runs)`);
line(
  { label: 'termtable --help', argv: [...COMMAND, '--help'], env: warm },
  { label: "node + commander", argv: [NODE, '--input-type=module', '-e', "await import('commander')"] },
  1.5,
  STARTUP_PAIRS,
);
const listFloor = [
  "const { Command } = await import('commander');",
  "const Database = (await import('better-sqlite3')).default;",
  'new Command("list");',
  `const db = new Database(${JSON.stringify(warmLib)}, { readonly: true });`,
  "for (const r of db.prepare('SELECT * FROM images ORDER BY taken_at, id LIMIT 1000').all()) process.stdout.write(`${r.id} ${r.filename}\\n`);",
].join('\n');
line(
  { label: `termtable list (${JPEGS} images)`, argv: [...COMMAND, '--library', warmLib, 'list'], env: warm },
  { label: 'node + commander + better-sqlite3 query', argv: [NODE, '--input-type=module', '-e', listFloor] },
  1.5,
  STARTUP_PAIRS,
);
line(
  { label: `termtable generate-cache, nothing to make (${JPEGS} images)`, argv: [...COMMAND, '--library', warmLib, 'generate-cache', '--json'], env: warm },
  { label: `node -e "require('sharp')"`, argv: [NODE, '-e', "require('sharp')"] },
  1.5,
  STARTUP_PAIRS,
);

log('\n## import (whole processes, each run into an empty library and cache)');
const imp = home(importName);
line(
  fresh(`termtable import --no-thumbnails, ${JPEGS} 24 MP JPEGs`, [path.join(WORK, importName)], [...COMMAND, 'import', '--json', '--no-thumbnails', jpegDir], imp),
  { label: 'exiftool -fast -json', argv: ['exiftool', '-fast', '-json', ...jpegs] },
  1.5,
  // As many pairs as the start-up lines: each run is now about 0.2 s, as short as theirs.
  STARTUP_PAIRS,
);
// This process's own folders, as above.
const rawName = `raw-${process.pid}`;
const floorOut = path.join(WORK, `floor-out-${process.pid}`);
process.on('exit', () => {
  for (const dir of [path.join(WORK, rawName), floorOut]) rmSync(dir, { recursive: true, force: true });
});
const raw = home(rawName);
line(
  fresh(`termtable import (mip0-2), ${DNGS} DNGs with 1616-px previews`, [path.join(WORK, rawName)], [...COMMAND, 'import', '--json', dngDir], raw),
  fresh('plain preview-finding script + sharp', [floorOut], [NODE, path.join(here, 'floor', 'dng-previews.mjs'), floorOut, ...dngs]),
  1.3,
  DNG_RUNS,
);
log(`\n${held} of ${total} within their goal`);

/**
 * Launch → first full grid of the real lighttable (bin/termtable.js over dist/, rebuilt
 * first) in a real terminal under Xvfb (../shared/tools term-shot: kitty for kitty, xterm as
 * a VT340 for sixel, xterm for half-blocks), 120x40, a library of 10,000 images with the
 * first page's thumbnails warm in the disk cache (the saved memory cache removed before each
 * run), the protocol fixed with --protocol. The warm-up round also leaves the first pages'
 * encoded sixel and kitty pictures in mipmaps-<hash>.pictures.d (src/render/encoded-disk-cache.ts),
 * as an earlier session would; LAUNCH_ENCODE=1 removes that folder before each run, so every
 * picture is encoded again (the launch of a session after a cell-size or colour change). The terminal answers the start-up queries as it
 * would for a user. tty-bytes records what the program writes with timestamps, and `q` is typed
 * LAUNCH_WAIT_S (10) s after the window appears.
 *
 * The figure is the time from the start to the moment the first grid's last picture is on the
 * terminal: the last picture written before `q` (launch-record.ts: the end of a sixel sequence,
 * a kitty placement, the last `▀` cell of half-blocks; a kitty transmit without placement shows
 * nothing and does not count). The grid's text comes before its pictures, and nothing after the
 * first grid writes a picture, so this is when the user sees the whole grid; the last byte of
 * any kind is not, since text keeps coming (background focus scoring redraws the status line
 * seconds later). Beside it the count of pictures written (24 when each was written once; kitty:
 * placements and distinct images) and the last byte of any kind. A run whose last picture came
 * within 2 s of `q` may have been cut short, and is reported as failed.
 *
 * The floor runs the same way in the same terminal: bench/floor/launch-floor.mjs, node + Ink
 * drawing one line + one page query + reading the page's 24 thumbnail files; its figure is its
 * last byte (it draws one frame). Rounds run in turn (floor, app per protocol, …); each ratio
 * is the median of the pairwise ratios of a round.
 *
 * Run alone: `npm run bench -- launch` (about 15 s a run: 6 a round, plus a warm-up round).
 * LAUNCH_IMAGES (10000), LAUNCH_RUNS (3), LAUNCH_PROTOCOLS (blocks,kitty,sixel),
 * LAUNCH_WAIT_S (10), LAUNCH_ENCODE (unset); TERMTABLE_BENCH_BIN measures another build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchBuild } from './build.js';
import { median } from './proc.js';
import { pictureTimeline } from './launch-record.js';
import { makePhotoLibrary } from './photo-set.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const NODE = process.execPath;
const WORK = path.join(os.tmpdir(), 'termtable-bench-launch');
const IMAGES = Number(process.env.LAUNCH_IMAGES ?? 10_000);
const RUNS = Number(process.env.LAUNCH_RUNS ?? 3);
const PROTOCOLS = (process.env.LAUNCH_PROTOCOLS ?? 'blocks,kitty,sixel').split(',').filter(Boolean);
const WAIT_S = Number(process.env.LAUNCH_WAIT_S ?? 10);
const ENCODE = process.env.LAUNCH_ENCODE === '1';
const TOOLS = path.resolve(here, '../../shared/tools');
const TERMINALS: Record<string, string> = { blocks: 'xterm', kitty: 'kitty', sixel: 'xterm-sixel' };
const GOAL = 1.5;
const COLS = 120;
const ROWS = 40;
const LIBRARY = path.join(WORK, 'library.db');

const log = (line: string) => process.stdout.write(`${line}\n`);
const env = {
  XDG_DATA_HOME: path.join(WORK, 'data'),
  XDG_CACHE_HOME: path.join(WORK, 'cache'),
  XDG_CONFIG_HOME: path.join(WORK, 'config'),
};
const envArgs = ['env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), 'NODE_ENV=production'];

function forgetSavedMemoryCache(): void {
  const dir = path.join(env.XDG_CACHE_HOME, 'termtable');
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.cache') || (ENCODE && name.endsWith('.pictures.d'))) rmSync(path.join(dir, name), { recursive: true, force: true });
  }
}

function mipmapDir(): string {
  const dir = path.join(env.XDG_CACHE_HOME, 'termtable');
  const name = existsSync(dir) ? readdirSync(dir).find((n) => n.startsWith('mipmaps-') && n.endsWith('.d')) : undefined;
  return path.join(dir, name ?? 'mipmaps-none.d');
}

interface Run {
  /** Start → the first grid's last picture (the floor: its last byte), in ms; null when the run failed. */
  ms: number | null;
  /** Start → the last byte of any kind before `q`. */
  lastByteMs: number | null;
  bytes: number;
  pictures: number;
  distinctPlaced: number;
  note?: string;
}

const failed = (note: string): Run => ({ ms: null, lastByteMs: null, bytes: 0, pictures: 0, distinctPlaced: 0, note });

/** One run in a real terminal, recorded by tty-bytes and read by launch-record.ts. */
function runOnce(terminal: string, argv: string[], kind: 'app' | 'floor'): Run {
  forgetSavedMemoryCache();
  const rec = path.join(WORK, 'rec');
  rmSync(rec, { recursive: true, force: true });
  const shot = spawnSync(
    path.join(TOOLS, 'term-shot'),
    ['--term', terminal, '--cols', String(COLS), '--rows', String(ROWS), '--wait', String(WAIT_S), '--keys', 'q', '--settle', '1',
      '--allow-blank', '-o', path.join(WORK, 'shot.png'), '--', path.join(TOOLS, 'tty-bytes'), 'record', '-o', rec, '--', ...envArgs, ...argv],
    { encoding: 'utf8', timeout: (WAIT_S + 60) * 1000 },
  );
  if (shot.status !== 0) return failed(`term-shot exit ${shot.status}: ${(shot.stderr ?? '').trim().slice(-200)}`);
  let t: ReturnType<typeof pictureTimeline>;
  try {
    t = pictureTimeline(rec);
  } catch (err) {
    return failed(`no recording: ${(err as Error).message}`);
  }
  const ms = kind === 'floor' ? t.lastByteMs : t.lastPictureMs;
  if (ms === null) return failed(kind === 'floor' ? 'nothing written before q' : 'no picture written before q');
  const run: Run = { ms, lastByteMs: t.lastByteMs, bytes: t.bytes, pictures: t.pictures, distinctPlaced: t.distinctPlaced };
  if (kind === 'app' && ms > (WAIT_S - 2) * 1000) return { ...run, ms: null, note: `last picture ${ms.toFixed(0)} ms, within 2 s of q: raise LAUNCH_WAIT_S` };
  return run;
}

if (!existsSync(path.join(TOOLS, 'term-shot')) || !existsSync(path.join(TOOLS, 'tty-bytes'))) {
  log(`../shared/tools (term-shot, tty-bytes) not found: launch benchmark skipped`);
  process.exit(0);
}
const { bin: BIN, command: COMMAND } = benchBuild();
log(`binary: ${COMMAND.join(' ')}`);
await makePhotoLibrary({ work: WORK, library: LIBRARY, count: IMAGES, bin: BIN, env, log });
mkdirSync(path.join(env.XDG_CONFIG_HOME, 'termtable'), { recursive: true });
writeFileSync(path.join(env.XDG_CONFIG_HOME, 'termtable', 'config.json'), '{}');

const app = (protocol: string) => [...COMMAND, '--library', LIBRARY, '--no-import', '--protocol', protocol];
let held = 0;
// Warm-up, not counted: each protocol's first run makes the first page's thumbnails at its
// level into the disk cache (and fills the page cache), as an earlier session would have.
for (const protocol of PROTOCOLS) runOnce(TERMINALS[protocol] ?? 'xterm', app(protocol), 'app');
const floorArgv = [NODE, path.join(here, 'floor', 'launch-floor.mjs'), LIBRARY, mipmapDir()];

const rounds = new Map<string, { app: Run; floor: Run }[]>(PROTOCOLS.map((p) => [p, []]));
for (let i = 0; i < RUNS; i++) {
  for (const protocol of PROTOCOLS) {
    const terminal = TERMINALS[protocol] ?? 'xterm';
    const floor = runOnce(terminal, floorArgv, 'floor');
    rounds.get(protocol)!.push({ floor, app: runOnce(terminal, app(protocol), 'app') });
  }
}
log(
  `\n## lighttable launch → first full grid, ${IMAGES} images, warm disk cache, ${ENCODE ? 'no encoded pictures kept (LAUNCH_ENCODE=1)' : 'encoded pictures kept'}, ` +
    `${COLS}x${ROWS} in a real terminal (medians of ${RUNS} rounds)`,
);
for (const protocol of PROTOCOLS) {
  const rs = rounds.get(protocol)!;
  const good = rs.filter((r) => r.app.ms !== null && r.floor.ms !== null);
  const appMs = median(good.map((r) => r.app.ms!));
  const floorMs = median(good.map((r) => r.floor.ms!));
  const ratio = good.length ? median(good.map((r) => r.app.ms! / r.floor.ms!)) : Number.NaN;
  const ok = ratio <= GOAL;
  if (ok) held++;
  const last = good[good.length - 1]?.app;
  const notes = rs.flatMap((r) => [r.app.note, r.floor.note]).filter(Boolean);
  const what = protocol === 'blocks' ? `${last?.pictures ?? 0} ▀ cells` : protocol === 'kitty' ? `${last?.pictures ?? 0} placements of ${last?.distinctPlaced ?? 0} images` : `${last?.pictures ?? 0} pictures`;
  const lastByte = median(good.map((r) => r.app.lastByteMs!));
  log(
    `${protocol.padEnd(6)} (${TERMINALS[protocol]}) launch → first full grid (last picture on the terminal): ${appMs.toFixed(0)} ms ` +
      `(${last ? `${what}, ${(last.bytes / 1024).toFixed(0)} kB written; last byte of any kind ${lastByte.toFixed(0)} ms` : 'no good run'}) | ` +
      `floor node + Ink + page query + 24 thumbnail reads: ${floorMs.toFixed(0)} ms | ` +
      `ratio ${Number.isFinite(ratio) ? ratio.toFixed(2) : 'n/a'}x (goal <= ${GOAL}x) ${ok ? 'ok' : 'OVER'}` +
      `${notes.length ? ` (${notes.length} failed runs: ${notes[0]})` : ''}`,
  );
}
log(`\n${held} of ${PROTOCOLS.length} within their goal`);

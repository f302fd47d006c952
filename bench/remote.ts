/**
 * bench/remote.ts — the lighttable over real SSH through an emulated slow link (issue 8),
 * this build beside the build before that work (BASELINE_COMMIT) measured in the same run.
 *
 * For each protocol (kitty in kitty, sixel in xterm as a VT340, half-blocks in xterm) and link
 * (2 and 10 Mbit/s, 50 ms each way), at 160×48 with 150 photo-like JPEGs (warm disk cache):
 * term-shot opens the terminal, `tty-bytes record -- slow-link -- termtable` runs in it, and
 * bench/child/remote-drive.mjs types first page → PgDn → PgUp → Right → `3` → Left → 5 × PgDn
 * within 0.4 s, each once its output has begun and then been quiet for 1.5 s (2 s for the
 * first page, 4 s after the burst). tty-bytes attributes the bytes to each key; the time is
 * from the key to the last byte written before the next key.
 *
 *   npm run bench -- remote                   both links
 *   TT_REMOTE='--quick' npm run bench -- remote   2 Mbit only
 *   node --import tsx bench/remote.ts [--quick] [--protocols kitty,sixel] [--rates 2mbit]
 *        [--builds new,baseline] [--trace] [--new DIR] [--baseline DIR] [--work DIR]
 * --builds new: this build only; --trace: each run keeps the app's TERMTABLE_TRACE timeline
 * (trace.log beside its recording); --burst-only: only the rows the burst is judged by (first
 * page, PgDn for one page's own time, then 5 x PgDn), about a third of the time; --runs N: each
 * protocol and link N times (the builds alternating), for the spread on a loaded machine;
 * --new: the checkout whose dist/ is measured (default: this one, as built by `npm run build`);
 * --baseline: a worktree at BASELINE_COMMIT, made and built there when missing (another build
 * there is measured as the baseline, and the tables name its folder); --work: photos,
 * libraries and recordings (kept between runs, so photos are made once).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASELINE_COMMIT, buildEnv, ensureBaseline, makePhotos, prepareLibrary, type BuildEnv } from './remote-setup.js';
import { picturesIn, type ReportRow, type RowPictures } from './remote-report.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const tools = path.resolve(repo, '../shared/tools');
const argv = [...process.argv.slice(2), ...(process.env.TT_REMOTE?.split(/\s+/).filter(Boolean) ?? [])];
const opt = (name: string, dflt: string) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : dflt;
};
const quick = argv.includes('--quick');
const protocols = opt('--protocols', 'kitty,sixel,blocks').split(',');
const rates = opt('--rates', quick ? '2mbit' : '2mbit,10mbit').split(',');
const buildNames = opt('--builds', 'new,baseline').split(',');
const tracing = argv.includes('--trace');
const burstOnly = argv.includes('--burst-only');
const runs = Math.max(1, Number(opt('--runs', '1')) || 1);
const work = path.resolve(opt('--work', path.join(os.tmpdir(), 'termtable-bench-remote')));
// Another build given as the baseline (--baseline DIR, e.g. one from before a change) is named by its folder.
const baselineName = argv.includes('--baseline') ? opt('--baseline', '') : BASELINE_COMMIT;
const TERMINAL: Record<string, { term: string; windowClass: string }> = {
  kitty: { term: 'kitty', windowClass: 'kitty' },
  sixel: { term: 'xterm-sixel', windowClass: 'XTerm' },
  blocks: { term: 'xterm', windowClass: 'XTerm' },
};
const PAGE = Array.from({ length: 24 }, (_, i) => String(i + 1));
const KEY = { quietMs: 1500, maxMs: 120_000, minBytes: 1, firstMs: 10_000 };
const ALL_ACTIONS = [
  // Each key's output has begun (a first byte, or 10 s of nothing) and then been quiet for
  // 1.5 s: the pacing window never holds the link idle that long (it waits a round trip at
  // most). A fixed 2.5 s of quiet from the key made the whole bench 15 minutes, and on a
  // loaded machine a key's first frame can take longer than the quiet time itself.
  { name: 'first page', keys: [] as string[], quietMs: 2000, maxMs: 180_000, minBytes: 50_000 },
  { name: 'PgDn (new page)', ...KEY, keys: ['Next'] },
  { name: 'PgUp (revisit)', ...KEY, keys: ['Prior'] },
  { name: 'Right (cursor)', ...KEY, keys: ['Right'] },
  { name: '3 (rating)', ...KEY, keys: ['3'] },
  // A second cursor step: the first one's row also holds whatever PgUp had not yet written.
  { name: 'Left (cursor again)', ...KEY, keys: ['Left'] },
  // Longer: the final page's pictures are encoded after the burst (the others were prefetched).
  { name: '5 x PgDn in 0.4 s', ...KEY, keys: ['Next', 'Next', 'Next', 'Next', 'Next'], delayMs: 80, quietMs: 4000, maxMs: 180_000 },
];
// The burst is judged against the PgDn row (index 1) of the same run and is always the last row.
const ACTIONS = burstOnly ? [ALL_ACTIONS[0]!, ALL_ACTIONS[1]!, ALL_ACTIONS.at(-1)!] : ALL_ACTIONS;

interface Measured {
  rows: ReportRow[];
  pictures: RowPictures[];
  timedOut: string[];
  rc: unknown;
}

/** Kills term-shot's `sleep --wait` (our own descendant, by pid) so it captures and cleans up now. */
function wakeTermShot(pid: number): void {
  const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  for (const kid of kids) {
    if (readFileSync(`/proc/${kid}/comm`, 'utf8').trim() === 'sleep') process.kill(Number(kid), 'SIGTERM');
  }
}

async function measure(build: BuildEnv, protocol: string, rate: string, run: number): Promise<Measured> {
  const dir = path.join(work, 'runs', `${protocol}-${rate}-${build.name}${run ? `-${run + 1}` : ''}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const bin = path.join(build.dir, 'bin/termtable.js');
  // The same start for every run: the first page unrated (`3` is pressed on its second image).
  spawnSync(process.execPath, [bin, 'set', ...PAGE, '--rating', '0'], { env: { ...process.env, ...build.env }, stdio: 'ignore' });
  const env = { ...build.env, ...(tracing ? { TERMTABLE_TRACE: path.join(dir, 'trace.log') } : {}) };
  const envs = Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
  const spec = {
    record: path.join(dir, 'rec'),
    done: path.join(dir, 'done.json'),
    windowClass: TERMINAL[protocol]!.windowClass,
    actions: ACTIONS,
    cmd: [path.join(tools, 'tty-bytes'), 'record', '-o', path.join(dir, 'rec'), '--',
      path.join(tools, 'slow-link'), '--rate', rate, '--delay', '50ms', ...envs, '--',
      process.execPath, bin, '--no-import', '--protocol', protocol],
  };
  await writeFile(path.join(dir, 'spec.json'), JSON.stringify(spec));
  const shot = spawn(path.join(tools, 'term-shot'), ['--term', TERMINAL[protocol]!.term, '--cols', '160', '--rows', '48',
    '--wait', '1500', '--allow-blank', '--ignore-status', '-o', path.join(dir, 'end.png'), '--',
    process.execPath, path.join(here, 'child/remote-drive.mjs'), path.join(dir, 'spec.json')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  shot.stderr.on('data', (d) => (stderr += d));
  const ended = new Promise<void>((resolve) => shot.on('exit', () => resolve()));
  while (!existsSync(spec.done) && shot.exitCode === null) await new Promise((r) => setTimeout(r, 250));
  if (shot.exitCode === null) wakeTermShot(shot.pid!);
  await ended;
  if (!existsSync(spec.done)) throw new Error(`bench remote: ${protocol} ${rate} ${build.name}: the run did not finish: ${stderr.slice(-500)}`);
  const done = JSON.parse(readFileSync(spec.done, 'utf8')) as { rc: unknown; actions: { name: string; timedOut?: boolean }[] };
  const report = spawnSync(path.join(tools, 'tty-bytes'), ['report', spec.record, '--json', '--burst', '1000'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const rows = (JSON.parse(report.stdout) as { rows: ReportRow[] }).rows;
  return { rows, pictures: picturesIn(spec.record, rows), timedOut: done.actions.filter((a) => a.timedOut).map((a) => a.name), rc: done.rc };
}

const kb = (n: number | undefined) => (n === undefined ? '-' : n >= 1e6 ? `${(n / 1e6).toFixed(2)} MB` : `${(n / 1e3).toFixed(1)} kB`);
const secs = (ms: number | null | undefined) => (ms == null ? '-' : `${(ms / 1000).toFixed(2)} s`);
const ratio = (a: number | null | undefined, b: number | null | undefined) => (a == null || b == null || b === 0 ? '-' : `${(a / b).toFixed(2)}`);
const pad = (cells: string[], widths: number[]) => cells.map((c, i) => (i ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');

function table(protocol: string, rate: string, m: Partial<Record<BuildEnv['name'], Measured>>, run: number): void {
  const widths = [20, 10, 10, 6, 10, 10, 6, 9, 9];
  console.log(`\n${protocol} over SSH, ${rate}, 50 ms each way, 160x48 (new build vs ${baselineName})${runs > 1 ? `, run ${run + 1} of ${runs}` : ''}; load ${os.loadavg()[0]!.toFixed(1)}`);
  console.log(pad(['action', 'new bytes', 'base bytes', 'ratio', 'new last', 'base last', 'ratio', 'new img', 'base img'], widths));
  ACTIONS.forEach((a, i) => {
    const n = m.new?.rows[i];
    const b = m.baseline?.rows[i];
    console.log(pad([a.name, kb(n?.out_bytes), kb(b?.out_bytes), ratio(n?.out_bytes, b?.out_bytes), secs(n?.last_ms), secs(b?.last_ms),
      ratio(n?.last_ms, b?.last_ms), kb(n?.image_bytes), kb(b?.image_bytes)], widths));
  });
  const burst = ACTIONS.length - 1;
  for (const name of ['new', 'baseline'] as const) {
    if (!m[name]) continue;
    const rows = m[name].rows;
    const page = rows[1]?.image_bytes ?? 0;
    const pics = m[name].pictures[burst];
    const extra = page ? ((rows[burst]?.image_bytes ?? 0) - page) / page : NaN;
    const labels = rows.slice(1).map((r) => r.label).join(', ');
    const silent = ACTIONS.filter((_, i) => i > 0 && rows[i] && rows[i]!.out_bytes === 0).map((x) => x.name);
    if (silent.length) console.log(`  ${name}: wrote nothing between the key and the next one: ${silent.join(', ')} (its bytes count in the next row)`);
    // The final page is complete when a page's worth of pictures arrived (half-blocks: text only).
    const complete = page === 0 || (rows[burst]?.image_bytes ?? 0) >= 0.9 * page;
    const verdict = !complete ? 'FINAL PAGE NOT COMPLETE' : (rows[burst]?.last_ms ?? Infinity) <= (rows[1]?.last_ms ?? 0) + 1000 ? 'within' : 'over';
    console.log(`  ${name}: 5 x PgDn: last byte ${secs(rows[burst]?.last_ms)} after the first key (one page's own: ${secs(rows[1]?.last_ms)}, +1 s: ` +
      `${verdict}); keys typed over ${secs(pics?.keySpanMs)}; ` +
      `${pics?.started ?? 0} pictures started, ` +
      `picture bytes beyond one page: ${Number.isNaN(extra) ? '-' : `${extra.toFixed(2)} pages' worth`}; keys seen: ${labels}` +
      (m[name].timedOut.length ? `; NOT QUIET: ${m[name].timedOut.join(', ')}` : ''));
  }
}

async function main(): Promise<void> {
  if (!existsSync(path.join(tools, 'slow-link'))) {
    console.log(`skipped: ${tools} (slow-link, tty-bytes, term-shot) not found`);
    return;
  }
  const newDir = path.resolve(opt('--new', repo));
  const baseDir = path.resolve(opt('--baseline', path.join(os.tmpdir(), 'termtable-bench-baseline')));
  if (buildNames.includes('baseline')) ensureBaseline(repo, baseDir);
  const photos = path.join(work, 'photos');
  const t0 = Date.now();
  await makePhotos(photos, 150, path.resolve(repo, '../shared/corpus/photos'));
  const builds = [buildEnv('new', newDir, work), buildEnv('baseline', baseDir, work)].filter((b) => buildNames.includes(b.name));
  for (const b of builds) if (!existsSync(path.join(b.env.XDG_DATA_HOME!, 'termtable/library.db'))) prepareLibrary(b, photos);
  console.log(`150 photos and two warm libraries in ${work} (${((Date.now() - t0) / 1000).toFixed(0)} s); new: ${newDir}, baseline: ${baseDir}; load ${os.loadavg()[0]!.toFixed(1)}`);
  for (const rate of rates) {
    for (const protocol of protocols) {
      for (let run = 0; run < runs; run++) {
        const m: Partial<Record<BuildEnv['name'], Measured>> = {};
        // Alternating which build goes first, so a change in the machine's load is shared out.
        for (const b of run % 2 ? [...builds].reverse() : builds) m[b.name] = await measure(b, protocol, rate, run);
        table(protocol, rate, m, run);
      }
    }
  }
  console.log(`\nbench remote: ${((Date.now() - t0) / 1000).toFixed(0)} s; recordings in ${path.join(work, 'runs')} (tty-bytes report DIR/rec)`);
}

await main();

/**
 * Whole-process timing for the benchmarks: a command and its floor run in turn (A B A B …,
 * after a warm-up of each), so drift on a shared machine hits both alike; the ratio is the
 * median of the pairwise ratios (wall time judges the goal; the CPU-time ratio is printed
 * beside it, as it moves less when other work shares the cores). Peak RSS and CPU time come
 * from GNU time (`/usr/bin/time -f '%M %U %S'`) where it is installed, which reads the
 * kernel's own accounting of the finished process.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface Cmd {
  label: string;
  argv: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Exit statuses that count as a good run. @default [0] */
  ok?: readonly number[];
}

export interface RunFigures {
  wall: number[];
  /** Peak resident set in bytes per run (empty without GNU time). */
  rss: number[];
  /** User + system CPU seconds per run (empty without GNU time): steadier than wall time on a loaded machine. */
  cpu: number[];
}

const GNU_TIME = '/usr/bin/time';
const hasGnuTime = existsSync(GNU_TIME);

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** One run: wall seconds, peak RSS bytes and CPU seconds (NaN without GNU time). */
export function runOnce(cmd: Cmd): { wall: number; rss: number; cpu: number } {
  const [exe, ...rest] = cmd.argv;
  const argv = hasGnuTime ? [GNU_TIME, '-f', '@@rss %M %U %S', exe!, ...rest] : [exe!, ...rest];
  const t0 = performance.now();
  const r = spawnSync(argv[0]!, argv.slice(1), {
    env: cmd.env ?? process.env,
    cwd: cmd.cwd,
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const wall = (performance.now() - t0) / 1000;
  if (r.error) throw r.error;
  if (!(cmd.ok ?? [0]).includes(r.status ?? -1)) {
    throw new Error(`${cmd.label}: exit ${r.status ?? r.signal}: ${(r.stderr ?? '').slice(-600)}`);
  }
  const m = /@@rss (\d+) ([\d.]+) ([\d.]+)/.exec(r.stderr ?? '');
  return { wall, rss: m ? Number(m[1]) * 1024 : NaN, cpu: m ? Number(m[2]) + Number(m[3]) : NaN };
}

/** Runs A and B alternately `runs` times after one warm-up each. */
export function pair(a: Cmd, b: Cmd, runs = 7): { a: RunFigures; b: RunFigures; ratio: number; cpuRatio: number } {
  runOnce(a);
  runOnce(b);
  const fa: RunFigures = { wall: [], rss: [], cpu: [] };
  const fb: RunFigures = { wall: [], rss: [], cpu: [] };
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  for (let i = 0; i < runs; i++) {
    const x = runOnce(a);
    const y = runOnce(b);
    fa.wall.push(x.wall);
    fb.wall.push(y.wall);
    if (!Number.isNaN(x.rss)) fa.rss.push(x.rss);
    if (!Number.isNaN(y.rss)) fb.rss.push(y.rss);
    if (!Number.isNaN(x.cpu)) fa.cpu.push(x.cpu);
    if (!Number.isNaN(y.cpu)) fb.cpu.push(y.cpu);
    ratios.push(x.wall / y.wall);
    if (x.cpu > 0 && y.cpu > 0) cpuRatios.push(x.cpu / y.cpu);
  }
  return { a: fa, b: fb, ratio: median(ratios), cpuRatio: cpuRatios.length ? median(cpuRatios) : NaN };
}

const MiB = 1024 * 1024;

function fmt(f: RunFigures): string {
  const rss = f.rss.length ? `, ${(Math.max(...f.rss) / MiB).toFixed(0)} MiB peak` : '';
  const cpu = f.cpu.length ? ` (cpu ${median(f.cpu).toFixed(2)} s)` : '';
  return `${median(f.wall).toFixed(3)} s${cpu}${rss}`;
}

/**
 * Prints one result line: `label: A s | floor label: B s | ratio R× (goal ≤ G×) ok|OVER`.
 * Returns whether the goal held, so a bench can set its exit code.
 */
export function report(a: Cmd, b: Cmd, goal: number, runs = 7, opts: { rssGoal?: number } = {}): boolean {
  const r = pair(a, b, runs);
  let held = r.ratio <= goal;
  let rss = '';
  if (opts.rssGoal !== undefined && r.a.rss.length && r.b.rss.length) {
    const ratio = Math.max(...r.a.rss) / Math.max(...r.b.rss);
    held &&= ratio <= opts.rssGoal;
    rss = `, peak RSS ratio ${ratio.toFixed(2)}x (goal <= ${opts.rssGoal}x)`;
  }
  process.stdout.write(
    `${a.label}: ${fmt(r.a)} | floor ${b.label}: ${fmt(r.b)} | ratio ${r.ratio.toFixed(2)}x (goal <= ${goal}x)` +
      `${Number.isNaN(r.cpuRatio) ? '' : `, cpu ratio ${r.cpuRatio.toFixed(2)}x`}${rss} ${held ? 'ok' : 'OVER'}\n`,
  );
  return held;
}

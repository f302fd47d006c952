/**
 * Memory of the real lighttable: the binary (bin/termtable.js over dist/, rebuilt first) in
 * tmux, paging with PgDn through a library of 2,000 images (thumbnails warm on disk) in each
 * protocol, under cacheSizeMB 16, 64 and 512, at 80x24 and 240x66. The process's RSS is
 * sampled from /proc/PID/status while it pages (VmRSS, and VmHWM, the kernel's peak, at the
 * end); each line prints the peak against the goal, preference + 150 MB.
 *
 * Run alone: `npm run bench -- memory`. Narrow it with MEMORY_PROTOCOLS=kitty,sixel,
 * MEMORY_SIZES_MB=16,64, MEMORY_TERMS=80x24, MEMORY_IMAGES=2000; TERMTABLE_BENCH_BIN measures
 * another build, and MEMORY_WORK=DIR keeps that build's library and thumbnails apart. Each
 * page turn waits for the header to show the new position, then MEMORY_PACE_MS (150) so the
 * page's thumbnails are fetched and encoded before the next key.
 *
 * Each line also says where the peak went (memory-parts.ts: V8 heap, external, array buffers,
 * anonymous RSS and threads at the sample with the highest RSS); MEMORY_ENV and
 * MEMORY_PROBE_SHARP try a setting without a rebuild; the CPU time the process used over the run
 * says what a setting that saves memory costs in work.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchBuild } from './build.js';
import { cpuSeconds, describeParts, EXTRA_ENV, peakSample, probeLaunch, probeSamples, type ProbeSample } from './memory-parts.js';
import sharp from 'sharp';

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(here, '..');
const NODE = process.execPath;
const WORK = process.env.MEMORY_WORK ?? path.join(os.tmpdir(), 'termtable-bench-memory');
const list = (name: string, fallback: string) => (process.env[name] ?? fallback).split(',').map((s) => s.trim()).filter(Boolean);
const PROTOCOLS = list('MEMORY_PROTOCOLS', 'blocks,kitty,sixel');
const SIZES_MB = list('MEMORY_SIZES_MB', '16,64,512').map(Number);
const TERMS = list('MEMORY_TERMS', '80x24,240x66').map((t) => t.split('x').map(Number) as [number, number]);
const IMAGES = Number(process.env.MEMORY_IMAGES ?? 2000);
const PACE_MS = Number(process.env.MEMORY_PACE_MS ?? 150);
const DISTINCT = 60;
const HEADROOM_MB = 150;
const MiB = 1024 * 1024;

const socket = `tt-bench-mem-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

const env = {
  ...process.env,
  XDG_DATA_HOME: path.join(WORK, 'data'),
  XDG_CACHE_HOME: path.join(WORK, 'cache'),
  XDG_CONFIG_HOME: path.join(WORK, 'config'),
};

/** 2,000 files: DISTINCT photo-like JPEGs (noise over colour, 1500x1000) copied under new names. */
async function makeLibrary(): Promise<void> {
  const photos = path.join(WORK, 'photos');
  const marker = path.join(WORK, `.imported-${IMAGES}`);
  if (existsSync(marker)) return;
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(photos, { recursive: true });
  log(`(making ${IMAGES} images and their thumbnails in ${WORK}; kept for later runs)`);
  const sources: string[] = [];
  for (let i = 0; i < DISTINCT; i++) {
    const file = path.join(photos, `img-${String(i).padStart(5, '0')}.jpg`);
    const hue = (i * 47) % 360;
    const background = { r: Math.round(Math.abs(Math.sin(hue)) * 255), g: Math.round(Math.abs(Math.cos(hue)) * 255), b: Math.round((hue / 360) * 255) };
    const noise = await sharp({ create: { width: 1500, height: 1000, channels: 3, background, noise: { type: 'gaussian', mean: 110, sigma: 45 } } })
      .blur(1.5)
      .jpeg({ quality: 90 })
      .toBuffer();
    writeFileSync(file, noise);
    sources.push(file);
  }
  for (let i = DISTINCT; i < IMAGES; i++) copyFileSync(sources[i % DISTINCT]!, path.join(photos, `img-${String(i).padStart(5, '0')}.jpg`));
  const r = spawnSync(NODE, [BIN, 'import', '--json', photos], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`import failed: ${r.stderr}`);
  writeFileSync(marker, r.stdout);
}

function status(pid: number): { rss: number; hwm: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null;
  }
}

function position(screen: string): number | null {
  const m = new RegExp(`(\\d+)/${IMAGES}\\b`).exec(screen);
  return m ? Number(m[1]) : null;
}

async function until<T>(probe: () => T | null | undefined | false, timeoutMs: number): Promise<T | null> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) return null;
    await sleep(25);
  }
}

interface RunResult {
  parts: ProbeSample | null;
  /** CPU seconds of the whole process over the run (memory-probe.mjs). */
  cpu: number | null;
  peak: number;
  hwm: number;
  pages: number;
  reached: number;
  note?: string;
}

async function runOne(protocol: string, cacheSizeMB: number, cols: number, rows: number): Promise<RunResult> {
  mkdirSync(path.join(env.XDG_CONFIG_HOME, 'termtable'), { recursive: true });
  writeFileSync(path.join(env.XDG_CONFIG_HOME, 'termtable', 'config.json'), JSON.stringify({ cacheSizeMB }));
  // Each run starts with no saved memory cache: every run pages from the disk backend alike.
  for (const name of readdirSync(path.join(env.XDG_CACHE_HOME, 'termtable'))) {
    if (name.endsWith('.cache')) rmSync(path.join(env.XDG_CACHE_HOME, 'termtable', name), { force: true });
  }
  const name = `m-${protocol}-${cacheSizeMB}-${cols}`;
  const probeOut = path.join(WORK, `probe-${name}.jsonl`);
  const probe = probeLaunch(probeOut);
  const vars = ['XDG_DATA_HOME', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME']
    .map((k) => `${k}=${env[k as keyof typeof env]}`)
    .concat(probe.env)
    .map((kv) => JSON.stringify(kv));
  // exec twice over: the pane's process is termtable itself, so its pid is the pane's.
  tmux(
    'new-session', '-d', '-s', name, '-x', String(cols), '-y', String(rows),
    `exec env ${vars.join(' ')} ${COMMAND.map((a) => JSON.stringify(a)).join(' ')} --no-import --protocol ${protocol}`,
  );
  const pid = Number(tmux('display', '-p', '-t', name, '#{pane_pid}').trim());
  const capture = () => {
    const screen = tmux('capture-pane', '-p', '-t', name);
    if (!existsSync(`/proc/${pid}`)) throw new Error(`termtable exited; screen:\n${screen}`);
    return screen;
  };
  let peak = 0;
  let hwm = 0;
  const sampler = setInterval(() => {
    const s = status(pid);
    if (s) {
      peak = Math.max(peak, s.rss);
      hwm = Math.max(hwm, s.hwm);
    }
  }, 20);
  let pages = 0;
  let reached = 0;
  let note: string | undefined;
  try {
    const first = await until(() => position(capture()), 30_000);
    if (first === null) throw new Error(`no grid within 30 s; screen:\n${capture()}`);
    reached = first;
    await sleep(PACE_MS * 4);
    let stuck = 0;
    while (reached < IMAGES) {
      const before = reached;
      tmux('send-keys', '-t', name, 'NPage');
      const moved = await until(() => {
        const p = position(capture());
        return p !== null && p !== before ? p : null;
      }, 10_000);
      if (moved === null) {
        // On the last page PgDn no longer moves; elsewhere a loaded machine was slow: again.
        if (++stuck >= 3) {
          note = `PgDn stopped moving at ${reached}/${IMAGES}`;
          break;
        }
        continue;
      }
      stuck = 0;
      reached = moved;
      pages++;
      await sleep(PACE_MS);
    }
    await sleep(PACE_MS * 4);
    const s = status(pid);
    if (s) hwm = Math.max(hwm, s.hwm);
  } catch (err) {
    note = (err as Error).message.split('\n').filter(Boolean).slice(0, 4).join(' / ');
  } finally {
    clearInterval(sampler);
    try {
      tmux('send-keys', '-t', name, 'q');
      await until(() => !existsSync(`/proc/${pid}`), 10_000);
    } finally {
      spawnSync('tmux', ['-L', socket, 'kill-session', '-t', name]);
    }
  }
  const samples = probeSamples(probeOut);
  return { parts: peakSample(samples), cpu: cpuSeconds(samples), peak, hwm, pages, reached, ...(note ? { note } : {}) };
}

if (spawnSync('tmux', ['-V']).status !== 0) {
  log('tmux not found: memory benchmark skipped');
  process.exit(0);
}
const { bin: BIN, command: COMMAND } = benchBuild();
await makeLibrary();
// A session that holds the server up, so allow-passthrough is set before any run starts.
tmux('new-session', '-d', '-s', 'keep', 'sleep 86400');
tmux('set', '-g', 'allow-passthrough', 'on');
// A pane whose program died stays, so its last screen can be reported.
tmux('set', '-g', 'remain-on-exit', 'on');
log(`binary: ${COMMAND.join(' ')}${EXTRA_ENV.length ? `, environment ${EXTRA_ENV.join(' ')}` : ''}`);
log(`\n## lighttable RSS paging through ${IMAGES} images in tmux (peak of VmRSS sampled every 20 ms, and VmHWM)`);
let over = 0;
try {
  for (const [cols, rows] of TERMS) {
    for (const protocol of PROTOCOLS) {
      for (const mb of SIZES_MB) {
        const r = await runOne(protocol, mb, cols, rows);
        const peak = Math.max(r.peak, r.hwm);
        const goal = (mb + HEADROOM_MB) * MiB;
        const held = peak <= goal;
        if (!held) over++;
        log(
          `${protocol.padEnd(6)} ${cols}x${rows} cacheSizeMB ${String(mb).padStart(3)}: peak RSS ${(peak / MiB).toFixed(0)} MiB ` +
            `(sampled ${(r.peak / MiB).toFixed(0)}, VmHWM ${(r.hwm / MiB).toFixed(0)}) | goal <= preference + ${HEADROOM_MB} = ${mb + HEADROOM_MB} MiB | ` +
            `ratio ${(peak / goal).toFixed(2)} ${held ? 'ok' : 'OVER'} | ${r.pages} page turns, reached ${r.reached}/${IMAGES}${r.note ? ` (${r.note})` : ''}${r.cpu === null ? '' : `, CPU ${r.cpu.toFixed(1)} s`} | ${describeParts(r.parts)}`,
        );
      }
    }
  }
} finally {
  spawnSync('tmux', ['-L', socket, 'kill-server']);
}
log(`\n${over === 0 ? 'every run within' : `${over} runs over`} preference + ${HEADROOM_MB} MiB`);

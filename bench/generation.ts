/**
 * RSS of the real lighttable (bin/termtable.js over dist/, rebuilt first) while it makes
 * every missing thumbnail in the background (`g`): 2,500 images imported without thumbnails,
 * an empty disk cache at each run, cacheSizeMB 64, in a tmux pane at 120x40. VmRSS is sampled
 * every 50 ms from the key until the status line says `generated N/N`; the line prints the
 * peak (and VmHWM) against the goal, preference + 150 MB, and the RSS at each quarter of the
 * run, so steady growth shows even when the peak is inside the goal.
 *
 * Run alone: `npm run bench -- generation`. GENERATION_IMAGES (2500), GENERATION_PROTOCOLS
 * (kitty), GENERATION_CACHE_MB (64); TERMTABLE_BENCH_BIN measures another build, and
 * GENERATION_WORK=DIR keeps its library apart. The line
 * ends with where the peak went and what the first sample held (memory-parts.ts: V8 heap,
 * external, anonymous RSS, threads); MEMORY_ENV and MEMORY_PROBE_SHARP try a setting
 * without a rebuild.
 */
import { rmSync, mkdirSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchBuild } from './build.js';
import { cpuSeconds, describeParts, EXTRA_ENV, peakSample, probeLaunch, probeSamples } from './memory-parts.js';
import { makePhotoLibrary } from './photo-set.js';
import { Pane, shq, sleep, tmuxAvailable, TmuxServer } from './tmux-pane.js';

const NODE = process.execPath;
const WORK = process.env.GENERATION_WORK ?? path.join(os.tmpdir(), 'termtable-bench-generation');
const IMAGES = Number(process.env.GENERATION_IMAGES ?? 2500);
const PROTOCOLS = (process.env.GENERATION_PROTOCOLS ?? 'kitty').split(',').filter(Boolean);
const CACHE_MB = Number(process.env.GENERATION_CACHE_MB ?? 64);
const HEADROOM_MB = 150;
const MiB = 1024 * 1024;
const LIBRARY = path.join(WORK, 'library.db');

const log = (line: string) => process.stdout.write(`${line}\n`);
const env = {
  XDG_DATA_HOME: path.join(WORK, 'data'),
  XDG_CACHE_HOME: path.join(WORK, 'cache'),
  XDG_CONFIG_HOME: path.join(WORK, 'config'),
};

/** Every run starts with nothing made: no thumbnails on disk, no saved memory cache. */
function emptyCaches(): void {
  const dir = path.join(env.XDG_CACHE_HOME, 'termtable');
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) rmSync(path.join(dir, name), { recursive: true, force: true });
}

function progress(screen: string): { done: number; total: number; finished: boolean } | null {
  const m = /(generating|generated)\D*?(\d+)\/(\d+)/.exec(screen);
  if (m) return { done: Number(m[2]), total: Number(m[3]), finished: m[1] === 'generated' };
  // At the end the status line may say so in words instead ("thumbnails generated up to mip1").
  return /thumbnails generated/.test(screen) ? { done: -1, total: -1, finished: true } : null;
}

async function runOne(server: TmuxServer, protocol: string): Promise<string> {
  emptyCaches();
  const probeOut = path.join(WORK, `probe-${protocol}.jsonl`);
  const probe = probeLaunch(probeOut);
  const words = [...Object.entries(env).map(([k, v]) => `${k}=${v}`), 'NODE_ENV=production', ...probe.env];
  const command = `env ${words.map(shq).join(' ')} ${COMMAND.map(shq).join(' ')} --library ${shq(LIBRARY)} --no-import --protocol ${protocol}`;
  const pane = new Pane(server, { name: `g-${protocol}`, cols: 120, rows: 40, command, outFile: path.join(WORK, `out-${protocol}.bin`) });
  const samples: { at: number; rss: number; done: number }[] = [];
  let done = 0;
  let total = IMAGES;
  let hwm = 0;
  let note = '';
  try {
    pane.start();
    const shown = Date.now() + 60_000;
    while (!/1\/\d+/.test(pane.screen())) {
      if (Date.now() > shown || !pane.alive()) throw new Error(`no grid within 60 s: ${pane.screen().trim().slice(0, 200)}`);
      await sleep(100);
    }
    const base = pane.memory();
    samples.push({ at: 0, rss: base?.rss ?? 0, done: 0 });
    const t0 = Date.now();
    pane.keys('g');
    let lastScreen = 0;
    for (;;) {
      await sleep(50);
      const m = pane.memory();
      if (!m) throw new Error('the lighttable exited during generation');
      hwm = Math.max(hwm, m.hwm);
      samples.push({ at: Date.now() - t0, rss: m.rss, done });
      if (Date.now() - lastScreen > 500) {
        lastScreen = Date.now();
        const p = progress(pane.screen());
        if (p) {
          if (p.done >= 0) {
            done = p.done;
            total = p.total;
          } else done = total;
          // The status line may show a message instead once it is over.
          if (p.finished || (p.total > 0 && p.done >= p.total)) break;
        }
      }
      if (Date.now() - t0 > 20 * 60_000) {
        note = ' (stopped after 20 min)';
        break;
      }
    }
  } catch (err) {
    note = ` (${(err as Error).message.split('\n')[0]})`;
  } finally {
    await pane.quit();
  }
  const peak = Math.max(hwm, ...samples.map((s) => s.rss));
  const goal = (CACHE_MB + HEADROOM_MB) * MiB;
  const ok = peak <= goal && note === '';
  const quarter = (q: number) => {
    const s = samples.find((x) => x.done >= (total * q) / 4) ?? samples[samples.length - 1];
    return s ? (s.rss / MiB).toFixed(0) : '-';
  };
  const seconds = samples.length ? samples[samples.length - 1]!.at / 1000 : 0;
  const parts = probeSamples(probeOut);
  const cpu = cpuSeconds(parts);
  return (
    `${protocol.padEnd(6)} background generation of ${done}/${total} thumbnails in ${seconds.toFixed(0)} s${cpu === null ? '' : ` (CPU ${cpu.toFixed(0)} s)`}, cacheSizeMB ${CACHE_MB}: ` +
    `peak RSS ${(peak / MiB).toFixed(0)} MiB (VmHWM ${(hwm / MiB).toFixed(0)}); at 0/25/50/75/100 %: ${[0, 1, 2, 3, 4].map(quarter).join(' → ')} MiB | ` +
    `goal <= preference + ${HEADROOM_MB} = ${CACHE_MB + HEADROOM_MB} MiB | ratio ${(peak / goal).toFixed(2)} ${ok ? 'ok' : 'OVER'}${note} | ` +
    `${describeParts(peakSample(parts))}; first sample: ${describeParts(parts[0] ?? null).replace('at peak: ', '')}`
  );
}

if (!tmuxAvailable()) {
  log('tmux not found: generation benchmark skipped');
  process.exit(0);
}
const { bin: BIN, command: COMMAND } = benchBuild();
log(`binary: ${COMMAND.join(' ')}${EXTRA_ENV.length ? `, environment ${EXTRA_ENV.join(' ')}` : ''}`);
await makePhotoLibrary({ work: WORK, library: LIBRARY, count: IMAGES, bin: BIN, env, log });
mkdirSync(path.join(env.XDG_CONFIG_HOME, 'termtable'), { recursive: true });
writeFileSync(path.join(env.XDG_CONFIG_HOME, 'termtable', 'config.json'), JSON.stringify({ cacheSizeMB: CACHE_MB }));
const server = new TmuxServer();
log(`\n## lighttable RSS during background generation (g), ${IMAGES} images, tmux 120x40`);
let over = 0;
try {
  for (const protocol of PROTOCOLS) {
    const line = await runOne(server, protocol);
    if (line.includes('OVER')) over++;
    log(line);
  }
} finally {
  server.kill();
}
log(`\n${over === 0 ? 'every run within' : `${over} runs over`} preference + ${HEADROOM_MB} MiB`);

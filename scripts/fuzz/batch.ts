import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { LEVEL_SIZES } from '../../src/cache/types.js';
import type { ChildEvent } from './child.js';

export type FailureKind = 'crash' | 'hang' | 'decode' | 'memory';

/** A mutant as a file to import. */
export interface BatchFile {
  name: string;
  bytes: Buffer;
}

export interface BatchFailure {
  file: string;
  kind: FailureKind;
  /** 'import' or 'thumbnails': where the batch was when it stopped. */
  phase: 'import' | 'thumbnails' | 'check';
  detail: string;
}

export interface BatchOptions {
  /** Longest wait for the child's next finished file once it is ready; then it is killed as hung. */
  budgetMs: number;
  /** Peak resident memory of the child and its subprocesses (dcraw_emu). */
  rssLimitBytes: number;
  /** More environment for the child (the fuzzer's own test sets TERMTABLE_FUZZ_SELFTEST). */
  childEnv?: Readonly<Record<string, string>>;
}

export interface BatchResult {
  failures: BatchFailure[];
  /** Thumbnails decoded with sharp after the run. */
  thumbnailsChecked: number;
  /** Files import refused (a clear error, not a failure). */
  importErrors: number;
  /** Files whose thumbnails could not be made (a skull with its cause, not a failure). */
  skulls: number;
  /** Skulls by their message, numbers stripped (what the mutants ran into). */
  skullCauses: Record<string, number>;
  /** Highest VmHWM seen, bytes. */
  peakRssBytes: number;
  /** Child processes started, including the bisection's. */
  children: number;
  /** Batches that failed as a whole but whose halves all passed alone (load, not a file). */
  unattributed: string[];
}

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
const REPO = path.resolve(path.dirname(CHILD), '../..');
const STDERR_TAIL = 4000;
const POLL_MS = 200;
const STARTUP_BUDGET_MS = 60_000;

interface ChildRun {
  events: ChildEvent[];
  outcome: 'ok' | 'hang' | 'memory' | 'crash';
  detail: string;
  peakRssBytes: number;
}

/** VmHWM (or VmRSS, which outlives nothing) of a process and all its descendants, bytes. */
function treeRss(pid: number): number {
  let total = 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmHWM:\s+(\d+) kB/.exec(status) ?? /VmRSS:\s+(\d+) kB/.exec(status);
    if (m) total += Number(m[1]) * 1024;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const kids = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      for (const k of kids ? kids.split(' ') : []) total += treeRss(Number(k));
    }
  } catch {
    // gone meanwhile
  }
  return total;
}

function runChild(dir: string, root: string, opts: BatchOptions): Promise<ChildRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, path.join(root, 'library.db')], {
      cwd: REPO,
      env: {
        ...process.env,
        XDG_DATA_HOME: path.join(root, 'data'),
        XDG_CACHE_HOME: path.join(root, 'cache'),
        XDG_CONFIG_HOME: path.join(root, 'config'),
        ...opts.childEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a kill also ends the raw decoders it started.
      detached: true,
    });
    const events: ChildEvent[] = [];
    let out = '';
    let err = '';
    let peak = 0;
    let killedFor: 'hang' | 'memory' | undefined;
    const kill = (why: 'hang' | 'memory') => {
      killedFor ??= why;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    // The budget is the longest wait for the next finished file, not for the whole batch: a
    // batch of big HEICs may take a while, a file that never finishes is the hang. Start-up
    // (node, tsx, sharp) has a budget of its own until the child says it is ready: at load 11 a
    // child given one file that is not an image took over 5 s, and was pinned as that file's hang.
    let timer = setTimeout(() => kill('hang'), Math.max(opts.budgetMs, STARTUP_BUDGET_MS));
    let started = false;
    child.stdout.on('data', (d: Buffer) => {
      if (started) timer.refresh();
      else {
        started = true;
        clearTimeout(timer);
        timer = setTimeout(() => kill('hang'), opts.budgetMs);
      }
      out += d.toString('utf8');
      let nl: number;
      while ((nl = out.indexOf('\n')) !== -1) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        try {
          events.push(JSON.parse(line) as ChildEvent);
        } catch {
          err += `stdout: ${line}\n`;
        }
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString('utf8')).slice(-STDERR_TAIL);
    });
    const poll = setInterval(() => {
      const rss = treeRss(child.pid!);
      peak = Math.max(peak, rss);
      if (rss > opts.rssLimitBytes) kill('memory');
    }, POLL_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearInterval(poll);
      const done = events.find((e) => e.ev === 'done');
      if (done?.ev === 'done') peak = Math.max(peak, done.hwmBytes);
      const tail = err.trim().split('\n').slice(-12).join('\n');
      if (killedFor === 'hang') {
        const detail = started ? `no file finished within ${opts.budgetMs} ms` : `not started within ${Math.max(opts.budgetMs, STARTUP_BUDGET_MS)} ms`;
        resolve({ events, outcome: 'hang', detail, peakRssBytes: peak });
      }
      else if (killedFor === 'memory')
        resolve({ events, outcome: 'memory', detail: `resident memory above ${opts.rssLimitBytes} bytes`, peakRssBytes: peak });
      else if (done && code === 0) resolve({ events, outcome: 'ok', detail: '', peakRssBytes: peak });
      else resolve({ events, outcome: 'crash', detail: `${signal ? `signal ${signal}` : `exit ${code}`}: ${tail}`, peakRssBytes: peak });
    });
  });
}

/** Every thumbnail in the disk cache must decode and fit its level; returns the failures. */
async function checkThumbnails(root: string, names: Map<number, string>): Promise<{ checked: number; failures: BatchFailure[] }> {
  const failures: BatchFailure[] = [];
  let checked = 0;
  const cacheRoot = path.join(root, 'cache', 'termtable');
  let dirs: string[] = [];
  try {
    dirs = readdirSync(cacheRoot).filter((d) => d.endsWith('.d'));
  } catch {
    return { checked, failures };
  }
  for (const d of dirs) {
    for (let level = 0; level < LEVEL_SIZES.length; level++) {
      let files: string[] = [];
      try {
        files = readdirSync(path.join(cacheRoot, d, String(level))).filter((f) => /^\d+\.jpg$/.test(f));
      } catch {
        continue;
      }
      for (const f of files) {
        const id = Number(f.slice(0, -4));
        const file = names.get(id) ?? `image ${id}`;
        checked++;
        try {
          const { info } = await sharp(path.join(cacheRoot, d, String(level), f), { failOn: 'warning' })
            .raw()
            .toBuffer({ resolveWithObject: true });
          const edge = LEVEL_SIZES[level]!;
          if (info.width > edge || info.height > edge) {
            failures.push({ file, kind: 'decode', phase: 'check', detail: `mip${level} is ${info.width}x${info.height}, above ${edge}` });
          }
        } catch (e) {
          failures.push({ file, kind: 'decode', phase: 'check', detail: `mip${level} does not decode: ${(e as Error).message}` });
        }
      }
    }
  }
  return { checked, failures };
}

/**
 * Imports the files in one child process and checks what it wrote. When the child hangs,
 * crashes or outgrows the memory bound, the files it had not finished are run again in
 * halves until each failure is pinned to one file.
 */
export async function runBatch(files: readonly BatchFile[], opts: BatchOptions): Promise<BatchResult> {
  const result: BatchResult = {
    failures: [],
    thumbnailsChecked: 0,
    importErrors: 0,
    skulls: 0,
    skullCauses: {},
    peakRssBytes: 0,
    children: 0,
    unattributed: [],
  };
  await runInto(files, opts, result, 0);
  return result;
}

/** depth > 0: a bisection re-run, whose files were counted already (only new failures are added). */
async function runInto(files: readonly BatchFile[], opts: BatchOptions, result: BatchResult, depth: number): Promise<boolean> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'tt-fuzz-'));
  try {
    const dir = path.join(root, 'photos');
    mkdirSync(dir);
    for (const f of files) writeFileSync(path.join(dir, f.name), f.bytes);
    const run = await runChild(dir, root, opts);
    result.children++;
    result.peakRssBytes = Math.max(result.peakRssBytes, run.peakRssBytes);
    const imported = new Set<string>();
    const thumbed = new Set<string>();
    const names = new Map<number, string>();
    let importDone = false;
    for (const e of run.events) {
      if (e.ev === 'imported') imported.add(e.file);
      else if (e.ev === 'thumb') {
        thumbed.add(e.file);
        if (e.failed && depth === 0) {
          result.skulls++;
          const cause = e.failed.split(dir).join('DIR').replace(/\d+/g, 'N').slice(0, 80);
          result.skullCauses[cause] = (result.skullCauses[cause] ?? 0) + 1;
        }
      } else if (e.ev === 'import-done') {
        importDone = true;
        for (const [id, name] of e.ids) names.set(id, name);
        if (depth === 0) result.importErrors += e.errors.length;
      }
    }
    const check = await checkThumbnails(root, names);
    if (depth === 0) result.thumbnailsChecked += check.checked;
    for (const f of check.failures) {
      if (!result.failures.some((x) => x.file === f.file && x.detail === f.detail)) result.failures.push(f);
    }
    if (run.outcome === 'ok') return true;

    const phase = importDone ? 'thumbnails' : 'import';
    const withId = new Set(names.values());
    const unfinished = files.filter((f) => (importDone ? withId.has(f.name) && !thumbed.has(f.name) : !imported.has(f.name)));
    const suspects = unfinished.length ? unfinished : [...files];
    if (suspects.length === 1) {
      result.failures.push({ file: suspects[0]!.name, kind: run.outcome, phase, detail: run.detail });
      return false;
    }
    const half = Math.ceil(suspects.length / 2);
    const a = await runInto(suspects.slice(0, half), opts, result, depth + 1);
    const b = await runInto(suspects.slice(half), opts, result, depth + 1);
    if (a && b) result.unattributed.push(`${run.outcome} in ${phase} of [${suspects.map((s) => s.name).join(', ')}]: ${run.detail}`);
    return false;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

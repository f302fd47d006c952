/**
 * Reading a `tty-bytes record` recording for bench/next-image.ts: script(1)'s timing log
 * (one `I|O DELAY BYTES` line per read or write, `-f` so it grows as they happen) and io.log
 * (both streams, in that order). Gives each key typed (Enter, Right) with what termtable
 * wrote to its pty from then until the next key, timed by script itself, so neither tmux's
 * redraw nor this process's polling is counted.
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import path from 'node:path';

export interface KeyRow {
  key: 'Enter' | 'Right' | 'q';
  /** Seconds from the start of the recording. */
  at: number;
  /** From the key to the last byte written before the next key. */
  lastMs: number | null;
  /**
   * From the key to the last byte of what it shows: lastMs without the kitty pictures sent
   * ahead after it (transmitted, not placed: the next neighbours), nor the pacing queries
   * between their chunks.
   */
  shownMs: number | null;
  /** The bytes up to the last one of what it shows (a plain writer's floor writes them again). */
  shownOutput: string;
  outBytes: number;
  /** Bytes inside image escape sequences (kitty graphics, sixel, iTerm2 inline images) of what it shows. */
  imageBytes: number;
}

const KEYS: [KeyRow['key'], RegExp][] = [
  ['Right', /\x1b(\[|O)C/],
  ['Enter', /\r/],
  ['q', /^q$/],
];

function imageBytes(text: string): number {
  let n = 0;
  for (const m of text.matchAll(/\x1b{1,2}_G[^\x1b]*|\x1b{1,2}P[0-9;]*q[^\x1b]*|\x1b{1,2}\]1337;File=[^\x07\x1b]*/g)) n += m[0].length;
  return n;
}

/** A kitty command, inside a tmux passthrough or not: its control keys in group 1. */
const KITTY_COMMAND = /(?:\x1bPtmux;)?\x1b{1,2}_G([^;\x1b]*)(?:;[^\x1b]*)?\x1b{1,2}\\(?:\x1b\\)?/g;
const DSR = /\x1b\[[56]n/g;

function controls(keys: string): Map<string, string> {
  return new Map(keys.split(',').map((kv) => kv.split('=') as [string, string]));
}

/**
 * Which characters of a key's output belong to transfers ahead: kitty images transmitted and
 * not placed in it, the chunks that continue them, and DSR marks.
 */
function aheadMask(text: string): Uint8Array {
  const mask = new Uint8Array(text.length);
  const commands = [...text.matchAll(KITTY_COMMAND)].map((m) => ({ at: m.index, end: m.index + m[0].length, keys: controls(m[1] ?? '') }));
  const placed = new Set(commands.filter((c) => c.keys.get('a') === 'p').map((c) => c.keys.get('i')));
  let ahead = false;
  for (const c of commands) {
    const a = c.keys.get('a');
    if (a === 't' || a === 'T') ahead = !placed.has(c.keys.get('i'));
    else if (a !== undefined) continue;
    if (ahead) mask.fill(1, c.at, c.end);
    if (c.keys.get('m') !== '1') ahead = false;
  }
  for (const m of text.matchAll(DSR)) mask.fill(1, m.index, m.index + m[0].length);
  return mask;
}

/**
 * Reads output as it comes and says whether new bytes show something: text, a placement, a
 * sixel, not kitty pixels in transit (a picture sent ahead, or one whose placement is still to
 * come) nor DSR marks. Commands split between reads wait for their end.
 */
export class ShownScanner {
  #pos = 0;

  /** Whether output[pos…] holds anything shown; consumes up to the last complete command. */
  scan(output: string): boolean {
    let shown = false;
    const outside = (text: string) => {
      if (text.replace(DSR, '').replace(/\x1b\\/g, '').length > 0) shown = true;
    };
    const re = new RegExp(KITTY_COMMAND.source, 'g');
    re.lastIndex = this.#pos;
    for (let m = re.exec(output); m; m = re.exec(output)) {
      outside(output.slice(this.#pos, m.index));
      if (controls(m[1] ?? '').get('a') === 'p') shown = true;
      this.#pos = m.index + m[0].length;
    }
    const rest = output.slice(this.#pos);
    const open = rest.search(/(?:\x1bPtmux;)?\x1b{1,2}_G/);
    // An unfinished command (or an ESC that may start one) waits for the next read.
    const cut = open >= 0 ? open : rest.endsWith('\x1b') ? rest.length - 1 : rest.length;
    outside(rest.slice(0, cut));
    this.#pos += cut;
    return shown;
  }
}

export function readRecording(dir: string): KeyRow[] {
  const raw = readFileSync(path.join(dir, 'io.log'));
  let pos = raw.subarray(0, 14).toString('latin1') === 'Script started' ? raw.indexOf(0x0a) + 1 : 0;
  const rows: (KeyRow & { text: string[]; times: number[]; last: number | null })[] = [];
  let t = 0;
  for (const line of readFileSync(path.join(dir, 'timing.log'), 'latin1').split('\n')) {
    const [kind, delta, bytes] = line.split(' ');
    if (!kind || kind === 'H' || bytes === undefined) continue;
    t += Number(delta);
    if (kind !== 'I' && kind !== 'O') continue;
    const data = raw.subarray(pos, pos + Number(bytes)).toString('latin1');
    pos += Number(bytes);
    const cur = rows.at(-1);
    if (kind === 'I') {
      const key = KEYS.find(([, re]) => re.test(data))?.[0];
      if (key) rows.push({ key, at: t, lastMs: null, shownMs: null, shownOutput: '', outBytes: 0, imageBytes: 0, text: [], times: [], last: null });
      continue;
    }
    if (!cur) continue;
    cur.outBytes += data.length;
    cur.text.push(data);
    cur.times.push(t);
    cur.last = t;
  }
  const msAfter = (t: number | null, at: number) => (t === null ? null : Math.round((t - at) * 10_000) / 10);
  return rows.map(({ text, times, last, ...row }) => {
    const all = text.join('');
    const mask = aheadMask(all);
    let shown: number | null = null;
    let shownEnd = 0;
    let at = 0;
    text.forEach((chunk, i) => {
      at += chunk.length;
      if (mask.subarray(at - chunk.length, at).includes(0)) {
        shown = times[i]!;
        shownEnd = at;
      }
    });
    return { ...row, lastMs: msAfter(last, row.at), shownMs: msAfter(shown, row.at), shownOutput: all.slice(0, shownEnd), imageBytes: imageBytes(all.slice(0, shownEnd)) };
  });
}

/** Resolves once the recording has not grown for quietMs (false when maxMs passed first). */
export async function quiet(dir: string, quietMs: number, maxMs: number): Promise<boolean> {
  const file = path.join(dir, 'timing.log');
  const end = Date.now() + maxMs;
  let size = -1;
  let since = Date.now();
  for (;;) {
    let now = -1;
    try {
      now = statSync(file).size;
    } catch {
      // not created yet
    }
    if (now !== size) {
      size = now;
      since = Date.now();
    } else if (now > 0 && Date.now() - since >= quietMs) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
}

function cpuTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

/**
 * Resolves once the process (worker threads included) used no CPU for idleMs: the neighbours'
 * fetches and encodes are done and nothing is left for the next key but to write.
 */
export async function cpuIdle(pid: number, idleMs: number, maxMs: number): Promise<boolean> {
  const end = Date.now() + maxMs;
  // One clock tick (10 ms) in the window is still idle: the lighttable's once-a-second timers
  // (background scoring's trickle, the re-attach poll) cost a tick now and then, and counting
  // it kept this waiting its full 30 s before most keys.
  const samples: { at: number; ticks: number }[] = [];
  while (Date.now() < end) {
    const now = cpuTicks(pid);
    if (now === null) return false;
    const at = Date.now();
    samples.push({ at, ticks: now });
    while (samples.length > 1 && at - samples[1]!.at >= idleMs) samples.shift();
    const first = samples[0]!;
    if (at - first.at >= idleMs && now - first.ticks <= 1) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/**
 * Follows the timing log as it grows: `written()` resolves once at least minBytes were
 * written since the last mark() and then nothing for quietMs (a picture is bytes in a burst:
 * a pause inside a decode is not its end). Given a predicate on the output instead, it
 * resolves once that holds and nothing but transfers ahead (aheadMask) came for quietMs.
 */
export class Tail {
  readonly #file: string;
  readonly #io: string;
  #offset = 0;
  #partial = '';
  #out = 0;
  #mark = 0;
  /** Where io.log's next record starts (after script's header line), and the output since mark(). */
  #ioPos = -1;
  #since = '';

  constructor(dir: string) {
    this.#file = path.join(dir, 'timing.log');
    this.#io = path.join(dir, 'io.log');
  }

  mark(): void {
    this.#read();
    this.#mark = this.#out;
    this.#since = '';
  }

  /** onGrow runs whenever the log grew (bench: a CPU sample at the last write). */
  async written(minBytes: number | ((since: string) => boolean), quietMs: number, maxMs: number, onGrow?: () => void): Promise<boolean> {
    const byContent = typeof minBytes !== 'number';
    const enough = () => (byContent ? minBytes(this.#since) : this.#out - this.#mark >= minBytes);
    const scanner = new ShownScanner();
    const end = Date.now() + maxMs;
    let last = this.#offset;
    let since = Date.now();
    while (Date.now() < end) {
      this.#read();
      if (this.#offset !== last) {
        last = this.#offset;
        // By content, only output that shows something starts the quiet spell again.
        if (!byContent || scanner.scan(this.#since)) {
          since = Date.now();
          onGrow?.();
        }
      } else if (enough() && Date.now() - since >= quietMs) return true;
      await new Promise((r) => setTimeout(r, 10));
    }
    return false;
  }



  #read(): void {
    let text: string;
    try {
      const buf = readFileSync(this.#file);
      text = buf.subarray(this.#offset).toString('latin1');
      this.#offset = buf.length;
    } catch {
      return;
    }
    const lines = (this.#partial + text).split('\n');
    this.#partial = lines.pop() ?? '';
    let fd: number | null = null;
    try {
      fd = openSync(this.#io, 'r');
      if (this.#ioPos < 0) {
        const head = Buffer.alloc(256);
        const n = readSync(fd, head, 0, head.length, 0);
        const text = head.subarray(0, n).toString('latin1');
        this.#ioPos = text.startsWith('Script started') ? text.indexOf('\n') + 1 : 0;
      }
      for (const line of lines) {
        const [kind, , bytes] = line.split(' ');
        if (kind !== 'I' && kind !== 'O') continue;
        const n = Number(bytes);
        if (kind === 'O') {
          this.#out += n;
          const buf = Buffer.alloc(n);
          readSync(fd, buf, 0, n, this.#ioPos);
          this.#since += buf.toString('latin1');
        }
        this.#ioPos += n;
      }
    } catch {
      // io.log not there yet: counted by the timing log alone
      for (const line of lines) {
        const [kind, , bytes] = line.split(' ');
        if (kind === 'O') this.#out += Number(bytes);
      }
    } finally {
      if (fd !== null) closeSync(fd);
    }
  }
}

/**
 * The main thread's time on a CPU and waiting in the run queue for one (ns, /proc schedstat):
 * on a loaded machine the wait says how much of a key's time was the machine, not termtable.
 */
export function schedstat(pid: number): { runNs: number; waitNs: number } | null {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').trim().split(' ').map(Number);
    return { runNs: run!, waitNs: wait! };
  } catch {
    return null;
  }
}

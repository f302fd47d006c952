/**
 * A program run in a tmux pane for the whole-process lighttable benchmarks (launch, memory
 * during generation): tmux is the terminal, so the program writes to a real pty and its
 * queries (cursor position, device attributes) are answered. `pipe-pane -O` copies every
 * byte the program writes to a file, so a benchmark sees when the output stops and what
 * pictures it held, not only the text screen `capture-pane` shows.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function tmuxAvailable(): boolean {
  return spawnSync('tmux', ['-V']).status === 0;
}

/** One private tmux server (its own socket) for a benchmark process. */
export class TmuxServer {
  readonly socket = `tt-bench-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  constructor() {
    // A session that holds the server up, so options are set before any pane starts.
    this.run('new-session', '-d', '-s', 'keep', 'sleep 86400');
    this.run('set', '-g', 'allow-passthrough', 'on');
    this.run('set', '-g', 'remain-on-exit', 'on');
  }

  run(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  kill(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server']);
  }
}

export interface PaneOptions {
  name: string;
  cols: number;
  rows: number;
  /** The command line, already quoted for sh. */
  command: string;
  /** Where the pane's output is copied. */
  outFile: string;
}

/**
 * A pane whose program starts when start() is called: the shell waits for a line first, so
 * the output copy is in place before the program writes its first byte, and the clock starts
 * with the key that releases it.
 */
export class Pane {
  pid = 0;
  startedAt = 0;

  constructor(
    readonly server: TmuxServer,
    readonly opts: PaneOptions,
  ) {
    rmSync(opts.outFile, { force: true });
    const wrapped = `read _go; exec ${opts.command}`;
    server.run('new-session', '-d', '-s', opts.name, '-x', String(opts.cols), '-y', String(opts.rows), `exec sh -c ${shq(wrapped)}`);
    this.pid = Number(server.run('display', '-p', '-t', opts.name, '#{pane_pid}').trim());
    server.run('pipe-pane', '-O', '-t', opts.name, `cat >> ${shq(opts.outFile)}`);
  }

  start(): void {
    this.startedAt = performance.now();
    this.server.run('send-keys', '-t', this.opts.name, 'Enter');
  }

  keys(...keys: string[]): void {
    this.server.run('send-keys', '-t', this.opts.name, ...keys);
  }

  screen(): string {
    return this.server.run('capture-pane', '-p', '-t', this.opts.name);
  }

  alive(): boolean {
    return existsSync(`/proc/${this.pid}`);
  }

  outputBytes(): number {
    try {
      return statSync(this.opts.outFile).size;
    } catch {
      return 0;
    }
  }

  output(): Buffer {
    try {
      return readFileSync(this.opts.outFile);
    } catch {
      return Buffer.alloc(0);
    }
  }

  /**
   * Waits until the output has not grown for `quietMs` (after at least `minBytes`), polling
   * every 5 ms; returns the time of the last growth in ms after start(), or null at the timeout.
   */
  async lastByteAfterQuiet(quietMs: number, timeoutMs: number, minBytes = 1): Promise<number | null> {
    let size = this.outputBytes();
    let grewAt = performance.now();
    const end = performance.now() + timeoutMs;
    while (performance.now() < end) {
      await sleep(5);
      const now = this.outputBytes();
      if (now !== size) {
        size = now;
        grewAt = performance.now();
      } else if (size >= minBytes && performance.now() - grewAt >= quietMs) {
        return grewAt - this.startedAt;
      }
      if (!this.alive()) return null;
    }
    return null;
  }

  /** Process status from /proc: resident set now and the kernel's peak, in bytes. */
  memory(): { rss: number; hwm: number } | null {
    try {
      const text = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
      return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
    } catch {
      return null;
    }
  }

  async quit(): Promise<void> {
    try {
      if (this.alive()) this.keys('q');
      const end = Date.now() + 10_000;
      while (this.alive() && Date.now() < end) await sleep(25);
    } finally {
      spawnSync('tmux', ['-L', this.server.socket, 'kill-session', '-t', this.opts.name]);
    }
  }
}

export function shq(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}

/**
 * Pictures in a recorded output stream, whichever way they were sent: kitty graphics
 * placements (a=p, or a=T: transmit and show), sixel
 * images (DCS … q), and, for half-blocks, cells drawn with the upper/lower half block.
 * Inside tmux passthrough an ESC is doubled, so both spellings are counted.
 */
export function picturesIn(bytes: Buffer): { kitty: number; sixel: number; halfBlocks: number } {
  const text = bytes.toString('latin1');
  const kitty = (text.match(/\x1b{1,2}_G[^;\x1b]*a=[Tp]/g) ?? []).length;
  const sixel = (text.match(/\x1b{1,2}P[0-9;]*q/g) ?? []).filter((s) => !s.includes('tmux')).length;
  const utf8 = bytes.toString('utf8');
  const halfBlocks = (utf8.match(/[▀▄]/g) ?? []).length;
  return { kitty, sixel, halfBlocks };
}

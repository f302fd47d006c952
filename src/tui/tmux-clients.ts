import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Asks tmux which client of the session was active last, through one shell started once and
 * kept: each question is a line on its stdin, and the shell starts `tmux list-clients`.
 *
 * Why not a process per question: starting a process forks this one, and the fork blocks the
 * event loop while the kernel copies the lighttable's page tables. The re-attach poll asks every
 * 2 s: a CPU profile of the next-image bench in tmux had 843 ms of the main thread in
 * ChildProcess.spawn over 70 polls (12 ms each at load 9; 50-120 ms profiled inside tmux
 * before). A culler looks at a picture for about the poll's period, so the next key often came
 * while a fork held the loop. The shell's own forks are a small process's.
 */
export type ClientAnswer = string | null | undefined;

export interface TmuxClientQuery {
  /**
   * The pid of the most recently active client; null: none attached; undefined: tmux did not
   * answer in time or failed (a caller ignores it).
   */
  activeClient(): Promise<ClientAnswer>;
  stop(): void;
}

// The answer's end: ASCII record separator, tmux's exit status, newline. tmux prints numbers only.
const END = '\x1e';
const SCRIPT =
  'while IFS= read -r _; do ' +
  `tmux list-clients \${TMUX_PANE:+-t "$TMUX_PANE"} -F '#{client_activity} #{client_pid}' 2>/dev/null; ` +
  `printf '${END}%s\\n' "$?"; done`;
// A client line is two numbers; anything longer than this is not tmux's answer.
const MAX_ANSWER = 64 * 1024;

interface Pending {
  resolve: (answer: ClientAnswer) => void;
  timer: NodeJS.Timeout;
}

function parseClients(out: string, status: string): ClientAnswer {
  if (status !== '0') return undefined;
  const clients = out
    .split('\n')
    .map((l) => l.trim().split(' '))
    .filter((c) => c.length === 2)
    .sort((x, y) => Number(y[0]) - Number(x[0]));
  return clients[0]?.[1] ?? null;
}

export function tmuxClientQuery(env: NodeJS.ProcessEnv, timeoutMs = 1000): TmuxClientQuery {
  let shell: ChildProcess | null = null;
  let buffer = '';
  let stopped = false;
  const pending: Pending[] = [];

  const failAll = () => {
    for (const p of pending.splice(0)) {
      clearTimeout(p.timer);
      p.resolve(undefined);
    }
  };
  // A late answer would be taken for the next question's: start afresh instead.
  const drop = () => {
    const s = shell;
    shell = null;
    buffer = '';
    failAll();
    if (s && s.exitCode === null) s.kill('SIGKILL');
  };
  const onData = (chunk: Buffer) => {
    buffer += chunk.toString('latin1');
    for (;;) {
      const end = buffer.indexOf(END);
      const nl = end < 0 ? -1 : buffer.indexOf('\n', end);
      if (nl < 0) break;
      const answer = parseClients(buffer.slice(0, end), buffer.slice(end + 1, nl));
      buffer = buffer.slice(nl + 1);
      const p = pending.shift();
      if (p) {
        clearTimeout(p.timer);
        p.resolve(answer);
      }
    }
    if (buffer.length > MAX_ANSWER) drop();
  };
  const start = (): ChildProcess | null => {
    let s: ChildProcess;
    try {
      s = spawn('/bin/sh', ['-c', SCRIPT], { stdio: ['pipe', 'pipe', 'ignore'], env });
    } catch {
      return null;
    }
    s.on('error', () => shell === s && drop());
    s.on('exit', () => shell === s && drop());
    s.stdin?.on('error', () => shell === s && drop());
    s.stdout?.on('data', onData);
    // Never what keeps the app running; its stdin closing at exit ends the loop.
    s.unref();
    (s.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    (s.stdout as unknown as { unref?: () => void } | null)?.unref?.();
    return s;
  };

  return {
    activeClient() {
      if (stopped) return Promise.resolve(undefined);
      shell ??= start();
      const s = shell;
      if (!s?.stdin?.writable) {
        drop();
        return Promise.resolve(undefined);
      }
      return new Promise<ClientAnswer>((resolve) => {
        const timer = setTimeout(drop, timeoutMs);
        timer.unref();
        pending.push({ resolve, timer });
        s.stdin!.write('\n');
      });
    },
    stop() {
      stopped = true;
      const s = shell;
      shell = null;
      failAll();
      s?.stdin?.end();
    },
  };
}

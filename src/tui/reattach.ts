import { execFile } from 'node:child_process';
import type { TerminalCaps } from '../render/types.js';

/**
 * Notices when the terminal may have lost what it showed, so everything on screen is sent again:
 *
 * - inside tmux, a client attached (the usual SSH workflow: detach, log in again, re-attach):
 *   tmux replays its own text grid but knows nothing of pictures passed through, and kitty drops
 *   the images of a client that went away. Seen as a focus-in event (`CSI ? 1004 h`, with tmux's
 *   focus-events on) or, polled, as a different client pid;
 * - after Ctrl-Z and `fg` (SIGCONT), the shell has used the screen meanwhile.
 *
 * Outside tmux a focus change loses nothing, so it is ignored there: re-sending every picture on
 * each window switch would cost a page of bytes over SSH. A resize is the graphics layer's own
 * (stdout 'resize').
 *
 * A new tmux client may be another kind of terminal (a session started in kitty, re-attached
 * from xterm): with `onReattach` the terminal is asked again before anything is redrawn
 * (reprobe.ts), so it gets the protocol, cell size and colours it has.
 */
export interface ReattachOptions {
  caps: Pick<TerminalCaps, 'inTmux'>;
  onLost: () => void;
  /** A different tmux client attached: probe it and redraw (default: onLost). */
  onReattach?: () => void;
  /** How often to ask tmux which client is attached. @default 2000 */
  pollMs?: number;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
}

export interface ReattachWatch {
  focusIn(): void;
  /**
   * Input arrived (a key, a terminal's answer). The poll waits for a quiet spell: starting a
   * process forks this one, which stalls its event loop for 50-120 ms at a lighttable's RSS
   * (profiled inside tmux), and a key typed meanwhile would wait for it. A re-attach is quiet
   * (nobody types while attaching) and also sends a focus-in where tmux has focus-events.
   */
  input(): void;
  stop(): void;
}

/**
 * The pid of the session's most recently active client; null: none attached (`display -p`
 * fails then, like any error, so a session started detached never saw its first client);
 * undefined: tmux did not answer (ignored).
 */
function tmuxClientPid(env: NodeJS.ProcessEnv): Promise<string | null | undefined> {
  const target = env.TMUX_PANE ? ['-t', env.TMUX_PANE] : [];
  return new Promise((resolve) => {
    execFile('tmux', ['list-clients', ...target, '-F', '#{client_activity} #{client_pid}'], { timeout: 1000, env }, (err, out) => {
      if (err) return resolve(undefined);
      const clients = String(out)
        .split('\n')
        .map((l) => l.trim().split(' '))
        .filter((c) => c.length === 2)
        .sort((x, y) => Number(y[0]) - Number(x[0]));
      resolve(clients[0]?.[1] ?? null);
    });
  });
}

export function watchReattach(opts: ReattachOptions): ReattachWatch {
  const env = opts.env ?? process.env;
  let stopped = false;
  // undefined: not asked yet; null: no client attached (a session started detached).
  let client: string | null | undefined = undefined;
  let timer: NodeJS.Timeout | null = null;
  let lostAt = -Infinity;
  let inputAt = -Infinity;
  const pollMs = opts.pollMs ?? 2000;
  // A focus-in and the poll seeing the new client are one re-attach: send everything once.
  const lost = (reattached = false) => {
    const now = Date.now();
    if (now - lostAt < pollMs * 1.5) return;
    lostAt = now;
    if (reattached && opts.onReattach) opts.onReattach();
    else opts.onLost();
  };

  const onCont = () => {
    if (stopped) return;
    lostAt = Date.now();
    opts.onLost();
  };
  process.on('SIGCONT', onCont);

  if (opts.caps.inTmux) {
    void tmuxClientPid(env).then((pid) => (client = pid));
    timer = setInterval(() => {
      if (Date.now() - inputAt < pollMs) return;
      void tmuxClientPid(env).then((pid) => {
        if (stopped || pid === undefined) return;
        if (pid !== null && client !== undefined && pid !== client) lost(true);
        client = pid;
      });
    }, pollMs);
    timer.unref();
  }

  return {
    focusIn() {
      if (stopped || !opts.caps.inTmux) return;
      if (!opts.onReattach) {
        lost();
        void tmuxClientPid(env).then((pid) => {
          if (pid != null) client = pid;
        });
        return;
      }
      // Which client gained focus decides: a new one may be another terminal, to be asked first.
      void tmuxClientPid(env).then((pid) => {
        if (stopped) return;
        lost(pid != null && client !== undefined && pid !== client);
        if (pid !== undefined) client = pid;
      });
    },
    input() {
      inputAt = Date.now();
    },
    stop() {
      stopped = true;
      process.off('SIGCONT', onCont);
      if (timer) clearInterval(timer);
    },
  };
}

import type { TerminalCaps } from '../render/types.js';
import { tmuxClientQuery } from './tmux-clients.js';

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
   * Input arrived (a key, a terminal's answer). The poll waits for a quiet spell: each poll
   * starts a tmux process (from the shell of tmux-clients.ts, not by forking the lighttable),
   * which costs the tmux server and a core some work while keys may be coming. A re-attach is
   * quiet (nobody types while attaching) and also sends a focus-in where tmux has focus-events.
   */
  input(): void;
  stop(): void;
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
  const query = opts.caps.inTmux ? tmuxClientQuery(env) : null;
  const tmuxClientPid = () => query?.activeClient() ?? Promise.resolve(undefined);
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
    void tmuxClientPid().then((pid) => (client = pid));
    timer = setInterval(() => {
      if (Date.now() - inputAt < pollMs) return;
      void tmuxClientPid().then((pid) => {
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
        void tmuxClientPid().then((pid) => {
          if (pid != null) client = pid;
        });
        return;
      }
      // Which client gained focus decides: a new one may be another terminal, to be asked first.
      void tmuxClientPid().then((pid) => {
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
      query?.stop();
    },
  };
}

/**
 * What the environment says about the terminal without asking it: tmux's settings (the tmux
 * command; tmux ignores graphics queries) and TERM's terminfo colours (`tput`). detect.ts and
 * the re-probe (src/tui/reprobe.ts) decide from these.
 */
import { execFile } from 'node:child_process';

export type DetectEnv = Readonly<Record<string, string | undefined>>;

/** tmux's own settings, read with the tmux command (it ignores graphics queries). */
export interface TmuxInfo {
  /** `allow-passthrough` is on (or all). */
  passthrough: boolean;
  /** The client terminal has tmux's RGB feature (24-bit colour reaches it). */
  rgb: boolean;
  /**
   * The client terminal has tmux's 256 feature; null when tmux did not say (no client, an old
   * tmux without client_termfeatures).
   */
  colours256?: boolean | null;
  /** The pane's position on the outer terminal (0-based). */
  paneTop: number;
  paneLeft: number;
}

function run(cmd: string, args: string[], env: DetectEnv): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 1000, env: env as NodeJS.ProcessEnv }, (err, stdout) =>
      resolve(err ? null : String(stdout).trim()),
    );
  });
}

/** Colours in TERM's terminfo entry (`tput colors`), null when there is none or no tput. */
export async function readTerminfoColours(env: DetectEnv = process.env): Promise<number | null> {
  const term = env.TERM;
  if (!term || !/^[\w.+-]{1,64}$/.test(term)) return null;
  const out = await run('tput', ['-T', term, 'colors'], env);
  const n = out === null ? NaN : Number.parseInt(out, 10);
  return Number.isFinite(n) ? n : null;
}

/** Asks the tmux server about passthrough and RGB. */
export async function readTmuxInfo(env: DetectEnv = process.env): Promise<TmuxInfo> {
  const [pass, features, pane] = await Promise.all([
    run('tmux', ['show', '-gv', 'allow-passthrough'], env),
    run('tmux', ['display', '-p', '#{client_termfeatures}'], env),
    run('tmux', ['display', '-p', '#{pane_top} #{pane_left}'], env),
  ]);
  const [top, left] = (pane ?? '0 0').split(' ').map((n) => Number.parseInt(n, 10));
  const list = features ? features.split(',') : null;
  return {
    passthrough: pass === 'on' || pass === 'all',
    rgb: list?.includes('RGB') ?? false,
    colours256: list ? list.includes('256') || list.includes('RGB') : null,
    paneTop: Number.isInteger(top) && top! >= 0 ? top! : 0,
    paneLeft: Number.isInteger(left) && left! >= 0 ? left! : 0,
  };
}

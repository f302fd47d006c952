/**
 * Asking the terminal again while the lighttable runs: after a tmux re-attach the client may be
 * another kind of terminal (a session started in kitty, re-attached from xterm), and kitty
 * graphics sent there would stay blank boxes. Ink owns stdin by then, so the replies are taken
 * from the raw input as it passes (input(), fed by the keypress provider, which drops them as
 * keys); the queries are the start-up probe's (terminal-query.ts) and so is the decision
 * (detect.ts pickProtocol), with tmux's settings read again for the new client.
 */
import {
  pickProtocol,
  readTerminfoColours,
  readTmuxInfo,
  type DetectEnv,
  type ProtocolOverride,
  type TmuxInfo,
} from '../render/detect.js';
import { buildQueries, parseReplies, PROBE_TIMEOUT_MS } from '../render/terminal-query.js';
import type { TerminalCaps } from '../render/types.js';

export interface ReprobeOptions {
  /** Writes the queries (through the graphics layer, between pictures). */
  write(queries: string): void;
  /** @default process.env */
  env?: DetectEnv;
  /** --protocol or TERMTABLE_PROTOCOL (the preference is applied by the caller). */
  override?: ProtocolOverride | null;
  size(): { columns: number; rows: number };
  /** @default PROBE_TIMEOUT_MS */
  timeoutMs?: number;
  /** @default readTmuxInfo */
  tmuxInfo?: (env: DetectEnv) => Promise<TmuxInfo>;
  /** @default readTerminfoColours */
  terminfoColours?: (env: DetectEnv) => Promise<number | null>;
}

export interface Reprobe {
  /** Raw input as it arrives: while a probe waits, its replies are collected from it. */
  input(raw: string): void;
  /** The caps of the terminal attached now; null when it answered nothing (keep what we have). */
  probe(): Promise<TerminalCaps | null>;
}

export function createReprobe(opts: ReprobeOptions): Reprobe {
  const env = opts.env ?? process.env;
  let waiting: { text: string; done: () => void } | null = null;
  return {
    input(raw) {
      if (!waiting) return;
      waiting.text += raw;
      if (parseReplies(waiting.text).da1 !== null) waiting.done();
    },
    async probe() {
      const inTmux = Boolean(env.TMUX);
      const [tmux, colours] = await Promise.all([
        inTmux ? (opts.tmuxInfo ?? readTmuxInfo)(env) : null,
        (opts.terminfoColours ?? readTerminfoColours)(env),
      ]);
      const size = opts.size();
      // Inside tmux without passthrough the queries cannot reach the terminal: half-blocks, as at start.
      if (inTmux && !tmux?.passthrough) return pickProtocol(null, env, opts.override ?? null, tmux, size, colours);
      const text = await new Promise<string>((resolve) => {
        const state = { text: '', done: () => undefined as void };
        const timer = setTimeout(() => state.done(), opts.timeoutMs ?? PROBE_TIMEOUT_MS);
        state.done = () => {
          clearTimeout(timer);
          waiting = null;
          resolve(state.text);
        };
        waiting = state;
        opts.write(buildQueries(inTmux));
      });
      const answers = parseReplies(text);
      if (answers.da1 === null && answers.xtversion === null && !answers.kittyGraphics) return null;
      const caps = pickProtocol(answers, env, opts.override ?? null, tmux, size, colours);
      caps.reasons.unshift('asked again: a different tmux client attached');
      return caps;
    },
  };
}

/** Whether the terminal now attached needs other pictures or colours than `before`. */
export function terminalDiffers(before: TerminalCaps, after: TerminalCaps): boolean {
  return (
    before.protocol !== after.protocol ||
    before.kittyPlaceholders !== after.kittyPlaceholders ||
    before.cellPx.width !== after.cellPx.width ||
    before.cellPx.height !== after.cellPx.height ||
    before.colorDepth !== after.colorDepth ||
    before.truecolor !== after.truecolor ||
    before.sixelColors !== after.sixelColors ||
    before.passthrough !== after.passthrough
  );
}

export interface ReattachProbeOptions {
  layer: { holdPictures(): void; writeControl(bytes: string): void; redrawAll(): void };
  store: { terminalChanged(): void };
  reprobe: Reprobe;
  caps(): TerminalCaps;
  /** The new terminal's caps (the caller re-derives colours and the graphics port from them). */
  setCaps(caps: TerminalCaps): void;
}

/**
 * What a re-attach from a different tmux client does: pictures stop, the terminal is asked, and
 * everything is drawn once, in the protocol and cell size of the terminal that answered.
 */
export function reprobeOnReattach(opts: ReattachProbeOptions): () => void {
  let running = false;
  return () => {
    if (running) return;
    running = true;
    opts.layer.holdPictures();
    const finish = (next: TerminalCaps | null) => {
      running = false;
      if (next && terminalDiffers(opts.caps(), next)) {
        opts.setCaps(next);
        opts.store.terminalChanged();
      }
      opts.layer.redrawAll();
    };
    opts.reprobe.probe().then(finish, () => finish(null));
  };
}

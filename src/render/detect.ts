/**
 * Which graphics protocol the terminal speaks, decided once at start-up, before Ink takes stdin.
 * Order: an explicit choice (--protocol, TERMTABLE_PROTOCOL, the preference); then the terminal's
 * own answers to queries (XTVERSION, a kitty graphics query, DA1, XTSMGRAPHICS, CSI 16 t), wrapped
 * for tmux passthrough; environment variables only as a guess when the terminal stays silent,
 * since over SSH only TERM arrives. The decision itself (pickProtocol) is pure.
 */
import { PROTOCOL_PREFS, type ProtocolPref } from '../config/preferences.js';
import { sanitizeText } from '../util/sanitize.js';
import { EMPTY_ANSWERS, FIXED_PROBE_TIMEOUT_MS, PROBE_TIMEOUT_MS, queryTerminal, type QueryInput, type QueryOutput, type TerminalAnswers } from './terminal-query.js';
import { readTerminfoColours, readTmuxInfo, type DetectEnv, type TmuxInfo } from './terminal-env.js';
import { PROTOCOLS, type CellPx, type Protocol, type TerminalCaps } from './types.js';

export { readTerminfoColours, readTmuxInfo, type DetectEnv, type TmuxInfo } from './terminal-env.js';

export {
  buildQueries,
  EMPTY_ANSWERS,
  FIXED_PROBE_TIMEOUT_MS,
  parseReplies,
  PROBE_TIMEOUT_MS,
  queryCursor,
  queryTerminal,
  stripReplies,
  type CursorQueryOptions,
  type QueryInput,
  type QueryOptions,
  type QueryOutput,
  type TerminalAnswers,
} from './terminal-query.js';

export interface ProtocolOverride {
  value: ProtocolPref;
  /** Where it came from, for the reasons: '--protocol', 'TERMTABLE_PROTOCOL', 'preference'. */
  source: string;
}



const NOT_QUERIED = 'terminal not queried (not a TTY)';

/** Default cell when the terminal does not say: the common 1:2 aspect. */
export const DEFAULT_CELL_PX: CellPx = { width: 10, height: 20 };


/** 'kitty(0.26.5)' → {name:'kitty', version:'0.26.5'}; 'tmux 3.3a' → {name:'tmux', version:'3.3a'}. */
export function parseXtversion(text: string | null): { name: string; version: string } | null {
  if (!text) return null;
  const m = /^\s*([A-Za-z][\w.+-]*?)(?:\(([^)]*)\)|\s+(\S+))?\s*$/.exec(text);
  if (!m) return { name: text.trim().slice(0, 40), version: '' };
  return { name: m[1] ?? '', version: m[2] ?? m[3] ?? '' };
}

/** Compares dotted versions numerically: atLeast('0.26.5', '0.28') → false. */
export function versionAtLeast(version: string, wanted: string): boolean {
  const a = version.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
  const b = wanted.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

/** Terminals known (by XTVERSION name) to render 24-bit SGR. */
const TRUECOLOR_TERMINALS = /^(xterm|kitty|ghostty|wezterm|iterm2|foot|contour|konsole|alacritty|mlterm|rio)$/i;

/** The one place protocol choice is decided: answers + environment + explicit choice → caps. */
export function pickProtocol(
  answers: TerminalAnswers | null,
  env: DetectEnv,
  override: ProtocolOverride | null = null,
  tmux: TmuxInfo | null = null,
  terminalSize: { columns: number; rows: number } | null = null,
  terminfoColours: number | null = null,
): TerminalCaps {
  const reasons: string[] = [];
  const a = answers ?? EMPTY_ANSWERS;
  const inTmux = Boolean(env.TMUX);
  const passthroughAllowed = inTmux && (tmux?.passthrough ?? false);
  const terminal = parseXtversion(a.xtversion);
  const name = terminal?.name.toLowerCase() ?? '';
  const silent = answers === null || (a.xtversion === null && a.da1 === null && !a.kittyGraphics);

  if (answers === null) reasons.push(NOT_QUERIED);
  else if (silent) reasons.push('terminal did not answer the queries');
  else {
    reasons.push(
      `terminal answered: XTVERSION ${a.xtversion ?? '(none)'}, DA1 ${a.da1 ? a.da1.join(';') : '(none)'}` +
        `${a.da1?.includes(4) ? ' (4 = sixel)' : ''}, kitty graphics ${a.kittyGraphics ? 'OK' : 'no'}`,
    );
  }
  if (inTmux) {
    reasons.push(
      `inside tmux; allow-passthrough ${passthroughAllowed ? 'on: out-of-band images are wrapped for the outer terminal' : 'off'}`,
    );
  }

  const kittyVersionOk = name === 'kitty' && versionAtLeast(terminal?.version ?? '0', '0.28');
  let placeholdersOk = kittyVersionOk || name === 'ghostty';
  const termEnv = env.TERM ?? '';
  const termProgram = env.TERM_PROGRAM ?? '';

  let protocol: Protocol;
  if (override && override.value !== 'auto') {
    protocol = override.value;
    reasons.push(`protocol ${protocol} chosen by ${override.source}`);
    if (inTmux && !passthroughAllowed && protocol !== 'blocks') {
      reasons.push('warning: tmux allow-passthrough is off, so tmux will drop these images');
    }
  } else if (inTmux && !passthroughAllowed) {
    protocol = 'blocks';
    reasons.push('tmux without allow-passthrough drops image sequences: half-blocks (tmux set -g allow-passthrough on to enable images)');
  } else if (placeholdersOk) {
    protocol = 'kitty';
    reasons.push(`${terminal?.name} ${terminal?.version} supports kitty graphics with Unicode placeholders`);
  } else if (a.kittyGraphics) {
    protocol = 'kitty';
    reasons.push('kitty graphics query answered OK: kitty direct placements');
  } else if (/^(iterm2|wezterm)$/.test(name)) {
    protocol = 'iterm2';
    reasons.push(`${terminal?.name} shows iTerm2 inline images`);
  } else if (a.da1?.includes(4)) {
    protocol = 'sixel';
    reasons.push('DA1 lists 4: sixel');
  } else if (silent && (env.KITTY_WINDOW_ID || /kitty/.test(termEnv))) {
    protocol = 'kitty';
    reasons.push('guess from environment (KITTY_WINDOW_ID/TERM): kitty');
  } else if (silent && (env.GHOSTTY_RESOURCES_DIR || termEnv === 'xterm-ghostty')) {
    protocol = 'kitty';
    placeholdersOk = true;
    reasons.push('guess from environment (Ghostty): kitty with Unicode placeholders');
  } else if (silent && (termProgram === 'iTerm.app' || termProgram === 'WezTerm')) {
    protocol = 'iterm2';
    reasons.push(`guess from environment (TERM_PROGRAM=${sanitizeText(termProgram)}): iTerm2 images`);
  } else {
    protocol = 'blocks';
    reasons.push('no graphics protocol found: half-blocks');
  }
  const kittyPlaceholders = protocol === 'kitty' && placeholdersOk;
  if (protocol === 'kitty' && !kittyPlaceholders && name === 'kitty') {
    reasons.push(`kitty ${terminal?.version} < 0.28: no Unicode placeholders`);
  }

  const colorterm = (env.COLORTERM ?? '').toLowerCase();
  let truecolor: boolean;
  if (colorterm === 'truecolor' || colorterm === '24bit') {
    truecolor = true;
    reasons.push(`COLORTERM=${colorterm}: 24-bit colour`);
  } else if (inTmux) {
    truecolor = tmux?.rgb ?? false;
    reasons.push(truecolor ? 'tmux client has the RGB feature: 24-bit colour' : 'tmux client lacks the RGB feature: no 24-bit colour');
  } else if (TRUECOLOR_TERMINALS.test(name)) {
    truecolor = true;
    reasons.push(`${terminal?.name} renders 24-bit colour`);
  } else if (terminfoColours !== null && terminfoColours >= 1 << 24) {
    truecolor = true;
    reasons.push(`terminfo for TERM=${sanitizeText(termEnv)}: ${terminfoColours} colours (direct colour)`);
  } else {
    truecolor = false;
  }
  let colorDepth: 1 | 4 | 8 | 24 = 24;
  if (!truecolor) {
    const depth = textColourDepth(termEnv, inTmux ? tmux : null, terminfoColours);
    reasons.push(colourReason(depth, termEnv, inTmux ? tmux : null, terminfoColours));
    colorDepth = depth;
  }

  let cellPx = DEFAULT_CELL_PX;
  let cellPxMeasured = false;
  if (a.cellPx) {
    cellPx = a.cellPx;
    cellPxMeasured = true;
    reasons.push(`cell ${cellPx.width}x${cellPx.height} px (CSI 16 t)`);
  } else if (a.windowPx && terminalSize && terminalSize.columns > 0 && terminalSize.rows > 0) {
    const w = Math.floor(a.windowPx.width / terminalSize.columns);
    const h = Math.floor(a.windowPx.height / terminalSize.rows);
    if (w > 0 && h > 0 && w <= 200 && h <= 400) {
      cellPx = { width: w, height: h };
      cellPxMeasured = true;
      reasons.push(`cell ${w}x${h} px (CSI 14 t / size)`);
    }
  }
  if (!cellPxMeasured) reasons.push(`cell size not reported: assuming ${cellPx.width}x${cellPx.height} px`);

  return {
    protocol,
    kittyPlaceholders,
    truecolor,
    colorDepth,
    cellPx,
    cellPxMeasured,
    inTmux,
    // Everything but half-blocks is out-of-band for tmux (placeholder pixels included).
    passthrough: inTmux && protocol !== 'blocks',
    ...(inTmux ? { paneOffset: { col: tmux?.paneLeft ?? 0, row: tmux?.paneTop ?? 0 } } : {}),
    terminal,
    sixelMaxPx: a.sixelMaxPx,
    sixelColors: Math.max(2, Math.min(4096, a.sixelColors ?? 256)),
    reasons,
  };
}

/**
 * Colour depth when 24-bit is not confirmed. Inside tmux, what tmux knows of its client (the 256
 * feature, from the outer terminal's terminfo); otherwise TERM's terminfo entry (`tput colors`,
 * run on this machine, which over SSH is the only description of the terminal that arrives),
 * then TERM's name. 16 colours for TERM=xterm or linux: 256-colour SGR there shows the wrong
 * colours or none.
 */
export function textColourDepth(term: string, tmux: TmuxInfo | null, terminfoColours: number | null): 1 | 4 | 8 {
  if (tmux && tmux.colours256 != null) return tmux.colours256 ? 8 : 4;
  if (/256colou?r/i.test(term)) return 8;
  if (terminfoColours !== null) return terminfoColours >= 256 ? 8 : terminfoColours >= 8 ? 4 : 1;
  if (/^(xterm|linux|screen|tmux|rxvt|vt220|ansi|cygwin|putty|konsole|gnome|cons25)(-(16color|color|mono|basic|r6|xfree86))?$/i.test(term)) {
    return 4;
  }
  if (term === 'dumb' || /^vt(52|100|102)$/i.test(term)) return 1;
  return 8;
}

function colourReason(depth: 1 | 4 | 8, term: string, tmux: TmuxInfo | null, terminfoColours: number | null): string {
  const what = depth === 8 ? '256 colours' : depth === 4 ? '16 colours' : 'no colour';
  if (tmux && tmux.colours256 != null) return `24-bit colour not confirmed; tmux client ${tmux.colours256 ? 'has' : 'lacks'} the 256 feature: ${what}`;
  const t = sanitizeText(term || '(unset)');
  if (/256colou?r/i.test(term)) return `24-bit colour not confirmed; TERM=${t}: ${what}`;
  if (terminfoColours !== null) return `24-bit colour not confirmed; terminfo for TERM=${t}: ${terminfoColours} colours: ${what}`;
  return `24-bit colour not confirmed; TERM=${t} (no terminfo entry read): ${what}`;
}

/** The explicit choice, first found: --protocol, then TERMTABLE_PROTOCOL, then the preference. */
export function resolveOverride(
  flag: ProtocolPref | undefined,
  env: DetectEnv,
  preference: ProtocolPref | undefined,
  reasons: string[] = [],
): ProtocolOverride | null {
  if (flag && flag !== 'auto') return { value: flag, source: '--protocol' };
  const fromEnv = env.TERMTABLE_PROTOCOL;
  if (fromEnv) {
    if ((PROTOCOL_PREFS as readonly string[]).includes(fromEnv)) {
      if (fromEnv !== 'auto') return { value: fromEnv as ProtocolPref, source: 'TERMTABLE_PROTOCOL' };
    } else {
      reasons.push(`TERMTABLE_PROTOCOL=${sanitizeText(fromEnv)} ignored (expected ${PROTOCOL_PREFS.join(', ')})`);
    }
  }
  if (preference && preference !== 'auto') return { value: preference, source: 'preference' };
  return null;
}

export function isProtocol(value: string): value is Protocol {
  return (PROTOCOLS as readonly string[]).includes(value);
}


export interface DetectOptions {
  /** @default process.stdin */
  input?: QueryInput;
  /** @default process.stdout */
  output?: QueryOutput;
  /** @default process.env */
  env?: DetectEnv;
  /** --protocol flag. @default undefined */
  flag?: ProtocolPref;
  /** The preference file's protocol. @default 'auto' */
  preference?: ProtocolPref;
  /** @default PROBE_TIMEOUT_MS */
  timeoutMs?: number;
  /** Ask the terminal; false decides from environment and override only. @default true when both streams are TTYs */
  query?: boolean;
  /** Ask everything even when the protocol is fixed (show --probe reports on the terminal). @default false */
  fullProbe?: boolean;
  /** Injected tmux reader (tests). @default readTmuxInfo */
  tmuxInfo?: (env: DetectEnv) => Promise<TmuxInfo>;
  /** Injected terminfo reader (tests). @default readTerminfoColours */
  terminfoColours?: (env: DetectEnv) => Promise<number | null>;
}

export interface Detection {
  caps: TerminalCaps;
  /** The terminal was asked and its DA1 answer did not come in time (late replies may follow). */
  timedOut: boolean;
  answers: TerminalAnswers | null;
  tmux: TmuxInfo | null;
  /** The probe's round trip (queries written to DA1 read), when the terminal answered. */
  rttMs: number | null;
}

let primed: { env: DetectEnv; tmux: Promise<TmuxInfo> | null; terminfo: Promise<number | null> } | null = null;

/**
 * Starts the environment reads (tmux's settings, TERM's terminfo: child processes, 20-150 ms on a
 * loaded machine) ahead, so they run while the lighttable's modules load; the next detectTerminal
 * with the same env object and no injected readers takes them. They never reject.
 */
export function primeDetection(env: DetectEnv = process.env): void {
  primed = { env, tmux: env.TMUX ? readTmuxInfo(env) : null, terminfo: readTerminfoColours(env) };
}

/** Detects once, before Ink starts reading stdin. */
export async function detectTerminal(options: DetectOptions = {}): Promise<Detection> {
  const input = options.input ?? (process.stdin as unknown as QueryInput);
  const output = options.output ?? process.stdout;
  const env = options.env ?? process.env;
  const pre: string[] = [];
  const override = resolveOverride(options.flag, env, options.preference, pre);
  const inTmux = Boolean(env.TMUX);
  const ahead = primed?.env === env && !options.tmuxInfo && !options.terminfoColours ? primed : null;
  primed = null;
  // --protocol or TERMTABLE_PROTOCOL fixes it for the session (the preference can be set back to
  // auto while it runs, which wants the full answers): then only the cell size and colour are asked.
  const fixed =
    !options.fullProbe && override && override.source !== 'preference' && isProtocol(override.value) ? override.value : null;
  const tmuxRead = inTmux ? (ahead?.tmux ?? (options.tmuxInfo ?? readTmuxInfo)(env)) : Promise.resolve(null);
  const terminfoRead = ahead ? ahead.terminfo : (options.terminfoColours ?? readTerminfoColours)(env);
  // The queries wait only for what decides them: tmux's passthrough (whether and how to wrap),
  // and for fixed half-blocks the terminfo colours (whether to ask at all). Otherwise the
  // terminal's round trip runs alongside the terminfo read (a child process).
  const tmux = await tmuxRead;
  const terminfoFirst = fixed === 'blocks' ? await terminfoRead : null;
  const canQuery = options.query ?? Boolean(input.isTTY && output.isTTY && input.setRawMode);
  const skip = fixed !== null && !fixedNeedsQuery(fixed, env, terminfoFirst);
  const timeoutMs = fixed ? Math.min(options.timeoutMs ?? PROBE_TIMEOUT_MS, FIXED_PROBE_TIMEOUT_MS) : (options.timeoutMs ?? PROBE_TIMEOUT_MS);
  // Inside tmux without passthrough the wrapped queries never reach the terminal: don't wait for them.
  const asking =
    canQuery && !skip && !(inTmux && !tmux?.passthrough) ? queryTerminal({ input, output, tmuxWrap: inTmux, timeoutMs, fixed }) : null;
  const [terminfoColours, asked] = await Promise.all([terminfoRead, asking]);
  const answers: TerminalAnswers | null = asked?.answers ?? null;
  const timedOut = asked?.timedOut ?? false;
  const rttMs = asked?.rttMs ?? null;
  const size = output.columns && output.rows ? { columns: output.columns, rows: output.rows } : null;
  const caps = pickProtocol(answers, env, override, tmux, size, terminfoColours);
  if (timedOut) caps.reasons.unshift(`no DA1 reply within ${timeoutMs} ms: the terminal answered nothing in time`);
  if (canQuery && skip) {
    const i = caps.reasons.indexOf(NOT_QUERIED);
    if (i >= 0) caps.reasons[i] = `terminal not queried: ${override?.source} fixed half-blocks and the environment gives the colour depth`;
  }
  if (canQuery && inTmux && !tmux?.passthrough) {
    const i = caps.reasons.indexOf(NOT_QUERIED);
    const why =
      'terminal not queried: inside tmux with allow-passthrough off the queries cannot reach it ' +
      '(tmux set -g allow-passthrough on); tmux itself reports no graphics';
    if (i >= 0) caps.reasons[i] = why;
    else caps.reasons.unshift(why);
  }
  caps.reasons.unshift(...pre);
  return { caps, answers, tmux, timedOut, rttMs };
}

/**
 * With a fixed protocol the terminal is asked only when an answer changes the pictures: every
 * picture protocol needs the cell size (Node's tty gives no ws_xpixel), half-blocks only the colour
 * depth, which COLORTERM, tmux's client features or a direct-colour terminfo settle without asking.
 */
function fixedNeedsQuery(fixed: Protocol, env: DetectEnv, terminfoColours: number | null): boolean {
  if (fixed !== 'blocks') return true;
  const colorterm = (env.COLORTERM ?? '').toLowerCase();
  const known = colorterm === 'truecolor' || colorterm === '24bit' || Boolean(env.TMUX) || (terminfoColours ?? 0) >= 1 << 24;
  return !known;
}

/** `show --probe` output: one fact per line. */
export function formatProbe(d: Detection): string {
  const c = d.caps;
  const lines = [
    `protocol: ${c.protocol}${c.kittyPlaceholders ? ' (Unicode placeholders)' : ''}`,
    `terminal: ${c.terminal ? `${c.terminal.name} ${c.terminal.version}`.trim() : 'unknown'}`,
    `truecolor: ${c.truecolor ? 'yes' : 'no'}`,
    `colours: ${c.colorDepth === 24 || (c.colorDepth === undefined && c.truecolor) ? '24-bit' : c.colorDepth === 4 ? '16' : c.colorDepth === 1 ? 'none' : '256'}`,
    `cell: ${c.cellPx.width}x${c.cellPx.height} px${c.cellPxMeasured ? '' : ' (assumed)'}`,
    `tmux: ${c.inTmux ? `yes, passthrough ${d.tmux?.passthrough ? 'on' : 'off'}` : 'no'}`,
    `sixel: ${d.answers?.da1?.includes(4) ? `yes, ${c.sixelColors} colours` : 'no'}${
      c.sixelMaxPx ? `, max ${c.sixelMaxPx.width}x${c.sixelMaxPx.height} px` : ''
    }`,
    'why:',
    ...c.reasons.map((r) => `  - ${sanitizeText(r)}`),
  ];
  return `${lines.join('\n')}\n`;
}

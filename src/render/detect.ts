/**
 * Which graphics protocol the terminal speaks, decided once at start-up, before Ink takes stdin.
 * Order: an explicit choice (--protocol, TERMTABLE_PROTOCOL, the preference); then the terminal's
 * own answers to queries (XTVERSION, a kitty graphics query, DA1, XTSMGRAPHICS, CSI 16 t), wrapped
 * for tmux passthrough; environment variables only as a guess when the terminal stays silent,
 * since over SSH only TERM arrives. The decision itself (pickProtocol) is pure.
 */
import { execFile } from 'node:child_process';
import { PROTOCOL_PREFS, type ProtocolPref } from '../config/preferences.js';
import { sanitizeText } from '../util/sanitize.js';
import { wrapPassthrough } from './tmux.js';
import { PROTOCOLS, type CellPx, type Protocol, type TerminalCaps } from './types.js';

/** What the terminal said; null fields mean it did not answer that query. */
export interface TerminalAnswers {
  /** XTVERSION text, e.g. 'XTerm(379)', 'kitty(0.26.5)'. */
  xtversion: string | null;
  /** DA1 attributes, e.g. [63, 1, 2, 4]: 4 means sixel. */
  da1: number[] | null;
  /** The kitty graphics query `a=q` was answered OK. */
  kittyGraphics: boolean;
  /** CSI 16 t: cell size in pixels. */
  cellPx: CellPx | null;
  /** CSI 14 t: text area size in pixels (cell size fallback with the column/row count). */
  windowPx: { width: number; height: number } | null;
  /** XTSMGRAPHICS colour registers. */
  sixelColors: number | null;
  /** XTSMGRAPHICS maximum sixel geometry. */
  sixelMaxPx: { width: number; height: number } | null;
}

/** tmux's own settings, read with the tmux command (it ignores graphics queries). */
export interface TmuxInfo {
  /** `allow-passthrough` is on (or all). */
  passthrough: boolean;
  /** The client terminal has tmux's RGB feature (24-bit colour reaches it). */
  rgb: boolean;
  /** The pane's position on the outer terminal (0-based). */
  paneTop: number;
  paneLeft: number;
}

export interface ProtocolOverride {
  value: ProtocolPref;
  /** Where it came from, for the reasons: '--protocol', 'TERMTABLE_PROTOCOL', 'preference'. */
  source: string;
}

export type DetectEnv = Readonly<Record<string, string | undefined>>;

export const EMPTY_ANSWERS: TerminalAnswers = {
  xtversion: null,
  da1: null,
  kittyGraphics: false,
  cellPx: null,
  windowPx: null,
  sixelColors: null,
  sixelMaxPx: null,
};

const NOT_QUERIED = 'terminal not queried (not a TTY)';

/** Default cell when the terminal does not say: the common 1:2 aspect. */
export const DEFAULT_CELL_PX: CellPx = { width: 10, height: 20 };

const KITTY_QUERY_ID = 31;
// eslint-disable-next-line no-control-regex
const DA1_REPLY = /\x1b\[\?([\d;]*)c/;

/** The queries, DA1 last: every terminal answers it, in order, so its reply ends the round. */
export function buildQueries(tmuxWrap: boolean): string {
  const queries = [
    '\x1b[>q', // XTVERSION
    `\x1b_Gi=${KITTY_QUERY_ID},s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\`, // kitty graphics
    '\x1b[16t', // cell size in pixels
    '\x1b[14t', // text area in pixels
    '\x1b[?1;1;0S', // XTSMGRAPHICS: colour registers
    '\x1b[?2;1;0S', // XTSMGRAPHICS: max sixel geometry
    '\x1b[c', // DA1
  ];
  return tmuxWrap ? queries.map(wrapPassthrough).join('') : queries.join('');
}

function positiveInt(text: string | undefined, max: number): number | null {
  if (text === undefined) return null;
  const n = Number(text);
  return Number.isInteger(n) && n > 0 && n <= max ? n : null;
}

/** Parses whatever replies arrived (in any order, possibly interleaved with nothing else). */
export function parseReplies(text: string): TerminalAnswers {
  const answers: TerminalAnswers = { ...EMPTY_ANSWERS };
  // eslint-disable-next-line no-control-regex
  const xtv = /\x1bP>\|([^\x1b]*)\x1b\\/.exec(text);
  if (xtv) answers.xtversion = sanitizeText(xtv[1] ?? '').slice(0, 80);
  const da1 = DA1_REPLY.exec(text);
  if (da1) answers.da1 = (da1[1] ?? '').split(';').filter(Boolean).map(Number).filter(Number.isFinite);
  // eslint-disable-next-line no-control-regex
  const kitty = new RegExp(`\\x1b_Gi=${KITTY_QUERY_ID}(?:,[^;\\x1b]*)?;([^\\x1b]*)\\x1b\\\\`).exec(text);
  answers.kittyGraphics = kitty?.[1] === 'OK';
  // eslint-disable-next-line no-control-regex
  const cell = /\x1b\[6;(\d+);(\d+)t/.exec(text);
  if (cell) {
    const h = positiveInt(cell[1], 400);
    const w = positiveInt(cell[2], 200);
    if (h && w) answers.cellPx = { width: w, height: h };
  }
  // eslint-disable-next-line no-control-regex
  const win = /\x1b\[4;(\d+);(\d+)t/.exec(text);
  if (win) {
    const h = positiveInt(win[1], 100_000);
    const w = positiveInt(win[2], 100_000);
    if (h && w) answers.windowPx = { width: w, height: h };
  }
  // eslint-disable-next-line no-control-regex
  const colors = /\x1b\[\?1;0;(\d+)S/.exec(text);
  if (colors) answers.sixelColors = positiveInt(colors[1], 65_536);
  // eslint-disable-next-line no-control-regex
  const geom = /\x1b\[\?2;0;(\d+);(\d+)S/.exec(text);
  if (geom) {
    const w = positiveInt(geom[1], 100_000);
    const h = positiveInt(geom[2], 100_000);
    if (w && h) answers.sixelMaxPx = { width: w, height: h };
  }
  return answers;
}

/** Removes every complete query reply, leaving what the user typed meanwhile. */
export function stripReplies(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/\x1bP[\s\S]*?\x1b\\/g, '')
      // eslint-disable-next-line no-control-regex
      .replace(/\x1b_[\s\S]*?\x1b\\/g, '')
      // eslint-disable-next-line no-control-regex
      .replace(/\x1b\[[?>]?[\d;]*[ctS]/g, '')
  );
}

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
    reasons.push(truecolor ? 'tmux client has the RGB feature: 24-bit colour' : 'tmux without the RGB feature: 256 colours');
  } else if (TRUECOLOR_TERMINALS.test(name)) {
    truecolor = true;
    reasons.push(`${terminal?.name} renders 24-bit colour`);
  } else {
    truecolor = false;
    reasons.push('24-bit colour not confirmed: 256 colours');
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

/** The minimal stream surface detection needs (process.stdin / process.stdout fit). */
export interface QueryInput {
  isTTY?: boolean;
  isRaw?: boolean;
  setRawMode?(mode: boolean): unknown;
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  removeListener(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
  unshift(chunk: Buffer): unknown;
}
export interface QueryOutput {
  isTTY?: boolean;
  write(data: string): unknown;
  columns?: number;
  rows?: number;
}

export interface QueryOptions {
  input: QueryInput;
  output: QueryOutput;
  /** Wrap the queries for tmux passthrough. @default false */
  tmuxWrap?: boolean;
  /** Give up waiting for the DA1 reply after this long. @default PROBE_TIMEOUT_MS */
  timeoutMs?: number;
}

/**
 * How long the probe waits for DA1 at most. Every terminal answers DA1, in order after the
 * other queries, so the wait ends as soon as it arrives; the bound only matters for a terminal
 * that answers nothing, or a link slower than 2 s round trip (600 ms links missed sixel at 500).
 */
export const PROBE_TIMEOUT_MS = 2000;

/**
 * One raw-mode exchange with the terminal: writes `query`, collects what arrives until `done`
 * says the awaited reply is in or the timeout passes, then stops listening, pauses the stream
 * and restores its mode. The caller hands back (unshift) whatever was typed meanwhile.
 */
function exchange(
  input: QueryInput,
  output: QueryOutput,
  query: string,
  done: (received: string) => boolean,
  timeoutMs: number,
): Promise<{ received: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    let received = '';
    const wasRaw = input.isRaw ?? false;
    let finished = false;
    const finish = (timedOut: boolean) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      input.removeListener('data', onData);
      input.pause();
      if (input.setRawMode && !wasRaw) input.setRawMode(false);
      resolve({ received, timedOut });
    };
    const onData = (chunk: Buffer | string) => {
      received += typeof chunk === 'string' ? chunk : chunk.toString('latin1');
      if (done(received)) finish(false);
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    if (input.setRawMode) input.setRawMode(true);
    input.on('data', onData);
    input.resume();
    output.write(query);
  });
}

/**
 * Writes the queries and reads replies in raw mode until the DA1 reply (every terminal answers
 * it, after the others) or the timeout; restores the mode and hands back any keys the user typed
 * meanwhile, so no reply leaks into key input and no keypress is lost.
 */
export async function queryTerminal(options: QueryOptions): Promise<{ answers: TerminalAnswers; timedOut: boolean }> {
  const { input, output } = options;
  const { received, timedOut } = await exchange(
    input,
    output,
    buildQueries(options.tmuxWrap ?? false),
    (r) => DA1_REPLY.test(r),
    options.timeoutMs ?? PROBE_TIMEOUT_MS,
  );
  const m = DA1_REPLY.exec(received);
  const end = m ? m.index + m[0].length : received.length;
  const typed = stripReplies(received.slice(0, m ? m.index : end)) + received.slice(end);
  const leftover = stripReplies(typed);
  if (leftover) input.unshift(Buffer.from(leftover, 'latin1'));
  return { answers: parseReplies(received), timedOut };
}

export interface CursorQueryOptions {
  input: QueryInput;
  output: QueryOutput;
  /** @default 500 */
  timeoutMs?: number;
}

// eslint-disable-next-line no-control-regex
const CURSOR_REPLY = /\x1b\[(\d+);(\d+)R/;

/**
 * The cursor's 0-based row and column (DSR 6), or null when nothing answers in time. Inside tmux
 * tmux itself answers, in pane coordinates.
 */
export async function queryCursor(options: CursorQueryOptions): Promise<{ row: number; col: number } | null> {
  const { input, output } = options;
  const { received } = await exchange(input, output, '\x1b[6n', (r) => CURSOR_REPLY.test(r), options.timeoutMs ?? 500);
  const m = CURSOR_REPLY.exec(received);
  const rest = m ? received.slice(0, m.index) + received.slice(m.index + m[0].length) : received;
  if (rest) input.unshift(Buffer.from(rest, 'latin1'));
  return m ? { row: Number(m[1]) - 1, col: Number(m[2]) - 1 } : null;
}

function run(cmd: string, args: string[], env: DetectEnv): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 1000, env: env as NodeJS.ProcessEnv }, (err, stdout) =>
      resolve(err ? null : String(stdout).trim()),
    );
  });
}

/** Asks the tmux server about passthrough and RGB. */
export async function readTmuxInfo(env: DetectEnv = process.env): Promise<TmuxInfo> {
  const [pass, features, pane] = await Promise.all([
    run('tmux', ['show', '-gv', 'allow-passthrough'], env),
    run('tmux', ['display', '-p', '#{client_termfeatures}'], env),
    run('tmux', ['display', '-p', '#{pane_top} #{pane_left}'], env),
  ]);
  const [top, left] = (pane ?? '0 0').split(' ').map((n) => Number.parseInt(n, 10));
  return {
    passthrough: pass === 'on' || pass === 'all',
    rgb: (features ?? '').split(',').includes('RGB'),
    paneTop: Number.isInteger(top) && top! >= 0 ? top! : 0,
    paneLeft: Number.isInteger(left) && left! >= 0 ? left! : 0,
  };
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
  /** Injected tmux reader (tests). @default readTmuxInfo */
  tmuxInfo?: (env: DetectEnv) => Promise<TmuxInfo>;
}

export interface Detection {
  caps: TerminalCaps;
  /** The terminal was asked and its DA1 answer did not come in time (late replies may follow). */
  timedOut: boolean;
  answers: TerminalAnswers | null;
  tmux: TmuxInfo | null;
}

/** Detects once, before Ink starts reading stdin. */
export async function detectTerminal(options: DetectOptions = {}): Promise<Detection> {
  const input = options.input ?? (process.stdin as unknown as QueryInput);
  const output = options.output ?? process.stdout;
  const env = options.env ?? process.env;
  const pre: string[] = [];
  const override = resolveOverride(options.flag, env, options.preference, pre);
  const inTmux = Boolean(env.TMUX);
  const tmux = inTmux ? await (options.tmuxInfo ?? readTmuxInfo)(env) : null;
  const canQuery = options.query ?? Boolean(input.isTTY && output.isTTY && input.setRawMode);
  let answers: TerminalAnswers | null = null;
  let timedOut = false;
  // Inside tmux without passthrough the wrapped queries never reach the terminal: don't wait for them.
  if (canQuery && !(inTmux && !tmux?.passthrough)) {
    ({ answers, timedOut } = await queryTerminal({
      input,
      output,
      tmuxWrap: inTmux,
      timeoutMs: options.timeoutMs,
    }));
  }
  const size = output.columns && output.rows ? { columns: output.columns, rows: output.rows } : null;
  const caps = pickProtocol(answers, env, override, tmux, size);
  if (timedOut) caps.reasons.unshift(`no DA1 reply within ${options.timeoutMs ?? PROBE_TIMEOUT_MS} ms: the terminal answered nothing in time`);
  if (canQuery && inTmux && !tmux?.passthrough) {
    const i = caps.reasons.indexOf(NOT_QUERIED);
    const why =
      'terminal not queried: inside tmux with allow-passthrough off the queries cannot reach it ' +
      '(tmux set -g allow-passthrough on); tmux itself reports no graphics';
    if (i >= 0) caps.reasons[i] = why;
    else caps.reasons.unshift(why);
  }
  caps.reasons.unshift(...pre);
  return { caps, answers, tmux, timedOut };
}

/** `show --probe` output: one fact per line. */
export function formatProbe(d: Detection): string {
  const c = d.caps;
  const lines = [
    `protocol: ${c.protocol}${c.kittyPlaceholders ? ' (Unicode placeholders)' : ''}`,
    `terminal: ${c.terminal ? `${c.terminal.name} ${c.terminal.version}`.trim() : 'unknown'}`,
    `truecolor: ${c.truecolor ? 'yes' : 'no'}`,
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

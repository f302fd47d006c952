/**
 * The terminal probe's exchange: the queries (one write, DA1 last), reading the answers in raw
 * mode until DA1 arrives or the bound passes, parsing them, and handing back what was typed
 * meanwhile. detect.ts decides the protocol from what this returns.
 */
import { sanitizeText } from '../util/sanitize.js';
import { wrapPassthrough } from './tmux.js';
import type { CellPx, Protocol } from './types.js';

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

export const EMPTY_ANSWERS: TerminalAnswers = {
  xtversion: null,
  da1: null,
  kittyGraphics: false,
  cellPx: null,
  windowPx: null,
  sixelColors: null,
  sixelMaxPx: null,
};
const KITTY_QUERY_ID = 31;
// eslint-disable-next-line no-control-regex
const DA1_REPLY = /\x1b\[\?([\d;]*)c/;

/**
 * The queries, DA1 last: every terminal answers it, in order, so its reply ends the round. With
 * `fixed` (--protocol or TERMTABLE_PROTOCOL chose the protocol) only what sizes and colours the
 * pictures is asked: XTVERSION (24-bit colour by name, kitty's placeholders), the cell and window
 * size, and sixel's registers and geometry for sixel; not the kitty graphics query.
 */
export function buildQueries(tmuxWrap: boolean, fixed: Protocol | null = null): string {
  const queries = [
    '\x1b[>q', // XTVERSION
    ...(fixed ? [] : [`\x1b_Gi=${KITTY_QUERY_ID},s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\`]), // kitty graphics
    '\x1b[16t', // cell size in pixels
    '\x1b[14t', // text area in pixels
    ...(fixed && fixed !== 'sixel'
      ? []
      : ['\x1b[?1;1;0S', /* XTSMGRAPHICS: colour registers */ '\x1b[?2;1;0S' /* XTSMGRAPHICS: max sixel geometry */]),
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
  /** The protocol is fixed: ask only the reduced set (buildQueries). @default null */
  fixed?: Protocol | null;
}

/**
 * How long the probe waits for DA1 at most. Every terminal answers DA1, in order after the
 * other queries, so the wait ends as soon as it arrives; the bound only matters for a terminal
 * that answers nothing, or a link slower than 2 s round trip (600 ms links missed sixel at 500).
 */
export const PROBE_TIMEOUT_MS = 2000;

/**
 * The bound when the protocol is fixed: only the cell size and colour hang on the answers, and a
 * stated default serves when they are late, so a silent terminal (a detached tmux) costs 300 ms,
 * not 2 s. A local terminal answers in a few ms; replies later than this are dropped as keys.
 */
export const FIXED_PROBE_TIMEOUT_MS = 300;

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
): Promise<{ received: string; timedOut: boolean; elapsedMs: number }> {
  return new Promise((resolve) => {
    let received = '';
    let start = 0;
    const wasRaw = input.isRaw ?? false;
    let finished = false;
    const finish = (timedOut: boolean) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      input.removeListener('data', onData);
      input.pause();
      if (input.setRawMode && !wasRaw) input.setRawMode(false);
      resolve({ received, timedOut, elapsedMs: performance.now() - start });
    };
    const onData = (chunk: Buffer | string) => {
      received += typeof chunk === 'string' ? chunk : chunk.toString('latin1');
      if (done(received)) finish(false);
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    if (input.setRawMode) input.setRawMode(true);
    input.on('data', onData);
    input.resume();
    start = performance.now();
    output.write(query);
  });
}

/**
 * Writes the queries and reads replies in raw mode until the DA1 reply (every terminal answers
 * it, after the others) or the timeout; restores the mode and hands back any keys the user typed
 * meanwhile, so no reply leaks into key input and no keypress is lost.
 */
export async function queryTerminal(
  options: QueryOptions,
): Promise<{ answers: TerminalAnswers; timedOut: boolean; rttMs: number | null }> {
  const { input, output } = options;
  const { received, timedOut, elapsedMs } = await exchange(
    input,
    output,
    buildQueries(options.tmuxWrap ?? false, options.fixed ?? null),
    (r) => DA1_REPLY.test(r),
    options.timeoutMs ?? PROBE_TIMEOUT_MS,
  );
  const m = DA1_REPLY.exec(received);
  const end = m ? m.index + m[0].length : received.length;
  const typed = stripReplies(received.slice(0, m ? m.index : end)) + received.slice(end);
  const leftover = stripReplies(typed);
  if (leftover) input.unshift(Buffer.from(leftover, 'latin1'));
  // The queries go out on an idle link and are answered at once: the link's round trip, which the
  // lighttable's picture pacing sizes its window by (src/tui/screen/ack-window.ts).
  return { answers: parseReplies(received), timedOut, rttMs: timedOut ? null : elapsedMs };
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

/**
 * Raw terminal input → key presses.
 *
 * Written by hand because Ink 6.8's useInput drops the names of function keys (F1-F5 are
 * our colour labels) and reports Delete and Backspace ambiguously, and Ink's own
 * parse-keypress is not part of its public exports. Ink's input parser has already split
 * the stream into one escape sequence or one run of plain text per event, so this only
 * names what it is given.
 */

/** One key press, named in the keymap's vocabulary. */
export interface KeyPress {
  /** 'up', 'pagedown', 'f1', 'return', 'escape', 'space', 'delete', 'wheelup', or the character itself ('j', 'G', '+'). */
  name: string;
  ctrl: boolean;
  shift: boolean;
  meta: boolean;
}

const CSI_TILDE: Record<string, string> = {
  '1': 'home',
  '2': 'insert',
  '3': 'delete',
  '4': 'end',
  '5': 'pageup',
  '6': 'pagedown',
  '7': 'home',
  '8': 'end',
  '11': 'f1',
  '12': 'f2',
  '13': 'f3',
  '14': 'f4',
  '15': 'f5',
  '17': 'f6',
  '18': 'f7',
  '19': 'f8',
  '20': 'f9',
  '21': 'f10',
  '23': 'f11',
  '24': 'f12',
};

const FINAL_LETTER: Record<string, string> = {
  A: 'up',
  B: 'down',
  C: 'right',
  D: 'left',
  F: 'end',
  H: 'home',
  P: 'f1',
  Q: 'f2',
  R: 'f3',
  S: 'f4',
};

/** Linux console's ESC [ [ A … E for F1-F5. */
const LINUX_CONSOLE_F: Record<string, string> = { A: 'f1', B: 'f2', C: 'f3', D: 'f4', E: 'f5' };

function plain(name: string, mods: Partial<KeyPress> = {}): KeyPress {
  return { name, ctrl: false, shift: false, meta: false, ...mods };
}

/** xterm modifier parameter: 1 + (shift 1 | alt 2 | ctrl 4). */
function modifiers(param: string | undefined): Pick<KeyPress, 'ctrl' | 'shift' | 'meta'> {
  const n = param ? Number(param) - 1 : 0;
  return { shift: (n & 1) !== 0, meta: (n & 2) !== 0, ctrl: (n & 4) !== 0 };
}

function parseEscape(seq: string): KeyPress | undefined {
  if (seq === '\x1b') return plain('escape');
  // SGR mouse report: ESC [ < button ; col ; row M|m. Wheel = 64/65, +16 with ctrl.
  const mouse = /^\x1b\[<(\d+);\d+;\d+[Mm]$/.exec(seq);
  if (mouse) {
    const button = Number(mouse[1]);
    if ((button & 64) === 0) return undefined;
    return plain((button & 1) === 0 ? 'wheelup' : 'wheeldown', {
      ctrl: (button & 16) !== 0,
      shift: (button & 4) !== 0,
      meta: (button & 8) !== 0,
    });
  }
  const linux = /^\x1b\[\[([A-E])$/.exec(seq);
  if (linux) return plain(LINUX_CONSOLE_F[linux[1]!]!);
  const tilde = /^\x1b\[(\d+)(?:;(\d+))?~$/.exec(seq);
  if (tilde) {
    const name = CSI_TILDE[tilde[1]!];
    return name ? plain(name, modifiers(tilde[2])) : undefined;
  }
  const letter = /^\x1b(?:\[(?:1;)?(\d+)?|O)([A-HPQRS])$/.exec(seq);
  if (letter) {
    const name = FINAL_LETTER[letter[2]!];
    return name ? plain(name, modifiers(letter[1])) : undefined;
  }
  if (seq === '\x1b[Z') return plain('tab', { shift: true });
  // ESC + one character: Alt/Meta held.
  if (seq.length === 2) {
    const inner = parseChar(seq[1]!);
    return { ...inner, meta: true };
  }
  return undefined;
}

function parseChar(ch: string): KeyPress {
  switch (ch) {
    case '\r':
    case '\n':
      return plain('return');
    case '\t':
      return plain('tab');
    case ' ':
      return plain('space');
    case '\x7f':
    case '\b':
      return plain('backspace');
    case '\x1b':
      return plain('escape');
    default:
      break;
  }
  const code = ch.codePointAt(0) ?? 0;
  if (code >= 1 && code <= 26) return plain(String.fromCharCode(code + 96), { ctrl: true });
  return plain(ch, { shift: ch !== ch.toLowerCase() });
}

/**
 * Names the keys in one input event. Plain text (a paste, or keys typed faster than the
 * event loop turns) gives one press per character; an unknown escape sequence gives none.
 */
export function parseKeys(data: string): KeyPress[] {
  if (data.startsWith('\x1b')) {
    const key = parseEscape(data);
    return key ? [key] : [];
  }
  return Array.from(data, parseChar);
}

/** ESC _ (APC), ESC P (DCS), ESC ] (OSC), ESC ^ (PM), ESC X (SOS): strings a terminal sends. */
const STRING_INTRODUCERS = new Set(['\x1b_', '\x1bP', '\x1b]', '\x1b^', '\x1bX']);
/** A terminal's reply arrives in one burst; a person's next key after Alt+P takes longer. */
const REPLY_BURST_MS = 50;

export interface ReplyFilterOptions {
  /** @default Date.now */
  now?: () => number;
}

/**
 * Drops terminal replies that arrive after the start-up probe gave up waiting (a slow SSH
 * link): Ink's input parser splits `ESC _Gi=31;OK ESC \` (kitty) or `ESC P>|XTerm(379) ESC \`
 * (XTVERSION) into introducer, body and terminator, and the body would otherwise be typed as
 * keys (`G`, `3`, `1`: retry, rate 3, rate 1). CSI replies (DA1, cell size) are single
 * unknown sequences and are already ignored by parseKeys.
 *
 * Returns the input events to keep. Swallowing stops at the string terminator (ESC \ or BEL),
 * or once REPLY_BURST_MS has passed since the introducer, so Alt+P never eats later keys.
 */
export function createReplyFilter(options: ReplyFilterOptions = {}): (event: string) => string | null {
  const now = options.now ?? Date.now;
  let openedAt: number | null = null;
  return (event) => {
    if (openedAt !== null && now() - openedAt > REPLY_BURST_MS) openedAt = null;
    if (openedAt !== null) {
      // The terminator may share an event with what was typed after it ("…(0.26.5)\x07k").
      const bel = event.indexOf('\x07');
      const st = event.indexOf('\x1b\\');
      const end = bel >= 0 && (st < 0 || bel < st) ? bel + 1 : st >= 0 ? st + 2 : -1;
      if (end < 0) return null;
      openedAt = null;
      return end < event.length ? event.slice(end) : null;
    }
    if (STRING_INTRODUCERS.has(event)) {
      openedAt = now();
      return null;
    }
    return event;
  };
}

/** Terminal reports the lighttable asks for: DSR answers (flow control) and focus changes. */
export interface TerminalReports {
  /** Device status answers (`CSI 0 n`) in this event. */
  dsr: number;
  /** Focus came back (`CSI I`, with `CSI ? 1004 h`): a tmux re-attach or a window switch. */
  focusIn: boolean;
}

// eslint-disable-next-line no-control-regex
const REPORT = /\x1b\[0n|\x1b\[I|\x1b\[O/g;

/** Takes the reports out of an input event; what is left is keys. */
export function takeReports(event: string): { keys: string; reports: TerminalReports } {
  const reports: TerminalReports = { dsr: 0, focusIn: false };
  if (!event.includes('\x1b[')) return { keys: event, reports };
  const keys = event.replace(REPORT, (m) => {
    if (m === '\x1b[0n') reports.dsr++;
    else if (m === '\x1b[I') reports.focusIn = true;
    return '';
  });
  return { keys, reports };
}

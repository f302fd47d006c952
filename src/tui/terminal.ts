/**
 * Terminal modes the lighttable sets and must always undo: the alternate screen (so the
 * user's scrollback is untouched), a hidden cursor, and mouse reporting (SGR) for
 * ctrl+wheel. Strings only; the caller writes them.
 */
export const ENTER_TERMINAL = '\x1b[?1049h\x1b[H\x1b[2J\x1b[?25l\x1b[?1000h\x1b[?1006h';
export const LEAVE_TERMINAL = '\x1b[?1006l\x1b[?1000l\x1b[?2026l\x1b[0m\x1b[?25h\x1b[?1049l';

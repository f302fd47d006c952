/**
 * Everything that comes from a file (its name, EXIF, XMP) goes through here before it
 * reaches the terminal: a crafted name or EXIF Model must never inject an escape sequence.
 *
 * C0 controls (incl. ESC, BEL, CR, LF, BS), DEL and C1 controls (U+0080–U+009F, which
 * some terminals treat as CSI/OSC introducers) and bidi overrides are replaced. Tabs and line breaks become a
 * space so a multi-line EXIF description stays one readable line; the rest become U+FFFD-ish
 * '?' as `ls` does, so the user can still see that something was there.
 */
// Written by hand: strip-ansi removes whole sequences but leaves lone control bytes
// (BEL, BS, CR, C1), and we need every one of them gone, not only well-formed sequences.
// eslint-disable-next-line no-control-regex
// Bidi embedding/override/isolate controls (U+202A–202E, U+2066–2069) cannot start an escape
// sequence but can make a name display as something it is not ("gpj.exe" tricks): out too.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function sanitizeText(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : String(value);
  return text.replace(CONTROL, (c) => (c === '\t' || c === '\n' || c === '\r' ? ' ' : '?'));
}

/** True when the text holds anything sanitizeText would change. */
export function hasControlChars(text: string): boolean {
  CONTROL.lastIndex = 0;
  const found = CONTROL.test(text);
  CONTROL.lastIndex = 0;
  return found;
}

// JSON.stringify escapes C0 controls but passes DEL, C1 controls (U+0080–U+009F: CSI and OSC
// introducers on some terminals) and bidi controls through raw. They can only occur inside
// strings, so writing them as \u escapes gives the same data to a JSON reader and nothing
// a terminal acts on. Bidi marks (ALM, LRM, RLM) and the line/paragraph separators are
// escaped too: harmless to the data, confusing on a screen.
const JSON_RAW_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** JSON.stringify whose output is safe to print on a terminal, and parses to the same value. */
export function terminalSafeJson(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) return 'null';
  return json.replace(JSON_RAW_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

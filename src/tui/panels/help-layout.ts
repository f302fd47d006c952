/**
 * Pure layout of the help overlay: the keymap's sections flowed into as few columns as fit
 * the height, each column a fixed width with a gap before the next (so one description never
 * runs into the next column's text), long descriptions wrapped under themselves, and a
 * heading never left alone at the bottom of a column.
 */
import type { HelpSection } from '../keymap.js';

export interface HelpLine {
  /** 'more' is the last line when the terminal is too small for every key. */
  kind: 'title' | 'row' | 'blank' | 'more';
  /** The whole line, at most `width` characters. */
  text: string;
}

export interface HelpLayout {
  columns: HelpLine[][];
  /** Characters per column. */
  width: number;
  /** Spaces between columns. */
  gap: number;
  /** False when even the most columns that fit could not show every key. */
  complete: boolean;
}

export const HELP_GAP = 3;
/** Narrower than this and descriptions wrap into unreadable slivers. */
export const MIN_HELP_WIDTH = 30;
const MAX_KEYS_WIDTH = 14;

/** Words of `text` in lines of at most `width` characters; a word longer than that is cut. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const piece = word.length > width ? `${word.slice(0, width - 1)}…` : word;
    if (!line) line = piece;
    else if (line.length + 1 + piece.length <= width) line += ` ${piece}`;
    else {
      lines.push(line);
      line = piece;
    }
  }
  lines.push(line);
  return lines;
}

/** One key row as its lines: keys padded to a column, the description wrapped beside it. */
function rowLines(keys: string, description: string, keysWidth: number, width: number): HelpLine[] {
  const shownKeys = keys.length > keysWidth ? `${keys.slice(0, keysWidth - 1)}…` : keys;
  const descWidth = Math.max(1, width - keysWidth - 1);
  return wrap(description, descWidth).map((d, i) => ({ kind: 'row', text: `${(i === 0 ? shownKeys : '').padEnd(keysWidth)} ${d}` }));
}

function titleLine(title: string, width: number): HelpLine {
  return { kind: 'title', text: title.length > width ? `${title.slice(0, width - 1)}…` : title };
}

/**
 * Flows the sections into columns of `height` lines at `width` characters. A section starts
 * with its heading, separated from the one above by a blank line; a heading goes to the next
 * column unless its first row fits under it; a section split across columns repeats its
 * heading marked "(cont.)". Stops, incomplete, when it would need more than `maxColumns`.
 */
function flow(
  sections: readonly HelpSection[],
  width: number,
  height: number,
  maxColumns: number,
  spacers: boolean,
): { columns: HelpLine[][]; complete: boolean } {
  const columns: HelpLine[][] = [[]];
  let col = columns[0]!;
  const nextColumn = (): boolean => {
    if (columns.length >= maxColumns) return false;
    col = [];
    columns.push(col);
    return true;
  };
  for (const section of sections) {
    // Keys padded per section: one long key ("+ Ctrl+wheel↑") does not narrow every description.
    const keysWidth = Math.min(MAX_KEYS_WIDTH, Math.max(1, ...section.rows.map((r) => r.keys.length)));
    const rows = section.rows.map((r) => rowLines(r.keys, r.description, keysWidth, width));
    const first = rows[0] ?? [];
    // Heading (+ the blank line above it) and the first row must fit together.
    const spacer = spacers && col.length > 0 ? 1 : 0;
    if (col.length + spacer + 1 + first.length > height) {
      if (!nextColumn()) return { columns, complete: false };
    }
    if (spacers && col.length > 0) col.push({ kind: 'blank', text: '' });
    col.push(titleLine(section.title, width));
    for (const lines of rows) {
      if (col.length + lines.length > height) {
        if (!nextColumn()) return { columns, complete: false };
        col.push(titleLine(`${section.title} (cont.)`, width));
      }
      col.push(...lines.slice(0, height - col.length));
    }
  }
  return { columns, complete: true };
}

/** The help in the fewest columns that show every key, in `columns` × `rows` characters. */
export function layoutHelp(sections: readonly HelpSection[], columns: number, rows: number): HelpLayout {
  const height = Math.max(1, rows);
  const mostColumns = Math.max(1, Math.floor((columns + HELP_GAP) / (MIN_HELP_WIDTH + HELP_GAP)));
  const widthFor = (n: number) => Math.max(1, Math.floor((columns - HELP_GAP * (n - 1)) / n));
  // Blank lines between sections only when everything still fits with them.
  for (const spacers of [true, false]) {
    for (let n = 1; n <= mostColumns; n++) {
      const laid = flow(sections, widthFor(n), height, n, spacers);
      if (laid.complete) return { columns: laid.columns, width: widthFor(n), gap: HELP_GAP, complete: true };
    }
  }
  const width = widthFor(mostColumns);
  const laid = flow(sections, width, height, mostColumns, false);
  if (!laid.complete) {
    // Too small for every key: say so on the last line rather than cut silently.
    const last = laid.columns.at(-1)!;
    const note: HelpLine = { kind: 'more', text: '… more: enlarge the terminal'.slice(0, width) };
    while (last.length >= height) last.pop();
    // A heading whose rows did not fit goes too: never a heading right above the note.
    while (last.length > 0 && last.at(-1)!.kind !== 'row') last.pop();
    last.push(note);
  }
  return { columns: laid.columns, width, gap: HELP_GAP, complete: laid.complete };
}

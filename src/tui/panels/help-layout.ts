/**
 * Pure layout of the help overlay: the keymap's sections flowed into as few columns as fit
 * the height, each column a fixed width with a gap before the next (so one description never
 * runs into the next column's text), long descriptions wrapped under themselves, and a
 * heading never left alone at the bottom of a column. When even the most columns that fit
 * the width cannot hold every key, the help is paged (a line is kept for the page footer)
 * rather than cut: every key and every word is on some page at any size.
 */
import type { HelpSection } from '../keymap.js';

export interface HelpLine {
  kind: 'title' | 'row' | 'blank';
  /** The whole line, at most `width` characters. */
  text: string;
}

export interface HelpLayout {
  /** Each page's columns; one page when everything fits. */
  pages: HelpLine[][][];
  /** Characters per column. */
  width: number;
  /** Spaces between columns. */
  gap: number;
  /** Lines per column: the height given, less the footer's line when paged. */
  height: number;
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

/**
 * One key row as its lines: keys padded to a column, the description wrapped beside it.
 * Keys wider than their column ("↑↓←→ hjkl HJKL tab") wrap within it, so none is cut.
 */
function rowLines(keys: string, description: string, keysWidth: number, width: number): HelpLine[] {
  const keyLines = wrap(keys, keysWidth);
  const descLines = wrap(description, Math.max(1, width - keysWidth - 1));
  const lines: HelpLine[] = [];
  for (let i = 0; i < Math.max(keyLines.length, descLines.length); i++) {
    lines.push({ kind: 'row', text: `${(keyLines[i] ?? '').padEnd(keysWidth)} ${descLines[i] ?? ''}`.trimEnd() });
  }
  return lines;
}

function titleLine(title: string, width: number): HelpLine {
  return { kind: 'title', text: title.length > width ? `${title.slice(0, width - 1)}…` : title };
}

/**
 * Flows the sections into columns of `height` lines at `width` characters. A section starts
 * with its heading, separated from the one above by a blank line; a heading goes to the next
 * column unless its first row fits under it; a section split across columns repeats its
 * heading marked "(cont.)". A row taller than a whole column (a tiny terminal) is split
 * across columns rather than cut. Stops, incomplete, when it would need more than `maxColumns`.
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
    const cont = () => {
      // A heading needs a line under it; at one line a column there is no room for one.
      if (height >= 2) col.push(titleLine(`${section.title} (cont.)`, width));
    };
    // Heading (+ the blank line above it) and the first row must fit together.
    const spacer = spacers && col.length > 0 ? 1 : 0;
    if (col.length > 0 && col.length + spacer + 1 + first.length > height) {
      if (!nextColumn()) return { columns, complete: false };
    }
    if (spacers && col.length > 0) col.push({ kind: 'blank', text: '' });
    col.push(titleLine(section.title, width));
    for (const lines of rows) {
      if (col.length + lines.length > height && lines.length + (height >= 2 ? 1 : 0) <= height) {
        if (!nextColumn()) return { columns, complete: false };
        cont();
      }
      // Only when the row is taller than a column: the rest goes on in the next one.
      for (let at = 0; at < lines.length; ) {
        if (col.length >= height) {
          if (!nextColumn()) return { columns, complete: false };
          cont();
        }
        const take = lines.slice(at, at + height - col.length);
        col.push(...take);
        at += take.length;
      }
    }
  }
  return { columns, complete: true };
}

/**
 * The help in `columns` × `rows` characters: on one page in the fewest columns that show
 * every key, else in pages of as many columns as fit the width (fewest pages), each `rows - 1`
 * lines tall so the overlay has a line for the page footer.
 */
export function layoutHelp(sections: readonly HelpSection[], columns: number, rows: number): HelpLayout {
  const height = Math.max(1, rows);
  const mostColumns = Math.max(1, Math.floor((columns + HELP_GAP) / (MIN_HELP_WIDTH + HELP_GAP)));
  const widthFor = (n: number) => Math.max(1, Math.floor((columns - HELP_GAP * (n - 1)) / n));
  // Blank lines between sections only when everything still fits with them.
  for (const spacers of [true, false]) {
    for (let n = 1; n <= mostColumns; n++) {
      const laid = flow(sections, widthFor(n), height, n, spacers);
      if (laid.complete) return { pages: [laid.columns], width: widthFor(n), gap: HELP_GAP, height };
    }
  }
  const width = widthFor(mostColumns);
  const pageHeight = Math.max(1, height - 1);
  // Spacers kept unless dropping them saves a page.
  const [spaced, packed] = [true, false].map((spacers) => paginate(flow(sections, width, pageHeight, Infinity, spacers).columns, mostColumns));
  const pages = packed!.length < spaced!.length ? packed! : spaced!;
  return { pages, width, gap: HELP_GAP, height: pageHeight };
}

function paginate(columns: HelpLine[][], perPage: number): HelpLine[][][] {
  const pages: HelpLine[][][] = [];
  for (let i = 0; i < columns.length; i += perPage) pages.push(columns.slice(i, i + perPage));
  return pages;
}

/** The paged help's last line, the longest form that fits `width`; page is 0-based. */
export function helpFooter(page: number, pages: number, width: number): string {
  const n = `${page + 1}/${pages}`;
  const last = page >= pages - 1;
  const forms = last
    ? [`page ${n} · PgUp: back · ?/Esc: close`, `${n} · PgUp: back · Esc: close`, `${n} · PgUp: back`, n]
    : [`page ${n} · PgDn/Space: more · PgUp: back · ?/Esc: close`, `page ${n} · PgDn/Space: more · ?/Esc: close`, `${n} · PgDn: more · Esc: close`, `${n} · PgDn: more`, n];
  if (page === 0 && !last) forms.shift();
  return forms.find((f) => f.length <= width) ?? n.slice(0, width);
}

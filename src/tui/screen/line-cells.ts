/**
 * One line of Ink's frame as terminal cells, each with the SGR style in force (pure).
 *
 * Most lines are ASCII, box drawing and a few symbols: for those the line is cut at its SGR
 * sequences and each character is a cell, which is what the tokenizer makes of them (the tests
 * check it character by character) without its grapheme segmentation, which allocated about a
 * kilobyte per character (15 MB over ten next-image keys at 160x48, a third of what the key's
 * diff and frame allocated). Anything else (wide or combining characters, other sequences) goes
 * through the tokenizer.
 */
import { ansiCodesToString, reduceAnsiCodesIncremental, tokenize, type AnsiCode } from '@alcalzone/ansi-tokenize';

export interface Cell {
  /** The grapheme drawn here; '' for the right half of a wide character. */
  ch: string;
  /** SGR codes in force for it ('' = default). */
  style: string;
}

export const BLANK: Cell = { ch: ' ', style: '' };

/**
 * Characters that are one cell and a grapheme of their own whatever surrounds them: printable
 * ASCII, Latin-1 (less the soft hyphen), general punctuation, arrows, mathematical operators,
 * box drawing, block elements, geometric shapes (less the two wide squares) and the stars.
 * No combining mark, joiner, variation selector or wide character is among them.
 */
const SIMPLE = /^[\x20-\x7e\u00a0-\u00ac\u00ae-\u00ff\u2010-\u2027\u2030-\u205e\u2190-\u21ff\u2200-\u22ff\u2500-\u25fc\u2605\u2606]*$/;
const SGR = /\x1b\[[0-9;]*m/g;

/** SGR sequence → its codes, tokenized once (a frame uses a handful). */
const sgrCodes = new Map<string, AnsiCode[]>();

function codesOf(seq: string): AnsiCode[] {
  let codes = sgrCodes.get(seq);
  if (!codes) {
    codes = tokenize(seq).filter((t): t is AnsiCode => t.type === 'ansi');
    if (sgrCodes.size < 1024) sgrCodes.set(seq, codes);
  }
  return codes;
}

/** The fast path, or null when the line has anything it does not cover (an ESC outside SGR among them). */
function simpleCells(line: string, columns: number): Cell[] | null {
  const cells: Cell[] = [];
  let codes: AnsiCode[] = [];
  let style = '';
  let from = 0;
  const run = (text: string): boolean => {
    if (!SIMPLE.test(text)) return false;
    for (let i = 0; i < text.length && cells.length < columns; i++) cells.push({ ch: text[i]!, style });
    return true;
  };
  for (const m of line.matchAll(SGR)) {
    if (!run(line.slice(from, m.index))) return null;
    codes = reduceAnsiCodesIncremental(codes, codesOf(m[0]));
    style = codes.length ? ansiCodesToString(codes) : '';
    from = m.index + m[0].length;
  }
  if (!run(line.slice(from))) return null;
  return cells;
}

/**
 * One frame line as exactly `columns` cells (Ink trims trailing blanks; wide characters take two).
 * The library's styledCharsFromTokens gives each character its own copy of the codes in force,
 * and each then had to be turned into a string: 40 % of a page turn's diff (16 ms of CPU at
 * 160x48). The style string is made once per escape sequence here instead, from the same codes.
 */
export function lineCells(line: string, columns: number): Cell[] {
  const cells = simpleCells(line, columns) ?? tokenCells(line, columns);
  while (cells.length < columns) cells.push(BLANK);
  return cells;
}

function tokenCells(line: string, columns: number): Cell[] {
  const cells: Cell[] = [];
  let codes: AnsiCode[] = [];
  let style = '';
  for (const token of tokenize(line)) {
    if (token.type === 'ansi') {
      codes = reduceAnsiCodesIncremental(codes, [token]);
      style = codes.length ? ansiCodesToString(codes) : '';
      continue;
    }
    // A control sequence that draws nothing (an OSC other than a link) takes no cell.
    if (token.type !== 'char') continue;
    if (cells.length >= columns) break;
    if (token.fullWidth) {
      // A wide character that would straddle the right edge is not drawn (the terminal would wrap it).
      if (cells.length + 2 > columns) break;
      cells.push({ ch: token.value, style }, { ch: '', style });
    } else {
      cells.push({ ch: token.value, style });
    }
  }
  return cells;
}

/**
 * What the terminal shows as text, cell by cell, and the bytes that turn it into the next frame.
 *
 * Ink 6.8 rewrites every line of a changed frame (eraseLines + the whole frame), and its
 * incrementalRendering was measured shifting rows inside multi-line cells in tmux. Rewriting a
 * line also wipes any sixel or iTerm2 picture on it, so a cursor step cost a full repaint of
 * every picture (1.6 MB at 160×48). This diff writes only the cells that changed, and never a
 * cell a picture owns (its rect is "masked"), so text can no longer damage a picture.
 *
 * Pure: no I/O; the caller writes the returned bytes.
 */
import type { CellRect } from '../../render/types.js';
import { BLANK, lineCells, type Cell } from './line-cells.js';

/** A cell whose content on the terminal is not known (after a clear, a re-attach, a picture leaving). */
const UNKNOWN: Cell = { ch: '\u0000', style: '' };
/** Unchanged cells between two changes that are cheaper to rewrite than to jump over. */
const MAX_GAP = 4;
const RESET = '\x1b[0m';

const cup = (col: number, row: number) => `\x1b[${row + 1};${col + 1}H`;

function sameCell(a: Cell, b: Cell): boolean {
  return a.ch === b.ch && a.style === b.style;
}

const maskKey = (masks: readonly CellRect[]) => masks.map((m) => `${m.col},${m.row},${m.cols},${m.rows}`).join(';');

export class TextScreen {
  #columns: number;
  #rows: number;
  /** What the terminal shows now, as far as we know. */
  #screen: Cell[][];
  /**
   * The frame line each row was last brought up to date with, and the picture rects over it then:
   * the same line under the same rects has nothing to write (skipped without parsing it).
   */
  #cleanLine: (string | null)[];
  #cleanMasks: string[];

  constructor(columns: number, rows: number) {
    this.#columns = columns;
    this.#rows = rows;
    this.#screen = [];
    this.#cleanLine = [];
    this.#cleanMasks = [];
    this.reset(BLANK);
  }

  get columns(): number {
    return this.#columns;
  }

  get rows(): number {
    return this.#rows;
  }

  /** The screen was cleared (ESC[2J): every cell is blank. */
  cleared(): void {
    this.reset(BLANK);
  }

  /** Nothing on screen can be trusted (resize, re-attach, resume after Ctrl-Z): redraw every cell. */
  invalidate(columns = this.#columns, rows = this.#rows): void {
    this.#columns = columns;
    this.#rows = rows;
    this.reset(UNKNOWN);
  }

  /** A picture left these cells: whatever the frame has there must be written again. */
  forget(rect: CellRect): void {
    for (let r = Math.max(0, rect.row); r < Math.min(this.#rows, rect.row + rect.rows); r++) {
      const row = this.#screen[r]!;
      for (let c = Math.max(0, rect.col); c < Math.min(this.#columns, rect.col + rect.cols); c++) row[c] = UNKNOWN;
      this.#cleanLine[r] = null;
    }
  }

  /**
   * Bytes that make the terminal show `lines` (Ink's frame, one string per row) except inside
   * `masks`, which pictures own. The cursor position afterwards is unspecified.
   */
  diff(lines: readonly string[], masks: readonly CellRect[] = []): string {
    let out = '';
    for (let r = 0; r < this.#rows; r++) {
      const line = lines[r] ?? '';
      const rowMasks = masks.filter((m) => r >= m.row && r < m.row + m.rows && m.cols > 0);
      // A mask that went away exposes cells not written while it was there: a new key, a new diff.
      const key = maskKey(rowMasks);
      if (this.#cleanLine[r] === line && this.#cleanMasks[r] === key) continue;
      out += this.#diffRow(r, lineCells(line, this.#columns), rowMasks);
      this.#cleanLine[r] = line;
      this.#cleanMasks[r] = key;
    }
    return out ? out + RESET : '';
  }

  private reset(fill: Cell): void {
    this.#screen = Array.from({ length: this.#rows }, () => new Array<Cell>(this.#columns).fill(fill));
    this.#cleanLine = new Array<string | null>(this.#rows).fill(null);
    this.#cleanMasks = new Array<string>(this.#rows).fill('');
  }

  #diffRow(r: number, want: Cell[], masks: CellRect[]): string {
    const have = this.#screen[r]!;
    const cols = this.#columns;
    const masked = new Uint8Array(cols);
    for (const m of masks) for (let c = Math.max(0, m.col); c < Math.min(cols, m.col + m.cols); c++) masked[c] = 1;
    // The bottom-right cell is never written: on some terminals that scrolls the screen.
    if (r === this.#rows - 1) masked[cols - 1] = 1;
    let out = '';
    let c = 0;
    while (c < cols) {
      if (masked[c] || sameCell(have[c]!, want[c]!)) {
        c++;
        continue;
      }
      // Start a run here (at the left half of a wide character) and extend it over changes
      // separated by short gaps of unchanged, unmasked cells.
      let start = c;
      if (want[start]!.ch === '' && start > 0 && !masked[start - 1]) start--;
      let end = c + 1;
      for (let k = end; k < cols && !masked[k]; k++) {
        if (!sameCell(have[k]!, want[k]!)) end = k + 1;
        else if (k - end >= MAX_GAP) break;
      }
      // Never split a wide character at the end of a run.
      if (end < cols && want[end]!.ch === '') end++;
      out += cup(start, r) + RESET;
      let pen = '';
      for (let k = start; k < end; k++) {
        const cell = want[k]!;
        if (masked[k]) break;
        if (cell.ch === '') {
          have[k] = cell;
          continue;
        }
        if (cell.style !== pen) {
          out += pen ? RESET + cell.style : cell.style;
          pen = cell.style;
        }
        out += cell.ch;
        have[k] = cell;
      }
      if (pen) out += RESET;
      c = end;
    }
    return out;
  }
}

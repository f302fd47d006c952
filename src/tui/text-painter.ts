import type { CellRect, Placement } from '../render/types.js';

/**
 * Paints half-block thumbnails (text lines with 24-bit SGR) at absolute cell positions after
 * each Ink frame, instead of putting them inside <Text>.
 *
 * Why not in-tree: Ink 6.8 re-tokenises every line of every frame grapheme by grapheme
 * (ansi-tokenize over Intl.Segmenter, with no cache across frames). A 6×4 grid of
 * half-block thumbnails is ~100 KB of SGR per frame and measured 90-210 ms per key press
 * in bench/tui.ts; written here it costs a string concatenation. Ink rewrites all its lines
 * each frame (the blank cells reserved for the images), so every frame repaints them, as
 * the render painter does for sixel and iTerm2.
 */
const SAVE_CURSOR = '\x1b7';
const RESTORE_CURSOR = '\x1b8';
const cup = (col: number, row: number) => `\x1b[${row + 1};${col + 1}H`;

export class TextPainter {
  #shown = new Map<string, CellRect>();

  /** Bytes for one frame: `before` blanks rects no longer painted, `after` writes every wanted image. */
  frame(placements: readonly Placement[]): { before: string; after: string } {
    let after = '';
    const next = new Map<string, CellRect>();
    for (const p of placements) {
      const lines = p.image.lines;
      if (!lines) continue;
      const rows = Math.min(lines.length, p.rect.rows);
      for (let i = 0; i < rows; i++) after += cup(p.rect.col, p.rect.row + i) + lines[i]! + '\x1b[0m';
      next.set(p.key, { ...p.rect, rows });
    }
    let before = '';
    for (const [key, rect] of this.#shown) {
      const now = next.get(key);
      if (now && now.col === rect.col && now.row === rect.row && now.cols === rect.cols && now.rows === rect.rows) continue;
      for (let i = 0; i < rect.rows; i++) before += `${cup(rect.col, rect.row + i)}\x1b[${rect.cols}X`;
    }
    this.#shown = next;
    return {
      before: before ? SAVE_CURSOR + before + RESTORE_CURSOR : '',
      after: after ? SAVE_CURSOR + after + RESTORE_CURSOR : '',
    };
  }

  invalidate(): void {
    this.#shown.clear();
  }

  clearAll(): string {
    let out = '';
    for (const rect of this.#shown.values()) {
      for (let i = 0; i < rect.rows; i++) out += `${cup(rect.col, rect.row + i)}\x1b[${rect.cols}X`;
    }
    this.#shown.clear();
    return out ? SAVE_CURSOR + out + RESTORE_CURSOR : '';
  }
}

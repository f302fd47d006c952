import type { PaintUnit } from '../render/painter.js';
import { coveredRect, sameRect } from '../render/geometry.js';
import type { CellRect, Placement } from '../render/types.js';

/**
 * Paints half-block thumbnails (text lines with 24-bit SGR) at absolute cell positions, as
 * pictures of their own rather than inside <Text>.
 *
 * Why not in-tree: Ink 6.8 re-tokenises every line of every frame grapheme by grapheme
 * (ansi-tokenize over Intl.Segmenter, with no cache across frames). A 6×4 grid of
 * half-block thumbnails is ~100 KB of SGR per frame and measured 90-210 ms per key press
 * in bench/tui.ts; written here it costs a string concatenation, and only when the picture in
 * a slot changes: the cell diff (screen/text-screen.ts) never writes over a picture's cells.
 */
const SAVE_CURSOR = '\x1b7';
const RESTORE_CURSOR = '\x1b8';
const cup = (col: number, row: number) => `\x1b[${row + 1};${col + 1}H`;

interface Shown {
  rect: CellRect;
  imageKey: string;
}

export class TextPainter {
  #shown = new Map<string, Shown>();

  /** Units for the pictures that are new or changed; pictures that left are the caller's to erase. */
  frameUnits(placements: readonly Placement[]): { before: string; units: PaintUnit[] } {
    const units: PaintUnit[] = [];
    const next = new Map<string, Shown>();
    for (const p of placements) {
      const lines = p.image.lines;
      if (!lines) continue;
      const rect = coveredRect(p);
      const rows = rect.rows;
      next.set(p.key, { rect, imageKey: p.image.key });
      const prev = this.#shown.get(p.key);
      if (prev && prev.imageKey === p.image.key && sameRect(prev.rect, rect)) continue;
      let bytes = SAVE_CURSOR;
      for (let i = 0; i < rows; i++) bytes += cup(p.rect.col, p.rect.row + i) + lines[i]! + '\x1b[0m';
      bytes += RESTORE_CURSOR;
      units.push({ slot: p.key, kind: 'place', rect, imageKey: p.image.key, imageId: null, chunks: [bytes], abort: '' });
    }
    this.#shown = next;
    return { before: '', units };
  }

  /** Bytes for one frame (everything at once): `after` writes the new and changed pictures. */
  frame(placements: readonly Placement[]): { before: string; after: string } {
    const { units } = this.frameUnits(placements);
    return { before: '', after: units.map((u) => u.chunks.join('')).join('') };
  }

  abandon(unit: PaintUnit): void {
    const s = this.#shown.get(unit.slot);
    if (s && s.imageKey === unit.imageKey) this.#shown.delete(unit.slot);
  }

  invalidate(): void {
    this.#shown.clear();
  }

  clearAll(): string {
    let out = '';
    for (const { rect } of this.#shown.values()) {
      for (let i = 0; i < rect.rows; i++) out += `${cup(rect.col, rect.row + i)}\x1b[${rect.cols}X`;
    }
    this.#shown.clear();
    return out ? SAVE_CURSOR + out + RESTORE_CURSOR : '';
  }
}

/**
 * The one writer of out-of-band image bytes (kitty direct placements, sixel, iTerm2), Ink-agnostic.
 * Given the placements wanted after a frame, it returns the bytes to write around that frame:
 * `before` erases what is no longer wanted (so Ink's text can then cover it), `after` draws the
 * images with the cursor saved and restored. kitty pixels are transmitted once per image id and
 * re-placed by id; sixel and iTerm2 are repainted every frame from the renderer's encoded cache,
 * because Ink erases its lines on each frame.
 */
import { kittyCommand, kittyDeleteAll, kittyDeleteImage, kittyDeletePlacement, kittyPlace } from './encoders/kitty.js';
import { coveredRect, sameRect } from './geometry.js';
import { wrapEachSequence, wrapPassthroughParts } from './tmux.js';
import type { CellRect, Placement, Protocol, RenderedImage, TerminalCaps } from './types.js';

const SAVE_CURSOR = '\x1b7';
const RESTORE_CURSOR = '\x1b8';

/** Absolute cursor move to a 0-based cell. */
export function cursorTo(col: number, row: number): string {
  return `\x1b[${Math.max(0, Math.floor(row)) + 1};${Math.max(0, Math.floor(col)) + 1}H`;
}

/** Spaces over a rect (ECH erases without moving the cursor): removes sixel/iTerm2 pixels. */
export function blankRect(rect: CellRect): string {
  let out = '';
  for (let r = 0; r < rect.rows; r += 1) out += `${cursorTo(rect.col, rect.row + r)}\x1b[${rect.cols}X`;
  return out;
}

export interface PaintBytes {
  /** Write before the frame: erases stale images. */
  before: string;
  /** Write after the frame: draws the wanted images. */
  after: string;
}

/**
 * One picture's bytes for a writer that paces them (see src/tui/screen/paint-unit.ts): split
 * where a pause is safe, with the bytes that end it cleanly if it is stopped half-way.
 */
export interface PaintUnit {
  slot: string;
  kind: 'transmit' | 'place';
  rect: CellRect;
  imageKey: string;
  imageId: number | null;
  chunks: string[];
  abort: string;
  /** Pixels sent before they are shown (the preview's neighbours): anything shown goes first. */
  ahead?: boolean;
}

/** Bytes per piece of a picture: small enough that a key never waits long behind one. */
export const PAINT_CHUNK = 16 * 1024;

function sliceChunks(bytes: string, size: number): string[] {
  if (bytes.length <= size) return [bytes];
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.slice(i, i + size));
  return out;
}

/** Pieces of about `size` that end at a string terminator (ESC \), so no pause splits a sequence. */
function sequenceChunks(bytes: string, size: number): string[] {
  if (bytes.length <= size) return [bytes];
  const out: string[] = [];
  let start = 0;
  let cut = 0;
  for (;;) {
    const st = bytes.indexOf('\x1b\\', cut);
    if (st < 0) break;
    if (st + 2 - start > size && cut > start) {
      out.push(bytes.slice(start, cut));
      start = cut;
    }
    cut = st + 2;
  }
  if (start < bytes.length) out.push(bytes.slice(start));
  return out;
}

export interface FrameOptions {
  /**
   * Which rects the frame just written overwrote (e.g. the rows Ink rewrote with
   * incrementalRendering). sixel/iTerm2 pictures outside them are still on screen and are not
   * sent again. @default every rect (Ink's standard mode rewrites every line each frame)
   */
  damaged?: (rect: CellRect) => boolean;
  /**
   * kitty pictures not on screen yet to transmit after the frame's own (the preview's
   * neighbours, nearest first), so that moving to one is only a placement. Ignored elsewhere.
   */
  ahead?: readonly RenderedImage[];
}

export interface PainterOptions {
  /** kitty images kept transmitted in the terminal before the least recently shown is freed. @default 256 */
  maxTransmitted?: number;
  /**
   * Pixels (bytes at 4 a pixel) kept transmitted. kitty holds 320 MB of images and then drops
   * the oldest without a placement, which a revisit would place blank: half of it is kept.
   * @default 160 MiB
   */
  maxTransmittedBytes?: number;
  /**
   * The caller rewrites the text under a picture that leaves (the TUI's cell diff), which erases
   * sixel and iTerm2 pixels, so no blanking is sent. @default false
   */
  textErases?: boolean;
}

interface Shown {
  slot: string;
  rect: CellRect;
  imageKey: string;
  imageId: number | null;
  placementId: number;
}

export class Painter {
  readonly protocol: Protocol;
  private readonly passthrough: boolean;
  private readonly pane: { col: number; row: number };
  private readonly maxTransmitted: number;
  private readonly textErases: boolean;
  private readonly maxTransmittedBytes: number;
  /** kitty image ids in the terminal → their pixel bytes, least recently shown first (Map keeps insertion order). */
  private transmitted = new Map<number, number>();
  private transmittedBytes = 0;
  private shown = new Map<string, Shown>();

  constructor(caps: Pick<TerminalCaps, 'protocol' | 'passthrough' | 'paneOffset'>, options: PainterOptions = {}) {
    this.protocol = caps.protocol;
    this.passthrough = caps.passthrough;
    this.pane = caps.paneOffset ?? { col: 0, row: 0 };
    this.maxTransmitted = Math.max(1, options.maxTransmitted ?? 256);
    this.textErases = options.textErases ?? false;
    this.maxTransmittedBytes = Math.max(1, options.maxTransmittedBytes ?? 160 * 1024 * 1024);
  }

  /** Records an id as in the terminal, most recently shown. */
  private keep(img: RenderedImage & { imageId: number }): void {
    this.forget(img.imageId);
    const bytes = (img.transmitPixels ?? 0) * 4;
    this.transmitted.set(img.imageId, bytes);
    this.transmittedBytes += bytes;
  }

  private forget(id: number): void {
    const bytes = this.transmitted.get(id);
    if (bytes === undefined) return;
    this.transmitted.delete(id);
    this.transmittedBytes -= bytes;
  }

  private transmitUnit(img: RenderedImage & { imageId: number; transmit: string }, rect: CellRect, ahead: boolean): PaintUnit {
    return {
      slot: '',
      kind: 'transmit',
      rect,
      imageKey: img.key,
      imageId: img.imageId,
      chunks: sequenceChunks(this.wrap(img.transmit), PAINT_CHUNK),
      // A chunked transfer stopped half-way: end it with an empty last chunk; the truncated
      // image fails to load, so nothing is kept. No a=d,d=I: kitty 0.26.5 frees every image
      // without a placement on it, which blanked the pages kept for a revisit.
      abort: this.wrap(kittyCommand({ m: 0, q: 2 })),
      ...(ahead ? { ahead } : {}),
    };
  }

  private wrap(bytes: string): string {
    return this.passthrough ? wrapEachSequence(bytes) : bytes;
  }

  /**
   * Cursor saved, moved to a cell, `bytes`, cursor restored. Through tmux the whole of it is
   * passed through, in outer-terminal coordinates: tmux does not move the outer cursor for us.
   */
  private positioned(col: number, row: number, bytes: string): string {
    if (!this.passthrough) return SAVE_CURSOR + cursorTo(col, row) + bytes + RESTORE_CURSOR;
    // One wrapper for the lot: tmux 3.3 (measured in kitty) dropped the cursor moves when they
    // travelled in a passthrough of their own, and the picture landed at the outer cursor.
    return wrapPassthroughParts([SAVE_CURSOR + cursorTo(col + this.pane.col, row + this.pane.row), bytes, RESTORE_CURSOR]);
  }

  /** Bytes for one frame. Placements whose image is in-tree text only get their kitty pixels sent. */
  frame(placements: readonly Placement[], options: FrameOptions = {}): PaintBytes {
    const { before, units } = this.frameUnits(placements, options);
    return { before, after: units.map((u) => u.chunks.join('')).join('') };
  }

  /**
   * The same frame as pieces a pacing writer can stop between. A unit the writer stops must be
   * handed to abandon(), so the painter sends it again when it is wanted again.
   */
  frameUnits(placements: readonly Placement[], options: FrameOptions = {}): { before: string; units: PaintUnit[] } {
    let before = '';
    const units: PaintUnit[] = [];
    const next = new Map<string, Shown>();
    const placementsPerImage = new Map<number, number>();

    for (const p of placements) {
      const img = p.image;
      if (img.imageId !== null && img.transmit !== null) {
        const known = { ...img, imageId: img.imageId, transmit: img.transmit };
        if (!this.transmitted.has(img.imageId)) units.push(this.transmitUnit(known, p.rect, false));
        this.keep(known);
      }
      if (img.lines !== null || img.place === null) continue;
      const rect = coveredRect(p);
      let placementId = 1;
      if (img.imageId !== null) {
        placementId = (placementsPerImage.get(img.imageId) ?? 0) + 1;
        placementsPerImage.set(img.imageId, placementId);
      }
      const entry: Shown = { slot: p.key, rect, imageKey: img.key, imageId: img.imageId, placementId };
      next.set(p.key, entry);
      const prev = this.shown.get(p.key);
      const unchanged =
        prev !== undefined && prev.imageKey === img.key && prev.placementId === placementId && sameRect(prev.rect, rect);
      if (this.protocol === 'kitty' && img.imageId !== null) {
        // Re-sending the same id+placement moves it without flicker; unchanged ones stay as they are.
        if (unchanged) continue;
        const bytes = this.positioned(rect.col, rect.row, kittyPlace(img.imageId, placementId, img.cols, img.rows));
        units.push({ slot: p.key, kind: 'place', rect, imageKey: img.key, imageId: img.imageId, chunks: [bytes], abort: '' });
      } else if (!unchanged || !options.damaged || options.damaged(rect)) {
        const bytes = this.positioned(rect.col, rect.row, img.place);
        units.push({
          slot: p.key,
          kind: 'place',
          rect,
          imageKey: img.key,
          imageId: null,
          // Through tmux the picture travels in one passthrough: it is written whole.
          chunks: this.passthrough ? [bytes] : sliceChunks(bytes, PAINT_CHUNK),
          abort: this.passthrough ? '' : `\x1b\\${RESTORE_CURSOR}`,
        });
      }
    }

    for (const [slot, prev] of this.shown) {
      const now = next.get(slot);
      if (now && now.imageKey === prev.imageKey && sameRect(now.rect, prev.rect) && now.placementId === prev.placementId) continue;
      if (prev.imageId !== null) {
        // Still shown elsewhere under the same id+placement: the new place command already moved it.
        const movedNotGone = [...next.values()].some(
          (n) => n.imageId === prev.imageId && n.placementId === prev.placementId,
        );
        if (!movedNotGone) before += this.wrap(kittyDeletePlacement(prev.imageId, prev.placementId));
      } else if (!this.textErases) {
        before += SAVE_CURSOR + blankRect(prev.rect) + RESTORE_CURSOR;
      }
    }
    this.shown = next;

    // Free the pixels of the least recently shown kitty images beyond the budget.
    const over = () => this.transmitted.size > this.maxTransmitted || (this.transmitted.size > 1 && this.transmittedBytes > this.maxTransmittedBytes);
    while (over()) {
      const oldest = this.transmitted.keys().next().value;
      if (oldest === undefined) break;
      this.forget(oldest);
      before += this.wrap(kittyDeleteImage(oldest));
      // kitty 0.26.5 frees every image without a placement on d=I, not only this one: what is
      // not on screen now must be sent again when it is.
      const placed = new Set([...next.values()].map((s) => s.imageId));
      for (const id of [...this.transmitted.keys()]) if (!placed.has(id)) this.forget(id);
    }
    // Neighbours ahead only while they fit beside what is kept: sending one would free another.
    if (this.protocol === 'kitty') {
      for (const img of options.ahead ?? []) {
        if (img.imageId === null || img.transmit === null || this.transmitted.has(img.imageId)) continue;
        const bytes = (img.transmitPixels ?? 0) * 4;
        if (this.transmitted.size + 1 > this.maxTransmitted || this.transmittedBytes + bytes > this.maxTransmittedBytes) break;
        const known = { ...img, imageId: img.imageId, transmit: img.transmit };
        units.push(this.transmitUnit(known, { col: 0, row: 0, cols: 0, rows: 0 }, true));
        this.keep(known);
      }
    }
    return { before, units };
  }

  /** A unit the writer stopped or dropped: forget it, so it is sent again when wanted. */
  abandon(unit: PaintUnit): void {
    if (unit.kind === 'transmit' && unit.imageId !== null) {
      this.forget(unit.imageId);
      for (const [slot, s] of this.shown) if (s.imageId === unit.imageId) this.shown.delete(slot);
    } else {
      const s = this.shown.get(unit.slot);
      if (s && s.imageKey === unit.imageKey) this.shown.delete(unit.slot);
    }
  }

  /** The layout moved under every picture (resize): place all again; kitty keeps its pixels. */
  replaceAll(): void {
    this.shown.clear();
  }

  /**
   * The screen was cleared (Ink writes ESC[2J when its output reaches the terminal's height,
   * which also deletes kitty images, pixels included: measured in kitty 0.26.5, a re-place by id
   * after ESC[2J shows nothing): forget everything, so the next frame sends it all again.
   */
  invalidate(): void {
    this.shown.clear();
    this.transmitted.clear();
    this.transmittedBytes = 0;
  }

  /** Bytes that remove every image this painter drew (call at exit). */
  clearAll(): string {
    let out = '';
    if (this.protocol === 'kitty' || this.transmitted.size > 0) {
      for (const id of this.transmitted.keys()) out += this.wrap(kittyDeleteImage(id));
      out += this.wrap(kittyDeleteAll());
    } else {
      for (const s of this.shown.values()) out += SAVE_CURSOR + blankRect(s.rect) + RESTORE_CURSOR;
    }
    this.shown.clear();
    this.transmitted.clear();
    this.transmittedBytes = 0;
    return out;
  }
}

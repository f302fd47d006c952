/**
 * The terminal-graphics vocabulary shared by `termtable show` and the TUI.
 * Owned by src/render. Geometry is in terminal cells unless a name says `Px`.
 */
import type { ThumbCause } from '../cache/types.js';

export const PROTOCOLS = ['kitty', 'sixel', 'iterm2', 'blocks'] as const;
/** How pixels reach the screen: kitty graphics, DEC sixel, iTerm2 inline images, Unicode half-blocks. */
export type Protocol = (typeof PROTOCOLS)[number];

/** Size of one character cell in pixels, as the terminal reports it (CSI 16 t) or a guess. */
export interface CellPx {
  width: number;
  height: number;
}

/** What the terminal can do, decided once at start-up by detect.ts. */
export interface TerminalCaps {
  protocol: Protocol;
  /** kitty Unicode placeholders (kitty ≥ 0.28, Ghostty): kitty images live in-tree as text. */
  kittyPlaceholders: boolean;
  /** 24-bit SGR colour confirmed (COLORTERM, a known terminal, or tmux's RGB feature). */
  truecolor: boolean;
  /**
   * Text colours the terminal shows, in bits: 24, 8 (256 colours), 4 (16) or 1 (none), from
   * COLORTERM, the terminal's answers, tmux's client features, TERM and its terminfo entry.
   * Absent: not decided (256 unless truecolor).
   */
  colorDepth?: 1 | 4 | 8 | 24;
  cellPx: CellPx;
  /** Whether cellPx was reported by the terminal (false: a default guess). */
  cellPxMeasured: boolean;
  /** Running inside tmux (TMUX set). */
  inTmux: boolean;
  /** Out-of-band bytes must be wrapped in tmux passthrough (`ESC Ptmux; … ESC \`). */
  passthrough: boolean;
  /**
   * Where the tmux pane starts on the outer terminal (0-based cells). Passed-through bytes land at
   * the outer terminal's cursor, which tmux does not keep in step, so they are positioned absolutely.
   */
  paneOffset?: { col: number; row: number };
  /** XTVERSION's answer split into name and version, e.g. {name:'kitty', version:'0.26.5'}; null when silent. */
  terminal: { name: string; version: string } | null;
  /** Largest sixel image the terminal accepts (XTSMGRAPHICS), null when unknown. */
  sixelMaxPx: { width: number; height: number } | null;
  /** Colour registers for sixel (XTSMGRAPHICS). @default 256 */
  sixelColors: number;
  /** Human-readable steps of the decision, for `show --probe` and bug reports. */
  reasons: string[];
}

/** A box measured in cells. */
export interface CellBox {
  cols: number;
  rows: number;
}

/** A rectangle of screen cells, 0-based from the top-left of the screen. */
export interface CellRect extends CellBox {
  col: number;
  row: number;
}

/** A thumbnail to draw: what the mipmap cache returns, plus a stable identity. */
export interface ImageInput {
  /**
   * Identity of these pixels, e.g. `${imageId}:${level}:${mtime}`. Equal keys must mean equal
   * pixels: encoded output is cached under key + box.
   */
  key: string;
  /** Encoded image (the cache's JPEG; any format sharp reads works). */
  data: Buffer;
  /** Pixel size of `data` (from the cache; re-checked, never trusted for sizing writes). */
  width: number;
  height: number;
}

/**
 * An image encoded for one protocol and one box. Either in-tree text (`lines`: half-blocks,
 * kitty placeholders) or out-of-band bytes (`place`: kitty placement, sixel, iTerm2) that a
 * Painter writes at the rect's position after each frame. kitty also carries `transmit`,
 * the pixels sent once under `imageId` (placeholders included).
 */
export interface RenderedImage {
  /** `${input.key}@${box.cols}x${box.rows}`: identity of this encoding. */
  key: string;
  protocol: Protocol;
  /** The box asked for. */
  box: CellBox;
  /** Cells the picture actually covers inside the box (aspect ratio kept), centred by the painter. */
  cols: number;
  rows: number;
  /** Offset of the picture inside the box (centred). */
  offsetCol: number;
  offsetRow: number;
  /**
   * In-tree text for <Text>: exactly box.rows strings, each box.cols cells wide, with raw SGR
   * (no chalk: it may downsample the kitty id colour). null for out-of-band images.
   */
  lines: readonly string[] | null;
  /** kitty image id (1 … 0xFFFFFF so it fits a 24-bit colour for placeholders). */
  imageId: number | null;
  /** Out-of-band bytes sent once before the picture can show (kitty transmit); null otherwise. */
  transmit: string | null;
  /** Pixels the terminal keeps for `transmit` (width × height), what counts against its quota. */
  transmitPixels?: number;
  /** Out-of-band bytes written with the cursor on the picture's top-left cell; null for text. */
  place: string | null;
  /** Bytes written (or held) to show it, for benchmarks. */
  byteLength: number;
}

/** One image wanted on screen this frame. */
export interface Placement {
  /** Stable identity of the slot, e.g. the library image id. */
  key: string;
  /** The box reserved for it in the layout (0-based screen cells). */
  rect: CellRect;
  image: RenderedImage;
}

/** A thumbnail that could not be made, as the skull shows it. */
export interface SkullInput {
  cause: ThumbCause;
  /** Raw one-line detail; sanitised by the skull renderer. */
  detail?: string;
}

/** One encoder per protocol: pixels + a box in cells → what to write. */
export interface Encoder {
  readonly protocol: Protocol;
  /** true: output is in-tree text (RenderedImage.lines); false: out-of-band bytes. */
  readonly inTree: boolean;
  encode(input: ImageInput, box: CellBox, options?: EncodeOptions): Promise<RenderedImage>;
  /** Releases workers or other resources. */
  close?(): Promise<void>;
}

export interface EncodeOptions {
  signal?: AbortSignal;
}

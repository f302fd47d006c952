/**
 * The library's data model, shared by every layer above src/db (cache, render, tui, cli).
 * Owned by src/db; other layers import these types, never the SQL.
 */

export const COLOR_LABELS = ['red', 'yellow', 'green', 'blue', 'purple'] as const;
export type ColorLabel = (typeof COLOR_LABELS)[number];

export const SORT_KEYS = ['taken', 'name', 'rating', 'imported', 'sharpness'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** One image as the library knows it. Text fields are raw (unsanitised) file data. */
export interface ImageRecord {
  id: number;
  /** Absolute path of the image file. */
  path: string;
  /** Absolute path of the folder (film roll) it belongs to. */
  filmRoll: string;
  filmRollId: number;
  filename: string;
  fileSize: number;
  /** File modification time, milliseconds since the epoch. */
  mtime: number;
  width: number | null;
  height: number | null;
  /** EXIF orientation 1-8 (1 when unknown). */
  orientation: number;
  /** The user's own rotation, in clockwise quarter turns 0-3, applied after `orientation`. */
  rotation: number;
  maker: string | null;
  model: string | null;
  lens: string | null;
  /** Seconds (1/250 s → 0.004). */
  exposureTime: number | null;
  fNumber: number | null;
  iso: number | null;
  /** Millimetres. */
  focalLength: number | null;
  /** ISO 8601, or null when the file has no capture date. */
  takenAt: string | null;
  rating: number;
  rejected: boolean;
  labels: ColorLabel[];
  /** ISO 8601 time of first import. */
  importedAt: string;
  /** A sidecar write failed and is owed (retried by the next write, `termtable sync` or import). */
  sidecarPending?: boolean;
  // Focus and bursts (issue 13): always set by Library; optional only for records made by hand.
  /** Focus score (src/analysis/sharpness.ts): higher is sharper; null until computed. */
  sharpness?: number | null;
  /** Where the sharpest tile's centre is, fractions 0-1 of the upright image; null until computed. */
  sharpestAt?: FocusPosition | null;
  /** The camera's AF point from its maker notes, fractions 0-1 of the upright image; null when not recorded or not read. */
  focusPoint?: FocusPosition | null;
  /** 64-bit dHash of the thumbnail, 16 hex digits; null until computed. */
  dhash?: string | null;
  /** The burst stack (the id of its first frame); the image's own id when it is in no stack. */
  stackId?: number;
  /** Frames in its stack; 1 when in no stack. */
  stackSize?: number;
  /** The stack's suggested pick: its sharpest frame not rejected (the sharpest when all are); own id when in no stack. */
  stackPick?: number;
}

/** A point of the upright image (EXIF orientation and the user's rotation applied), as fractions of its width and height. */
export interface FocusPosition {
  x: number;
  y: number;
}

/** Which images a view or command shows, and in which order. */
export interface CollectionQuery {
  /** Absolute folder path: only that film roll. */
  filmRoll?: string;
  /**
   * Folders: the film rolls at or below any of them (what `termtable DIR` opened, sub-folders
   * included, as darktable's folder collection `DIR*`). Beside `filmRoll`, both apply.
   */
  folders?: readonly string[];
  /** Only images rated at least this (rejected ones are excluded by a rating filter). */
  minRating?: number;
  /** 'only': rejected images only; 'exclude': hide them; undefined: both. */
  rejected?: 'only' | 'exclude';
  /** Only images carrying this colour label. */
  label?: ColorLabel;
  /** Case-insensitive substring of the file name. */
  text?: string;
  /** @default 'taken' ('sharpness': sharpest first, not yet scored last) */
  sort?: SortKey;
  /** Only images whose focus score is at least this (unscored ones are left out). */
  minSharpness?: number;
  /** true: only blurred images (scored below BLURRED_BELOW, src/analysis/sharpness.ts); false: hide them. */
  blurred?: boolean;
  /** One row per burst stack, its suggested pick (`stackPick`); images in no stack as they are. @default false */
  collapseStacks?: boolean;
  /**
   * RAW+JPEG pairs as one item: only each group's leader (the JPEG) is collected; false lists
   * every file (preference `rawJpegPairs: 'separate'`). @default true
   */
  groupPairs?: boolean;
}

/** A culling change, as made by a key in the TUI or `termtable set`. */
export interface CullingChange {
  rating?: number;
  reject?: boolean;
  /** Labels to add. */
  addLabels?: ColorLabel[];
  /** Labels to remove. */
  removeLabels?: ColorLabel[];
  /** Labels to toggle (TUI F1-F5). */
  toggleLabels?: ColorLabel[];
  /** Toggle reject (TUI `r`). */
  toggleReject?: boolean;
}

/** The culling state of one image: what applyCulling changes and returns for undo. */
export interface CullingSnapshot {
  id: number;
  rating: number;
  rejected: boolean;
  labels: ColorLabel[];
}

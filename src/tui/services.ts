import type { Preferences, ProtocolPref } from '../config/preferences.js';
import type { CollectionQuery, CullingChange, ImageRecord } from '../db/types.js';
import type { Level, ThumbRequestOptions, ThumbResult, ThumbSubject } from '../cache/types.js';
import type { PaintUnit } from '../render/painter.js';
import type { FullSizeSources } from './loupe/sources.js';
import type { CellBox, ImageInput, Placement, RenderedImage, SkullInput, TerminalCaps } from '../render/types.js';
import type { FilesPort } from './files-port.js';

/**
 * What the lighttable needs from the layers below, as narrow interfaces: the store and
 * components are written (and tested) against these, and src/cli/lighttable.ts adapts the
 * real Library, MipmapCache and render encoders/painter to them.
 */

export interface FilmRoll {
  id: number;
  path: string;
  imageCount: number;
}

export interface LibraryPort {
  count(q: CollectionQuery): number;
  page(q: CollectionQuery, offset: number, limit: number): ImageRecord[];
  indexOf(q: CollectionQuery, id: number): number;
  get(id: number): ImageRecord | undefined;
  /** Why the library is open read-only (a full disk, a read-only file system), or null. */
  readOnlyReason(): string | null;
  /**
   * Reads again the sidecars of images being shown that another tool changed since termtable
   * last read or wrote them (their values replace the library's); true when the library changed.
   */
  resyncSidecars(ids: readonly number[]): Promise<boolean>;
  /** File names of each image's RAW+JPEG pair (leader first), for images in a pair; others are left out. */
  pairNames(ids: readonly number[]): Map<number, string[]>;
  /** The frames of an image's burst stack in capture order (the image alone when in none). */
  stackMembers?(id: number): ImageRecord[];
  /** Whether any image is in a burst stack (the grid collapses stacks only then: see the store). */
  hasStacks?(): boolean;
  /** Recomputes every film roll's stacks with these burst preferences; returns how many images changed stack. */
  restack?(opts: { gapSeconds: number; maxDistance: number }): number;
  /** Keeps this frame and rejects the rest of its stack: one undoable step, library and sidecars. */
  pickFromStack?(id: number): Promise<{ errors: { path: string; message: string }[] }>;
  /** The records of an image's RAW+JPEG pair, leader first (the loupe takes the larger source); [] when alone. */
  pairMembers?(id: number): ImageRecord[];
  filmRolls(): FilmRoll[];
  rotate(ids: readonly number[], delta: 1 | -1): unknown;
  remove(ids: readonly number[]): number;
  /** Undoes / redoes the newest change in the library's journal (library and sidecars); undefined: nothing to do. */
  undo(): Promise<{ message: string; ids: number[]; errors: { path: string; message: string }[] } | undefined>;
  redo(): Promise<{ message: string; ids: number[]; errors: { path: string; message: string }[] } | undefined>;
  /** Rating/reject/labels, written through to the library and the XMP sidecars (applyCulling). */
  applyCulling(ids: readonly number[], change: CullingChange): Promise<{ errors: { path: string; message: string }[] }>;
}

/** Progress of background generation, as the status bar shows it. */
export interface GenerationProgress {
  done: number;
  total: number;
  failed: number;
}

export interface CachePort {
  get(subject: ThumbSubject, level: Level, opts?: ThumbRequestOptions): Promise<ThumbResult>;
  /** Synchronous, memory only: the level asked for or a stand-in from another level. */
  bestEffort(subject: ThumbSubject, level: Level): ThumbResult | undefined;
  retryFailed(ids?: readonly number[]): unknown;
  generateMissing(opts: {
    subjects: Iterable<ThumbSubject>;
    minLevel: Level;
    maxLevel: Level;
    signal: AbortSignal;
    onProgress: (p: GenerationProgress) => void;
  }): Promise<unknown>;
  setPreferences(prefs: Preferences): void;
  /** Standing problems to show once (a damaged saved cache, a full disk), terminal-safe or raw. */
  notices(): string[];
  /** One line of statistics for the preferences pane. */
  describeStats(): string[];
  /** Bytes per cached thumbnail on average (to size "two screens"), or undefined. */
  averageEntryBytes(): number | undefined;
  close(): Promise<void>;
  closeSync(): void;
}

export interface GraphicsPort {
  caps: TerminalCaps;
  /** Whether encoded images are text inside the tree (half-blocks, kitty placeholders). */
  inTree: boolean;
  encode(input: ImageInput, box: CellBox, signal?: AbortSignal): Promise<RenderedImage>;
  /** A skull for a failed thumbnail, as lines of exactly box.cols cells. */
  skull(input: SkullInput, box: CellBox): string[];
  /**
   * What to write so exactly `placements` show: `before` (kitty deletes) ahead of the text,
   * then one unit per picture that is new, moved or changed. Pictures that left are erased by
   * the text redrawn over their cells.
   */
  frameUnits(placements: readonly Placement[], ahead?: readonly RenderedImage[]): { before: string; units: PaintUnit[] };
  /** A unit that was stopped or dropped before it was written whole: send it again when wanted. */
  abandon(unit: PaintUnit): void;
  /** Everything moved (resize): place every picture again; kitty keeps its pixels. */
  replaceAll(): void;
  /** The terminal may have lost every picture (clear, re-attach): send everything again. */
  invalidate(): void;
  /** Bytes that remove every image placed so far (exit, full redraws). */
  clearAll(): string;
}

export interface LighttableServices {
  library: LibraryPort;
  cache: CachePort;
  graphics: GraphicsPort;
  prefs: Preferences;
  savePreferences(prefs: Preferences): Promise<void>;
  /** Where savePreferences writes (shown in the pane). */
  prefsFile: string;
  /** Warning from loading the preferences (a corrupt file replaced by defaults). */
  prefsWarning?: string;
  /** The loupe's full-size sources (bounded by its share of cacheSizeMB); made by the store when absent. */
  fullSize?: FullSizeSources;
  /** Ctrl-Z: hands the terminal back and stops the process until `fg` (run.tsx). */
  suspend?(): void;
  /** Export and trash (E, Delete); absent, those keys say they are not available. */
  files?: FilesPort;
  /** Swaps `graphics` for the protocol the preferences pane picked (applied live). */
  switchProtocol?(pref: ProtocolPref): void;
}

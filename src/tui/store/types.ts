import type { Preferences } from '../../config/preferences.js';
import type { CollectionQuery, ImageRecord } from '../../db/types.js';
import { sanitizeText } from '../../util/sanitize.js';
import type { ThumbView } from '../pipeline/thumb-pipeline.js';
import type { LighttableServices } from '../services.js';
import type { LighttableState } from '../state/lighttable.js';
import type { ViewLayout } from '../state/view-layout.js';
import type { ExposureSnapshot } from './exposure.js';
import type { GenerationState } from './generation.js';
import type { StacksSnapshot } from './stacks.js';

/** What the lighttable's components draw: one immutable snapshot per publish (useSyncExternalStore). */
export interface LighttableSnapshot {
  state: LighttableState;
  layout: ViewLayout;
  /** Records of the slots on screen, by collection index. */
  records: ReadonlyMap<number, ImageRecord>;
  /** Records of the culling view, by id. */
  cullingRecords: ReadonlyMap<number, ImageRecord>;
  /** The image under the cursor. */
  current: ImageRecord | undefined;
  /** RAW+JPEG pairs on screen: image id → the pair's file names, leader first. */
  pairs: ReadonlyMap<number, readonly string[]>;
  /** What each slot shows, by slot key (see slotKey). */
  thumbs: ReadonlyMap<string, ThumbView>;
  generation: GenerationState;
  /** Standing problems (library read-only, a damaged saved cache, a full disk), shown when no message is. */
  notices: readonly string[];
  prefs: Preferences;
  /** The loupe's zoom, visible part and source (`100 % · centre · …`), or null at fit. */
  loupe: string | null;
  /** The clipping overlay's state and the current image's histogram (preview, culling). */
  exposure: ExposureSnapshot;
  stacks: StacksSnapshot;
  filmRolls: readonly { id: number; path: string; imageCount: number }[];
  quit: boolean;
}

export interface StoreOptions {
  columns: number;
  rows: number;
  /** Called once when the user quits (q, Ctrl-C). */
  onQuit?: () => void;
  /** Thumbnails per row at start. @default 6 */
  thumbsPerRow?: number;
  query?: CollectionQuery;
}

/** Standing problems (library read-only, a damaged saved cache, a full disk), terminal-safe. */
export function standingNotices(services: LighttableServices): string[] {
  const ro = services.library.readOnlyReason();
  const out = ro ? [`library opened read-only (${ro}): decisions cannot be saved`] : [];
  return [...out, ...services.cache.notices()].map((n) => sanitizeText(n));
}

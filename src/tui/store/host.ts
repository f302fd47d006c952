import type { ImageRecord } from '../../db/types.js';
import type { CellPx } from '../../render/types.js';
import type { LighttableServices } from '../services.js';
import type { LighttableState, StateAction } from '../state/lighttable.js';
import type { ViewLayout } from '../state/view-layout.js';

/**
 * What the store's effect modules (culling, preferences, generation) may do to the store: the
 * store implements it, the modules are written against it, so each concern stays in its file.
 */
export interface StoreHost {
  readonly services: LighttableServices;
  readonly state: LighttableState;
  readonly layout: ViewLayout;
  readonly closed: boolean;
  /** The terminal's cell size in pixels (detected at start-up, else a guess). */
  readonly cellPx: CellPx;
  /** Runs the reducer, re-lays out when the view changed, reloads what the view needs. */
  apply(action: StateAction): void;
  /** Replaces the state without the effects of apply() (the caller re-lays out). */
  replaceState(state: LighttableState): void;
  relayout(): void;
  message(text: string | null): void;
  publish(): void;
  publishSoon(): void;
  /** After a library write: recount, keep the cursor on its image, reload the page. */
  dataChanged(): void;
  /** The record at a collection index, if on the current page. */
  recordAt(index: number): ImageRecord | undefined;
  recordById(id: number): ImageRecord | undefined;
  /** Forgets remembered thumbnail failures (all, or of these images). */
  forgetFailures(ids?: readonly number[]): void;
  /** Re-requests the thumbnails on screen (`force` retries failed ones). */
  syncThumbs(force: boolean): void;
  /** Runs library and preference writes one after another, in key order. */
  enqueueWrite(work: () => Promise<void>): Promise<void>;
}

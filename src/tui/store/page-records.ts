import type { ImageRecord } from '../../db/types.js';
import type { LibraryPort } from '../services.js';
import type { LighttableState } from '../state/lighttable.js';
import type { ScreenSlot, ViewLayout } from '../state/view-layout.js';

/**
 * The library records the view needs: one indexed page query for the grid, filmstrip or
 * preview window, the culling view's images by id, and the cursor's record. Loaded again only
 * when the window, the query or the data changed.
 */
export class PageRecords {
  readonly records = new Map<number, ImageRecord>();
  readonly culling = new Map<number, ImageRecord>();
  /** RAW+JPEG pairs among them: id → the pair's file names, leader first. */
  pairs = new Map<number, string[]>();
  readonly #library: LibraryPort;
  #windowKey = '';
  #version = 0;
  /** When each image's sidecar was last looked at for outside changes. */
  #checked = new Map<number, number>();

  constructor(library: LibraryPort) {
    this.#library = library;
  }

  /** The data changed (a write, a new query): the next load() queries again. */
  stale(): void {
    this.#version++;
  }

  load(state: LighttableState, layout: ViewLayout): void {
    const { window } = layout;
    const key = `${this.#version}|${JSON.stringify(state.query)}|${window.offset}|${window.limit}|${state.culling.ids.join(',')}`;
    if (key !== this.#windowKey) {
      this.#windowKey = key;
      this.records.clear();
      const rows = window.limit > 0 ? this.#library.page(state.query, window.offset, window.limit) : [];
      rows.forEach((r, i) => this.records.set(window.offset + i, r));
      this.culling.clear();
      for (const id of state.culling.ids) {
        const r = this.#library.get(id);
        if (r) this.culling.set(id, r);
      }
      this.pairs = this.#library.pairNames([...[...this.records.values()].map((r) => r.id), ...this.culling.keys()]);
    }
    if (!this.records.has(state.cursor) && state.total > 0) {
      const r = this.#library.page(state.query, state.cursor, 1)[0];
      if (r) this.records.set(state.cursor, r);
    }
  }

  /**
   * Images on screen whose sidecars were not looked at in the last `everyMs` (a changed sidecar
   * is read again when its image is shown; a re-render does not read it again at once).
   */
  toResync(everyMs = 10_000, now = Date.now()): number[] {
    const out: number[] = [];
    for (const r of [...this.records.values(), ...this.culling.values()]) {
      const at = this.#checked.get(r.id);
      if (at !== undefined && now - at < everyMs) continue;
      this.#checked.set(r.id, now);
      out.push(r.id);
    }
    if (this.#checked.size > 10_000) this.#checked.clear();
    return out;
  }

  forSlot(slot: ScreenSlot): ImageRecord | undefined {
    return slot.id !== undefined ? this.culling.get(slot.id) : this.records.get(slot.index);
  }

  byId(id: number): ImageRecord | undefined {
    for (const r of this.records.values()) if (r.id === id) return r;
    return this.culling.get(id) ?? this.#library.get(id);
  }
}

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
  readonly #library: LibraryPort;
  #windowKey = '';
  #version = 0;

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
    }
    if (!this.records.has(state.cursor) && state.total > 0) {
      const r = this.#library.page(state.query, state.cursor, 1)[0];
      if (r) this.records.set(state.cursor, r);
    }
  }

  forSlot(slot: ScreenSlot): ImageRecord | undefined {
    return slot.id !== undefined ? this.culling.get(slot.id) : this.records.get(slot.index);
  }

  byId(id: number): ImageRecord | undefined {
    for (const r of this.records.values()) if (r.id === id) return r;
    return this.culling.get(id) ?? this.#library.get(id);
  }
}

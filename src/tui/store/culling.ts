import type { CullingChange } from '../../db/types.js';
import { sanitizeText } from '../../util/sanitize.js';
import { advancesIn, nextIndex } from '../state/auto-advance.js';
import { hasSelection, reduce } from '../state/lighttable.js';
import type { StoreHost } from './host.js';
import { isStackSet } from './stacks.js';

/**
 * Culling effects: which images a key acts on, the writes to the library and the sidecars (in
 * key order, so a sidecar never ends up older than the library), rotation and removal.
 */
export class CullingEffects {
  readonly #host: StoreHost;

  constructor(host: StoreHost) {
    this.#host = host;
  }

  /** Images a culling key acts on: the culling focus, else the selection, else the cursor. */
  targets(): number[] {
    const s = this.#host.state;
    if (s.view === 'culling') {
      const id = s.culling.ids[s.culling.focus];
      return id === undefined ? [] : [id];
    }
    if (s.view === 'grid' && hasSelection(s)) {
      if (!s.selection.all) return [...s.selection.ids];
      const ids: number[] = [];
      for (let off = 0; off < s.total; off += 5000) {
        for (const r of this.#host.services.library.page(s.query, off, 5000)) ids.push(r.id);
      }
      return ids;
    }
    const cur = this.#host.recordAt(s.cursor);
    return cur ? [cur.id] : [];
  }

  /**
   * A rating, reject or label. What it acts on is decided when its turn comes, after the writes
   * and moves of earlier keys: a culler typing `3 3 3` in the preview rates three images.
   */
  cull(change: CullingChange): Promise<void> {
    const host = this.#host;
    return host.enqueueWrite(async () => {
      if (host.closed) return;
      const ids = this.targets();
      if (!ids.length) return;
      const s = host.state;
      const from = { view: s.view, index: s.cursor, focus: s.culling.focus, culling: s.culling, id: s.view === 'culling' ? ids[0]! : host.recordAt(s.cursor)?.id };
      await this.#cullNow(ids, change);
      if (!host.closed && advancesIn(from.view, host.services.prefs.autoAdvance) && !this.#movedSince(from)) this.#advance(from);
    });
  }

  /** Undo (u) or redo (Ctrl-R) the newest change in the library's journal, whoever made it. */
  step(direction: 'undo' | 'redo'): Promise<void> {
    const host = this.#host;
    return host.enqueueWrite(async () => {
      try {
        const r = await (direction === 'undo' ? host.services.library.undo() : host.services.library.redo());
        if (!r) return host.message(direction === 'undo' ? 'nothing to undo' : 'nothing to redo');
        host.forgetFailures(r.ids);
        host.dataChanged();
        const warn = r.errors.length ? `; XMP not written for ${r.errors.length} file(s): ${sanitizeText(r.errors[0]!.message)}` : '';
        host.message(`${r.message}${warn}`);
      } catch (err) {
        host.message(`could not ${direction}: ${sanitizeText(err instanceof Error ? err.message : String(err))}`);
      }
    });
  }

  /** Whether the user went elsewhere while the decision was being written: then it does not advance. */
  #movedSince(from: { view: string; index: number; culling: unknown; id: number | undefined }): boolean {
    const s = this.#host.state;
    if (s.view !== from.view) return true;
    if (s.view === 'culling') return s.culling !== from.culling;
    const here = this.#host.recordAt(s.cursor)?.id;
    // The cursor follows its image after a write; if the image left the collection it stays put.
    return here !== from.id && s.cursor !== from.index;
  }

  /**
   * Auto-advance: the next image of the collection (filter-aware: see nextIndex), or in the
   * culling view the next image of the set; a set made of "this image and the next" moves on
   * to the following pair after its last image.
   */
  #advance(from: { view: string; index: number; focus: number; id: number | undefined }): void {
    const host = this.#host;
    const s = host.state;
    const lib = host.services.library;
    if (from.view === 'culling') {
      const ids = s.culling.ids;
      if (from.focus + 1 < ids.length) {
        host.apply({ type: 'move', move: 'right' });
        return;
      }
      // A chosen set (a selection, a burst stack) is culled as it is: it never moves on.
      if (s.selection.ids.size >= 2 || isStackSet(host, ids)) return;
      const at = from.id === undefined ? -1 : lib.indexOf(s.query, from.id);
      const start = nextIndex({ index: s.cursor, indexNow: at, total: s.total });
      const nextIds = lib.page(s.query, start, ids.length).map((r) => r.id);
      if (nextIds.length && nextIds[0] !== from.id) host.apply({ type: 'view', view: 'culling', culling: nextIds });
      return;
    }
    const indexNow = from.id === undefined ? -1 : lib.indexOf(s.query, from.id);
    const cursor = nextIndex({ index: from.index, indexNow, total: s.total });
    if (cursor !== s.cursor) host.apply({ type: 'setTotal', total: s.total, cursor });
  }

  rotate(delta: 1 | -1): void {
    const ids = this.targets();
    if (!ids.length) return;
    this.#host.services.library.rotate(ids, delta);
    this.#host.forgetFailures(ids);
    this.#host.dataChanged();
  }

  /** Asks before removing; the answer defaults to No. */
  askRemove(): void {
    const ids = this.targets();
    if (!ids.length) return;
    const what = ids.length === 1 ? sanitizeText(this.#host.recordById(ids[0]!)?.filename ?? 'this image') : `${ids.length} images`;
    this.#host.apply({
      type: 'overlay',
      overlay: { kind: 'confirm', ids, question: `Remove ${what} from the library? The files stay on disk. [y/N]` },
    });
  }

  confirmRemove(): void {
    const host = this.#host;
    const o = host.state.overlay;
    if (o?.kind !== 'confirm') return;
    host.apply({ type: 'overlay', overlay: null });
    const n = host.services.library.remove(o.ids);
    let next = reduce(host.state, { type: 'selection.clear' });
    if (next.view === 'culling') next = reduce(next, { type: 'view', view: 'grid' });
    host.replaceState(next);
    host.relayout();
    host.dataChanged();
    host.message(`removed ${n} image${n === 1 ? '' : 's'} from the library (files kept)`);
  }

  async #cullNow(ids: number[], change: CullingChange): Promise<void> {
    const host = this.#host;
    if (host.closed) return;
    try {
      const { errors } = await host.services.library.applyCulling(ids, change);
      host.dataChanged();
      if (errors.length) {
        const first = errors[0]!;
        host.message(`XMP not written for ${errors.length} file(s): ${sanitizeText(first.path)}: ${sanitizeText(first.message)}`);
      }
    } catch (err) {
      host.message(`could not save: ${sanitizeText(err instanceof Error ? err.message : String(err))}`);
    }
  }
}

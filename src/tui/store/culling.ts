import type { CullingChange } from '../../db/types.js';
import { sanitizeText } from '../../util/sanitize.js';
import { hasSelection, reduce } from '../state/lighttable.js';
import type { StoreHost } from './host.js';

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

  cull(change: CullingChange): Promise<void> {
    const ids = this.targets();
    if (!ids.length) return Promise.resolve();
    return this.#host.enqueueWrite(() => this.#cullNow(ids, change));
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

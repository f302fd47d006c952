import type { CollectionQuery } from '../../db/types.js';
import { sanitizeText } from '../../util/sanitize.js';
import type { StoreHost } from './host.js';
import { baseQuery, expandedStacks, type StackedQuery } from './stack-expansion.js';

/** Frames of one stack shown side by side at most (the culling view's own bound). */
const MAX_STACK_VIEW = 8;

/** What the grid shows of stacks and focus scores. */
export interface StacksSnapshot {
  /** Sharpness badges on thumbnails (S). */
  sharpnessBadges: boolean;
}

/**
 * Burst stacks in the lighttable: expanding and collapsing them in the grid (e: the one under
 * the cursor, ctrl+e: all), opening one in the culling view (x on a stack), keeping the
 * focused frame and rejecting the others as one undoable step (P), and the sharpness badges.
 */
export class StackEffects {
  readonly #host: StoreHost;
  readonly #setQuery: (q: CollectionQuery) => void;
  #sharpnessBadges = false;

  constructor(host: StoreHost, setQuery: (q: CollectionQuery) => void) {
    this.#host = host;
    this.#setQuery = setQuery;
  }

  get snapshot(): StacksSnapshot {
    return { sharpnessBadges: this.#sharpnessBadges };
  }

  toggleSharpnessBadges(): void {
    this.#sharpnessBadges = !this.#sharpnessBadges;
    this.#host.message(this.#sharpnessBadges ? 'sharpness badges on thumbnails (S hides them)' : 'sharpness badges hidden');
  }

  /** ctrl+e: every stack expanded, or all collapsed to their picks again. */
  toggleAll(): void {
    const q = this.#host.state.query;
    const collapse = !q.collapseStacks;
    const { expandStacks: _e, ...rest } = q as StackedQuery;
    this.#requery({ ...rest, collapseStacks: collapse });
    this.#host.message(collapse ? 'stacks collapsed: one thumbnail per burst' : 'stacks expanded: every frame');
  }

  /** e: the stack under the cursor opens in place (its frames where its pick stands), or closes. */
  toggleCurrent(): void {
    const host = this.#host;
    const q = host.state.query;
    const cur = host.recordAt(host.state.cursor);
    if (!cur || (cur.stackSize ?? 1) < 2) return host.message('not in a stack');
    if (!q.collapseStacks) return host.message('every stack is expanded: ctrl+e collapses them');
    const open = expandedStacks(q);
    const stackId = cur.stackId ?? cur.id;
    const next = open.includes(stackId) ? open.filter((s) => s !== stackId) : [...open, stackId];
    this.#requery(next.length ? ({ ...q, expandStacks: next } as StackedQuery) : baseQuery(q));
  }

  /** Members to compare when the culling view opens on the image under the cursor, or undefined when it is in no stack. */
  stackToOpen(): { ids: number[]; focus: number } | undefined {
    const host = this.#host;
    const cur = host.recordAt(host.state.cursor);
    const lib = host.services.library;
    if (!cur || (cur.stackSize ?? 1) < 2 || !lib.stackMembers) return undefined;
    const members = lib.stackMembers(cur.id);
    if (members.length < 2) return undefined;
    // The frame under the cursor, the pick among them, stays in view when the stack is larger than the view.
    const at = Math.max(0, members.findIndex((m) => m.id === cur.id));
    const from = Math.max(0, Math.min(at - Math.floor(MAX_STACK_VIEW / 2), members.length - MAX_STACK_VIEW));
    const ids = members.slice(from, from + MAX_STACK_VIEW).map((m) => m.id);
    if (members.length > ids.length) host.message(`stack of ${members.length}: showing ${ids.length}`);
    return { ids, focus: ids.indexOf(cur.id) };
  }

  /** P: keep the focused frame (culling view) or the current image, reject the rest of its stack, in one undoable step. */
  pickAndRejectOthers(): Promise<void> {
    const host = this.#host;
    return host.enqueueWrite(async () => {
      if (host.closed) return;
      const s = host.state;
      const id = s.view === 'culling' ? s.culling.ids[s.culling.focus] : host.recordAt(s.cursor)?.id;
      const rec = id === undefined ? undefined : host.recordById(id);
      const lib = host.services.library;
      if (!rec || (rec.stackSize ?? 1) < 2 || !lib.pickFromStack) return host.message('not in a stack');
      try {
        const { errors } = await lib.pickFromStack(rec.id);
        host.dataChanged();
        const others = (rec.stackSize ?? 1) - 1;
        const warn = errors.length ? `; XMP not written for ${errors.length} file(s): ${sanitizeText(errors[0]!.message)}` : '';
        host.message(`kept ${sanitizeText(rec.filename)}, rejected the other ${others} of its stack (u undoes)${warn}`);
      } catch (err) {
        host.message(`could not save: ${sanitizeText(err instanceof Error ? err.message : String(err))}`);
      }
    });
  }

  /** A new query keeping the cursor on its image, or on its stack's pick when the image is folded away. */
  #requery(q: CollectionQuery): void {
    const host = this.#host;
    const cur = host.recordAt(host.state.cursor);
    this.#setQuery(q);
    if (!cur) return;
    const lib = host.services.library;
    const idx = [cur.id, cur.stackPick, cur.stackId].map((id) => (id === undefined ? -1 : lib.indexOf(host.state.query, id))).find((i) => i >= 0);
    if (idx !== undefined && idx !== host.state.cursor) host.apply({ type: 'setTotal', total: host.state.total, cursor: idx });
  }
}

/** Whether the culling view's set is one stack (its auto-advance stays inside it). */
export function isStackSet(host: StoreHost, ids: readonly number[]): boolean {
  if (ids.length < 2) return false;
  const first = host.recordById(ids[0]!);
  if (!first || (first.stackSize ?? 1) < 2) return false;
  return ids.every((id) => host.recordById(id)?.stackId === first.stackId);
}

import type { ThumbView } from '../pipeline/thumb-pipeline.js';
import type { LighttableSnapshot } from './types.js';

/**
 * What a slot's view draws as text. A picture painted beside the tree (sixel, iTerm2, kitty
 * placements, half-blocks) covers its whole box, "···" while pending included (the cell diff
 * never writes under it), so its arrival, or a stand-in giving way, changes no text.
 */
function textOf(view: ThumbView | undefined): string {
  if (view === undefined) return '';
  if (view.status === 'failed') return `failed:${view.cause}:${view.detail}`;
  if (view.status === 'ready' && view.inTree) return `text:${view.image.key}`;
  return view.status === 'ready' && view.offline ? 'offline' : 'blank';
}

/** Whether two sets of slot views draw the same text. Pure. */
export function sameText(a: ReadonlyMap<string, ThumbView>, b: ReadonlyMap<string, ThumbView>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, view] of a) {
    if (!b.has(key) || textOf(view) !== textOf(b.get(key))) return false;
  }
  return true;
}

/**
 * The snapshot Ink renders. A page's pictures arrive one by one, and each re-rendered the whole
 * frame (about 19 renders for the first grid, 10-18 ms each on a loaded 2-core machine) only to
 * find the same text: a publish that only brought pictures keeps the snapshot Ink has, and the
 * graphics layer (which reads the store's newest snapshot) paints them.
 */
export class RenderedView {
  #view: LighttableSnapshot | null = null;

  /** After a publish: the snapshot to render (`picturesOnly`: the publish only brought pictures). */
  update(snapshot: LighttableSnapshot, picturesOnly: boolean): void {
    if (!(picturesOnly && this.#view && sameText(this.#view.thumbs, snapshot.thumbs))) this.#view = snapshot;
  }

  current(fallback: LighttableSnapshot): LighttableSnapshot {
    return this.#view ?? fallback;
  }
}

/** Publishes coalesced to one per turn of the event loop, remembering whether any was for more than pictures. */
export class PublishQueue {
  readonly #publish: (picturesOnly: boolean) => void;
  #queued = false;
  #full = false;

  constructor(publish: (picturesOnly: boolean) => void) {
    this.#publish = publish;
  }

  soon(picturesOnly: boolean): void {
    if (!picturesOnly) this.#full = true;
    if (this.#queued) return;
    this.#queued = true;
    // A turn of the event loop, not a microtask: the pictures of a page come back from the
    // renderer's cache in one run of microtasks, and each publish there re-rendered Ink's whole
    // frame before the next, so the writer waited behind them (1.7 s after PgUp at 2 Mbit,
    // 3.2 s to its last byte; 1.05 s with one render).
    setImmediate(() => {
      const picturesOnly = !this.#full;
      this.#queued = false;
      this.#full = false;
      this.#publish(picturesOnly);
    });
  }
}

import type { Action } from './keymap.js';

/**
 * Keys act in the order they were typed, also when one of them waits for a write.
 *
 * Why: a culling key's write waits its turn in the store's write queue and decides then what it
 * acts on (CullingEffects.cull: "3 3 3" in the preview rates three images, one per advance),
 * while a move is applied at once. A move typed while a rating waited (for an XMP sidecar's
 * fsync on a busy disk, a sidecar read again ahead of it) overtook it, and "2 →" in the grid
 * rated the image to the right. So while a key's write is unfinished, every later key waits
 * behind it, and is read against the state that write left (its mode included: "/" then ">"
 * reaches the prompt "/" opened).
 *
 * Keys that leave (Ctrl-C, q, Ctrl-Z) never wait: a write that hangs on a dead network share
 * must not keep the user in.
 */
export class KeyOrder {
  /** Key writes unfinished, plus keys waiting behind them. */
  #pending = 0;
  /** Settles once every key so far has acted and its write is done. */
  #tail: Promise<void> = Promise.resolve();

  /** Whether a key typed now must wait. */
  get waiting(): boolean {
    return this.#pending > 0;
  }

  /** A key that acted at once started this write: later keys wait for it. */
  hold(write: Promise<unknown>): void {
    this.#pending++;
    const done = write.then(
      () => this.#pending--,
      () => this.#pending--,
    );
    this.#tail = this.#tail.then(() => done).then(() => undefined);
  }

  /** Runs `key` once every key before it has acted; a write it returns holds the keys after it. */
  after(key: () => Promise<unknown> | undefined): void {
    this.#pending++;
    this.#tail = this.#tail
      .then(() => key())
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => this.#pending--);
  }

  /** Settles when no key is waiting (tests). */
  settled(): Promise<void> {
    return this.#tail;
  }
}

/**
 * Actions whose write decides, when its turn comes, what it acts on, or that change which
 * images there are (removal, undo): later keys must see what they left.
 */
export function writesInOrder(action: Action): boolean {
  return (
    action.startsWith('image.rate.') ||
    action.startsWith('image.label.') ||
    action === 'image.reject' ||
    action === 'image.rotateCw' ||
    action === 'image.rotateCcw' ||
    action === 'history.undo' ||
    action === 'history.redo' ||
    action === 'stack.pick' ||
    action === 'confirm.yes' ||
    action === 'confirm.trash'
  );
}

/** Leaving keys act at once, whatever waits. */
export function neverWaits(action: Action | null | undefined): boolean {
  return action === 'app.interrupt' || action === 'app.quit' || action === 'app.suspend';
}

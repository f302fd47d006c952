/**
 * Page keys closer together than this are a burst: the pages passed are not encoded nor
 * written. A single page turn, or one after the keys settle, starts at once.
 */
export const BURST_WINDOW_MS = 150;
/** How long encodes (and the pictures of the page) wait after a burst's key for the next one. */
export const BURST_HOLD_MS = 120;
/** A want() that brings this many new visible slots, and at least half of them, is a page turn. */
const PAGE_JUMP_SLOTS = 8;

/**
 * Tells a page turn hard on the heels of the last one (5 × PgDn in half a second) and holds
 * new encodes until the keys settle. Without it each page passed started its encodes, which
 * ran on after the page was left and took the 2 cores from the final page (sixel at 10 Mbit:
 * final page after 5.8 s, one page alone 2.5 s).
 */
export class PageBurst {
  readonly #hold: (ms: number) => void;
  #lastVisible = new Set<string>();
  #lastJump = -Infinity;
  /** When the turn that handled the last page turn ended (its frame drawn). */
  #lastJumpDone = -Infinity;

  constructor(hold: (ms: number) => void) {
    this.#hold = hold;
  }

  /** The visible slots of a want(), in the order asked. */
  saw(visible: readonly string[]): void {
    const fresh = visible.filter((k) => !this.#lastVisible.has(k)).length;
    this.#lastVisible = new Set(visible);
    if (fresh < PAGE_JUMP_SLOTS || fresh * 2 < visible.length) return;
    const now = Date.now();
    // From the last turn's end as well as its start: under load a page turn took 200-300 ms to
    // handle, so keys typed 80 ms apart reached want() over 150 ms apart and held nothing.
    if (now - Math.max(this.#lastJump, this.#lastJumpDone) < BURST_WINDOW_MS) this.#hold(BURST_HOLD_MS);
    this.#lastJump = now;
    setImmediate(() => {
      this.#lastJumpDone = Date.now();
    });
  }
}

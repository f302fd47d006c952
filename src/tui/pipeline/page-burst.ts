import { trace, tracing } from '../screen/trace.js';

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
 *
 * The window after a page turn closes once the event loop has read its input after the window
 * passed, not when the clock says so: Node cannot tell when a key arrived, only when it is read.
 * Under load (11-13 on 2 cores) a page turn's handling and painting took longer than the
 * window, and keys sent 40 ms apart by another process, having waited in the pipe meanwhile,
 * were read 150-207 ms after the last page turn: by the clock, page turns of their own, which
 * start their page's encodes and pictures at once. A key read before that look was sent while the app was busy
 * with the last page. No busy loop and no idle-time measure: an idle loop looks on time, so a
 * lone key is never held; one read while the loop is still catching up with the last page turn
 * (busy since, never looked) is held with the burst, having waited already.
 */
export class PageBurst {
  readonly #hold: (ms: number) => void;
  #lastVisible = new Set<string>();
  /** A page turn came, and the loop has not yet read its input once the window after it passed. */
  #open = false;
  /** Counts page turns: a window's closing belongs to the newest only. */
  #turn = 0;
  #timer: NodeJS.Timeout | null = null;

  constructor(hold: (ms: number) => void) {
    this.#hold = hold;
  }

  /** The visible slots of a want(), in the order asked. */
  saw(visible: readonly string[]): void {
    const fresh = visible.filter((k) => !this.#lastVisible.has(k)).length;
    this.#lastVisible = new Set(visible);
    if (fresh < PAGE_JUMP_SLOTS || fresh * 2 < visible.length) return;
    if (tracing) trace('page-turn', this.#open ? 'burst' : 'alone');
    if (this.#open) this.#hold(BURST_HOLD_MS);
    this.#open = true;
    const turn = ++this.#turn;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    // Counted from the end of the turn handling this page turn (the check phase after it), as
    // the wall-clock rule before this one did: every burst that rule saw is still one.
    setImmediate(() => {
      if (turn !== this.#turn) return;
      this.#timer = setTimeout(() => {
        this.#timer = null;
        // Not closed here: timers run before the loop reads input (poll phase), so keys that
        // waited while the loop was busy past the window are read first, then this closes.
        // Kept referenced: an unreferenced immediate lets the poll phase block, and a lone key
        // that woke it would be read before the window closed.
        setImmediate(() => {
          if (turn !== this.#turn) return;
          this.#open = false;
          if (tracing) trace('page-burst-window-closed');
        });
      }, BURST_WINDOW_MS);
      this.#timer.unref();
    });
  }
}

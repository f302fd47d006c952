/**
 * The pacing window after a burst of page turns (issue 8, "newest frame wins"): the rate the
 * window is sized by is the link's, and a burst, in which the writer offers the link little
 * (pictures cut short, the final page's encodes not yet done), must not make it look slower.
 *
 * The link is simulated in virtual time (a FIFO at a fixed rate, then a fixed delay each way,
 * the terminal answering each DSR mark once the bytes before it arrived) and driven like the
 * writer drives it: a piece only while the window is open, a mark after every 16 kB and at the
 * end of what is queued. Times are the simulation's milliseconds, not the machine's.
 */
import { describe, expect, it } from 'vitest';
import { AckWindow } from '../../src/tui/screen/ack-window.js';

const PIECE = 4096;

class SimLink {
  now = 0;
  /** When the link has carried everything handed to it so far. */
  #busyUntil = 0;
  #answers: number[] = [];
  readonly flow: AckWindow;
  /** Picture bytes handed to the link in all. */
  sentBytes = 0;

  constructor(
    /** Changed by a test to make the link slower. */
    public bytesPerMs: number,
    readonly delayMs: number,
  ) {
    this.flow = new AckWindow({ idleRttMs: 2 * delayMs, now: () => this.now });
  }

  #send(bytes: number): void {
    this.flow.sent(bytes);
    this.sentBytes += bytes;
    this.#busyUntil = Math.max(this.now, this.#busyUntil) + bytes / this.bytesPerMs;
  }

  #mark(endOfBurst: boolean): void {
    if (!this.flow.wantsMark(endOfBurst)) return;
    this.flow.marked();
    this.#answers.push(Math.max(this.now, this.#busyUntil) + 2 * this.delayMs);
  }

  #tick(): void {
    this.now += 1;
    while (this.#answers.length && this.#answers[0]! <= this.now) {
      this.#answers.shift();
      this.flow.answered();
    }
  }

  /**
   * Writes `pictures` (bytes each) as the writer would, picture i once it is encoded, `everyMs`
   * after the one before (0: all ready, as a prefetched page is); stops after `untilMs` if given
   * (the page was left: what is not written is dropped). Returns when the last answer came.
   */
  write(pictures: number[], opts: { everyMs?: number; untilMs?: number } = {}): number {
    const { everyMs = 0, untilMs = Infinity } = opts;
    const start = this.now;
    const queue = pictures.map((bytes, i) => ({ bytes, readyAt: start + i * everyMs }));
    let left = 0;
    while ((queue.length || left > 0) && this.now - start < untilMs) {
      while ((left > 0 || (queue.length && queue[0]!.readyAt <= this.now)) && this.flow.open()) {
        if (left === 0) left = queue.shift()!.bytes;
        const piece = Math.min(PIECE, left);
        this.#send(piece);
        left -= piece;
        // The end of what is ready is the end of a burst: it is asked about at once.
        this.#mark(left === 0 && !(queue.length && queue[0]!.readyAt <= this.now));
      }
      this.#tick();
    }
    // Cut short, as the writer cuts a picture of a page left: no mark, the next page goes on.
    if (queue.length || left > 0) return this.now - start;
    this.#mark(true);
    return this.settle() - start;
  }

  /** Runs until every mark was answered; returns the time. */
  settle(): number {
    while (!this.flow.settled) this.#tick();
    return this.now;
  }

  idle(ms: number): void {
    for (let i = 0; i < ms; i++) this.#tick();
  }
}

/** A page: 24 pictures of 60 kB (kitty at 160x48 is about 1.6 MB a page). */
const PAGE = Array.from({ length: 24 }, () => 60_000);

/** Two warm pages, a pause, then the page whose time is the reference. */
function warmLink(bytesPerMs: number): { link: SimLink; onePage: number; rate: number } {
  const link = new SimLink(bytesPerMs, 50);
  link.write(PAGE);
  link.idle(2000);
  link.write(PAGE);
  link.idle(2000);
  const onePage = link.write(PAGE);
  link.idle(2000);
  return { link, onePage, rate: link.flow.rate! };
}

/**
 * Four pages passed 80 ms apart, each with one picture ready and cut when the next key comes, then
 * a pause: the final page's encodes have only just started.
 */
function burst(link: SimLink): void {
  for (let i = 0; i < 4; i++) link.write([60_000], { untilMs: 80 });
  link.idle(150);
}

/** The final page was not prefetched: its pictures come as they are encoded, one every 15 ms. */
const ENCODED_EVERY_MS = 15;

describe('AckWindow after a burst of page turns', () => {
  for (const [name, bytesPerMs] of [['2 Mbit', 250], ['10 Mbit', 1250]] as const) {
    it(`at ${name} the final page takes no longer than one page alone (the rate is kept)`, () => {
      const { link, onePage, rate } = warmLink(bytesPerMs);
      // The learned rate is the link's (within 15 %): what the window and its estimate go by.
      expect(rate).toBeGreaterThan(bytesPerMs * 1000 * 0.85);
      expect(rate).toBeLessThan(bytesPerMs * 1000 * 1.15);
      const windowBefore = link.flow.window;
      burst(link);
      // The trickle of the burst did not count as a slower link: the window is the same.
      expect(link.flow.rate).toBeGreaterThanOrEqual(rate * 0.99);
      expect(link.flow.window).toBeGreaterThanOrEqual(windowBefore * 0.99);
      const finalPage = link.write(PAGE, { everyMs: ENCODED_EVERY_MS });
      // The link's own transfer time: a page at the rate, plus a round trip.
      const transfer = (PAGE.length * 60_000) / bytesPerMs + 100;
      expect(onePage).toBeLessThan(transfer * 1.15);
      // The last picture is encoded 345 ms in: at 10 Mbit that is most of a page's transfer.
      expect(finalPage).toBeLessThan(Math.max(onePage, (PAGE.length - 1) * ENCODED_EVERY_MS + 60_000 / bytesPerMs + 100) * 1.05);
    });
  }

  it('a link that gets slower while loaded is measured slower', () => {
    const { link, rate } = warmLink(1250);
    // The same link at half the speed (another transfer shares it): the writer keeps it loaded.
    link.bytesPerMs = 625;
    link.write([...PAGE, ...PAGE]);
    expect(link.flow.rate).toBeLessThan(rate * 0.6);
    expect(link.flow.rate).toBeGreaterThan(625 * 1000 * 0.85);
  });
});

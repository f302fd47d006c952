/**
 * How many picture bytes may be on their way to the terminal before we wait.
 *
 * stdout's own backpressure stops at the pty: over SSH, sshd's channel window (2 MB in
 * OpenSSH), the TCP send buffer and the link's queue sit beyond it, so at 2 Mbit/s five quick
 * page turns would all be queued there, seconds deep, before the newest page could start.
 * Instead each burst of picture bytes is followed by a device status report (DSR, `CSI 5 n`):
 * the terminal answers `CSI 0 n` only after it has processed everything before it, so the bytes
 * not yet answered for are exactly those still in flight. The window is two bandwidth-delay
 * products (measured from those answers), with a floor so a fast link is never throttled.
 * A terminal that never answers DSR switches the window off after `giveUpMs`.
 *
 * A sixel cannot carry a mark inside it, so answers come one picture (about 90 kB at 160×48)
 * apart: counting only answers, a window smaller than a picture waited a round trip after every
 * picture (stop-and-wait, a quarter of the link idle), and a larger one let two whole pictures of
 * a page already left sit on the link. Between answers the queue is therefore estimated: the
 * link drains it at the rate the answers measured, and each answer sets it back to the bytes
 * still unanswered (never below what is known). The writer can then keep about one window on
 * the link, piece by piece.
 *
 * The rate is the link's, learned across busy spells: a spell that sends little (a burst of page
 * turns, where each picture is cut short or never starts, and the link waits for encodes) says
 * how much was offered, not what the link carries. Taken as the rate, it shut the window to its
 * floor after the burst and the final page took two seconds to open it again (kitty at 10 Mbit:
 * 72 kB/s at the first answer, 1.2 MB/s before the burst). So a measurement only ever raises the
 * learned rate, unless the link was kept loaded through it (at every answer of the measurement,
 * at least a round trip's worth of bytes still unanswered): then it is what the link carries
 * now, lower or not.
 *
 * Pure bookkeeping: the writer sends the marks and reports the answers.
 */
export const DSR_QUERY = '\x1b[5n';

export interface AckWindowOptions {
  /** @default 64 KiB */
  minWindow?: number;
  /** @default 4 MiB */
  maxWindow?: number;
  /** Without any answer this long after the first mark, stop waiting for answers. @default 2000 */
  giveUpMs?: number;
  /** The round trip on an idle link, when measured (the probe). @default unknown */
  idleRttMs?: number;
  /** @default performance.now */
  now?: () => number;
}

interface Ack {
  at: number;
  /** Bytes answered for in all, at `at`. */
  total: number;
  /**
   * Whether the link stayed loaded after this answer: more than a round trip's worth of bytes
   * still unanswered, so it had no reason to wait for us until the next one. False for the start
   * of a spell (the time to its first answer is mostly the round trip).
   */
  loadedAfter: boolean;
}

/** Rates are measured over at least this much time of answers when there is that much. */
const RATE_SPAN_MS = 1000;

interface Mark {
  /** Bytes written since the previous mark (what its answer acknowledges). */
  bytes: number;
  at: number;
}

export class AckWindow {
  readonly #minWindow: number;
  readonly #maxWindow: number;
  readonly #giveUpMs: number;
  readonly #now: () => number;
  #marks: Mark[] = [];
  #unmarked = 0;
  #inFlight = 0;
  /** Shortest mark-to-answer time (how long an unanswered mark may be waited for). */
  #minRtt = Infinity;
  /**
   * The round trip measured on an idle link (the start-up probe's DA1 answer). A mark follows a
   * whole sixel, so its own time is mostly that picture's transfer (270 ms measured at 2 Mbit
   * for a 100 ms round trip), which doubled the window and the bytes left on the link when a
   * page turned. Taking the queue ahead out of each mark's time instead underestimated the
   * round trip whenever the rate was underestimated, and the window then stayed at its floor.
   */
  #idleRtt: number;
  /** The answers of the current busy spell, over about the last RATE_SPAN_MS (see #measure()). */
  #acks: Ack[] = [];
  #ackedTotal = 0;
  #answered = false;
  #disabled = false;
  #firstMarkAt: number | null = null;
  #stalls = 0;
  /** Estimated bytes still queued on the link (see the module comment) and when it was last updated. */
  #queued = 0;
  #queuedAt = 0;
  /** What the link carries, learned from the answers (see the module comment); null until measured. */
  #linkRate: number | null = null;

  constructor(options: AckWindowOptions = {}) {
    this.#minWindow = options.minWindow ?? 64 * 1024;
    this.#maxWindow = options.maxWindow ?? 4 * 1024 * 1024;
    this.#giveUpMs = options.giveUpMs ?? 2000;
    this.#now = options.now ?? (() => performance.now());
    this.#idleRtt = options.idleRttMs && options.idleRttMs > 0 ? options.idleRttMs : Infinity;
  }

  /** Bytes written and not yet answered for. */
  get unanswered(): number {
    return this.#inFlight;
  }

  /** Bytes estimated to be still on their way (at most the unanswered ones). */
  get inFlight(): number {
    return Math.round(this.#drain(this.#now()));
  }

  /** Bytes per second the link carries, as learned from the answers; null until measured. */
  get rate(): number | null {
    return this.#linkRate;
  }

  /**
   * What the answers of this spell acknowledged per second, over at least RATE_SPAN_MS when
   * there is that much, and whether the link was loaded throughout; null without two answers a
   * round trip apart (answers a few milliseconds apart are bunching, not speed).
   */
  #measure(): { rate: number; loaded: boolean } | null {
    if (this.#acks.length < 2) return null;
    const first = this.#acks[0]!;
    const last = this.#acks[this.#acks.length - 1]!;
    const ms = last.at - first.at;
    if (ms <= 0 || (Number.isFinite(this.rttMs) && ms < this.rttMs)) return null;
    return { rate: ((last.total - first.total) * 1000) / ms, loaded: this.#acks.slice(0, -1).every((a) => a.loadedAfter) };
  }

  /** A measurement raises the learned rate, and lowers it only when the link was loaded throughout. */
  #learn(): void {
    const m = this.#measure();
    if (m && (this.#linkRate === null || m.rate > this.#linkRate || m.loaded)) this.#linkRate = m.rate;
  }

  get window(): number {
    const rate = this.rate;
    if (!Number.isFinite(this.#minRtt) || rate === null) return this.#minWindow;
    const bdp = rate * (this.rttMs / 1000);
    return Math.round(Math.min(this.#maxWindow, Math.max(this.#minWindow, 2 * bdp)));
  }

  /** The round trip the window is sized by: the idle one when known, never more than any mark's. */
  get rttMs(): number {
    return Math.min(this.#minRtt, this.#idleRtt);
  }

  /** How long until the window opens by the estimate alone (null: only an answer opens it). */
  get msUntilOpen(): number | null {
    const rate = this.rate;
    if (this.#disabled || rate === null) return null;
    return Math.max(0, ((this.#drain(this.#now()) - this.window) / rate) * 1000);
  }

  /** The queue estimate at `now`: what the link carried since the last update is gone. */
  #drain(now: number): number {
    const rate = this.rate;
    if (rate !== null) this.#queued = Math.max(0, this.#queued - (rate * (now - this.#queuedAt)) / 1000);
    this.#queuedAt = now;
    this.#queued = Math.min(this.#queued, this.#inFlight);
    return this.#queued;
  }

  /** Whether an answer is expected (a mark is out): only then can waiting open the window. */
  get awaiting(): boolean {
    return !this.#disabled && this.#marks.length > 0;
  }

  /** Whether more picture bytes may be written now. */
  open(): boolean {
    if (this.#disabled) return true;
    const now = this.#now();
    if (!this.#answered && this.#firstMarkAt !== null && now - this.#firstMarkAt > this.#giveUpMs) {
      this.#disabled = true;
      return true;
    }
    // An answer that never comes (lost, or eaten by something between us and the terminal) must
    // not stall the pictures: marks older than a generous multiple of the round trip are dropped.
    const oldest = this.#marks[0];
    if (oldest && now - oldest.at > this.stallMs) {
      this.#marks = [];
      this.#inFlight = 0;
      this.#queued = 0;
      this.#unmarked = 0;
      if (++this.#stalls >= 3) this.#disabled = true;
      return true;
    }
    return this.#drain(now) < this.window;
  }

  /** Whether the link is known to carry `bytes` within `ms` (its rate measured), or pacing is off. */
  carries(bytes: number, ms: number): boolean {
    if (this.#disabled) return true;
    const rate = this.rate;
    return rate !== null && (bytes / rate) * 1000 <= ms;
  }

  /** How long an unanswered mark may hold the window shut. */
  get stallMs(): number {
    return Math.max(this.#giveUpMs / 2, Number.isFinite(this.#minRtt) ? 8 * this.#minRtt : 0);
  }

  /** Picture bytes written. */
  sent(bytes: number): void {
    if (this.#disabled) return;
    this.#unmarked += bytes;
    const now = this.#now();
    if (this.#inFlight === 0 && this.#acks.length) {
      // The link was idle: this spell is measured from now on. Counting the idle time (answers
      // 6 s apart across two page turns) made it 3 kB/s at 2 Mbit. The learned rate stays.
      this.#acks = [{ at: now, total: this.#ackedTotal, loadedAfter: false }];
    }
    this.#drain(now);
    this.#inFlight += bytes;
    this.#queued += bytes;
  }

  /**
   * Whether a mark should follow what was just written: enough bytes to acknowledge (one mark
   * per small placement would be a query per picture), or the end of a burst.
   */
  wantsMark(endOfBurst = false): boolean {
    return !this.#disabled && this.#unmarked > 0 && (endOfBurst || this.#unmarked >= 16 * 1024);
  }

  /** A DSR query was written after `sent` bytes. */
  marked(): void {
    const at = this.#now();
    this.#marks.push({ bytes: this.#unmarked, at });
    this.#unmarked = 0;
    this.#firstMarkAt ??= at;
  }

  /** The terminal answered one DSR (they come back in order). */
  answered(): void {
    const mark = this.#marks.shift();
    if (!mark) return;
    this.#answered = true;
    const at = this.#now();
    const elapsed = at - mark.at;
    this.#minRtt = Math.min(this.#minRtt, elapsed);
    this.#inFlight = Math.max(0, this.#inFlight - mark.bytes);
    this.#ackedTotal += mark.bytes;
    const bdp = this.#linkRate === null ? Infinity : (this.#linkRate * this.rttMs) / 1000;
    this.#acks.push({ at, total: this.#ackedTotal, loadedAfter: this.#inFlight >= bdp });
    // Measured over about the last second of answers: the oldest kept is the last one at least
    // that old, so two answers a few milliseconds apart are never a measurement of their own.
    while (this.#acks.length > 2 && at - this.#acks[1]!.at >= RATE_SPAN_MS) this.#acks.shift();
    this.#learn();
    // What is known now: everything after this mark is unanswered; the estimate starts from there.
    this.#queued = this.#inFlight;
    this.#queuedAt = at;
  }

  /** Whether every mark was answered (used at exit: late answers must not reach the shell). */
  get settled(): boolean {
    return this.#marks.length === 0;
  }
}

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
  /** @default performance.now */
  now?: () => number;
}

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
  #minRtt = Infinity;
  #acks: { at: number; total: number }[] = [];
  #ackedTotal = 0;
  #answered = false;
  #disabled = false;
  #firstMarkAt: number | null = null;
  #stalls = 0;

  constructor(options: AckWindowOptions = {}) {
    this.#minWindow = options.minWindow ?? 64 * 1024;
    this.#maxWindow = options.maxWindow ?? 4 * 1024 * 1024;
    this.#giveUpMs = options.giveUpMs ?? 2000;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Bytes written and not yet answered for. */
  get inFlight(): number {
    return this.#inFlight;
  }

  get window(): number {
    if (!Number.isFinite(this.#minRtt) || this.#acks.length < 2) return this.#minWindow;
    const first = this.#acks[0]!;
    const last = this.#acks[this.#acks.length - 1]!;
    const seconds = (last.at - first.at) / 1000;
    if (seconds <= 0) return this.#minWindow;
    const rate = (last.total - first.total) / seconds;
    const bdp = rate * (this.#minRtt / 1000);
    return Math.round(Math.min(this.#maxWindow, Math.max(this.#minWindow, 2 * bdp)));
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
      this.#unmarked = 0;
      if (++this.#stalls >= 3) this.#disabled = true;
      return true;
    }
    return this.#inFlight < this.window;
  }

  /** How long an unanswered mark may hold the window shut. */
  get stallMs(): number {
    return Math.max(this.#giveUpMs / 2, Number.isFinite(this.#minRtt) ? 8 * this.#minRtt : 0);
  }

  /** Picture bytes written. */
  sent(bytes: number): void {
    if (this.#disabled) return;
    this.#unmarked += bytes;
    this.#inFlight += bytes;
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
    this.#minRtt = Math.min(this.#minRtt, at - mark.at);
    this.#inFlight = Math.max(0, this.#inFlight - mark.bytes);
    this.#ackedTotal += mark.bytes;
    this.#acks.push({ at, total: this.#ackedTotal });
    // Rate over about the last second of answers.
    while (this.#acks.length > 2 && at - this.#acks[0]!.at > 1000) this.#acks.shift();
  }

  /** Whether every mark was answered (used at exit: late answers must not reach the shell). */
  get settled(): boolean {
    return this.#marks.length === 0;
  }
}

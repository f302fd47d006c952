/**
 * The one path from bytes to the terminal, paced to what the link carries.
 *
 * Text (the cell diff of the newest frame) is small and always goes first. Pictures follow as
 * units in pieces; before each piece the writer asks whether the picture is still wanted (a
 * page turned, a view closed) and if not ends the unit cleanly and drops it, so the newest
 * frame wins instead of waiting behind every page already left. It waits for stdout's 'drain'
 * when the stream says so, and for the terminal's answers to the DSR marks (ack-window.ts) so
 * that no more than about two bandwidth-delay products are queued on the link.
 */
import type { PaintUnit } from '../../render/painter.js';
import { DSR_QUERY, type AckWindow } from './ack-window.js';
import type { PictureJobResult } from './picture-thread.js';
import { trace, tracing } from './trace.js';

/**
 * Bytes written per turn of the event loop at most (one picture piece, or several small pictures:
 * a half-block picture is 7 kB, a kitty placement 50 bytes). One unit per turn waited behind
 * everything else the loop had to do each time: on a loaded machine the 24 half-block pictures
 * of a page went out 60-115 ms apart with the window open.
 */
const TURN_BYTES = 16 * 1024;

/**
 * Pictures at least this big are written by the picture thread when there is one (a sixel
 * preview or loupe crop: 1-1.3 MB at 160x48), so the main thread renders meanwhile. Thumbnails
 * (50-100 kB at 160x48, 200 kB and more at 240x66) stay here: each job's answer needs the event
 * loop, which a page's worth of them would wait for one by one, and a grid never starts the thread.
 */
const THREAD_MIN_BYTES = 512 * 1024;
/** A picture goes to the thread only over a link known to take it in about this long, */
const THREAD_MAX_MS = 100;
/** or whose round trip is at most this (a local terminal: 0-3 ms measured; over SSH on a LAN about 1). */
const LOCAL_RTT_MS = 5;

const BSU = '\x1b[?2026h';
const ESU = '\x1b[?2026l';

/** Where the bytes go: a stream whose write() returns false when its buffer is full. */
export interface OutputSink {
  write(data: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

/** A thread writing to the same terminal (picture-thread.ts). */
export interface PictureOffload {
  readonly ready: boolean;
  /** Asked for by the first picture big enough: the thread is ready for a later one. */
  start(): void;
  write(pieces: readonly string[], abort: string, done: (r: PictureJobResult) => void): void;
  cancel(): void;
  settle(timeoutMs?: number): boolean;
}

export interface TerminalWriterOptions {
  sink: OutputSink;
  /** Asked before each piece of a picture: false stops it. */
  wanted(unit: PaintUnit): boolean;
  /** A picture stopped half-way or dropped before it started: the painter must forget it. */
  abandoned(unit: PaintUnit): void;
  /** Wrap text in synchronised-output markers (DEC 2026). @default false */
  sync?: boolean;
  /** Pace pictures by the terminal's DSR answers. @default undefined (stdout's drain only) */
  flow?: AckWindow;
  /** Big pictures are written from here, the rest of the bytes wait for it. @default none */
  thread?: PictureOffload | null;
  /** Called after bytes were written (benchmarks, tests). */
  onWrite?(bytes: number): void;
  /** Called when everything queued is written. */
  onIdle?(): void;
}

interface Current {
  unit: PaintUnit;
  next: number;
}

export class TerminalWriter {
  readonly #opts: TerminalWriterOptions;
  /** Text waiting for the next boundary between pictures (or between kitty chunks). */
  #text = '';
  /** kitty deletes and other graphics commands: never inside another picture's transfer. */
  #control = '';
  #queue: PaintUnit[] = [];
  #current: Current | null = null;
  #waitingDrain = false;
  /** The current unit is being written by the picture thread: nothing else is written meanwhile. */
  #inThread = false;
  #scheduled = false;
  #closed = false;
  #recheck: NodeJS.Timeout | null = null;
  /** Set by a step that left work for another (see #turn). */
  #more = false;
  /** Bytes written in all (a turn's budget is counted from it). */
  #written = 0;

  constructor(opts: TerminalWriterOptions) {
    this.#opts = opts;
  }

  /** Whether anything is still to be written. */
  get busy(): boolean {
    return this.#text !== '' || this.#control !== '' || this.#current !== null || this.#queue.length > 0;
  }

  /**
   * Queues a frame: graphics commands, the text diff, then the pictures it needs. `now` starts
   * writing before returning (a key's picture, ahead of the frame's rendering) instead of on the
   * next turn of the event loop.
   */
  submit(control: string, text: string, units: readonly PaintUnit[], now = false): void {
    if (this.#closed) return;
    this.#control += control;
    this.#text += text;
    this.#queue.push(...units);
    // A picture in the thread that the new frame no longer shows stops after its piece under way.
    if (this.#inThread && this.#current && !this.#opts.wanted(this.#current.unit)) this.#opts.thread?.cancel();
    if (now && !this.#scheduled) this.#turn();
    else this.#pump();
  }

  /** The terminal answered a DSR mark. */
  answered(): void {
    this.#opts.flow?.answered();
    if (tracing) trace('answer', `${this.#opts.flow?.inFlight}/${this.#opts.flow?.window} rtt ${this.#opts.flow?.rttMs.toFixed(0)} rate ${this.#opts.flow?.rate?.toFixed(0)}`);
    this.#pump();
  }

  /**
   * Drops every queued picture (the terminal is being reset or left): what was cut short is
   * ended cleanly and reported as abandoned. Text already queued is kept.
   */
  dropPictures(): void {
    if (this.#inThread) {
      // The thread stops after its piece under way; its answer abandons the picture, and what is
      // queued meanwhile waits for it. Not waited for here: a resize must not wait for a link.
      this.#opts.thread?.cancel();
    } else if (this.#current) {
      this.#write(this.#current.unit.abort);
      this.#opts.abandoned(this.#current.unit);
      this.#current = null;
    }
    for (const u of this.#queue) this.#opts.abandoned(u);
    this.#queue = [];
  }

  /**
   * Stops the picture thread's job and waits for it (blocking, at most 2 s), so that the
   * terminal can be written to directly (exit, Ctrl-Z).
   */
  settle(): void {
    if (!this.#inThread) return;
    // settle() true: the job's answer has run (it cleared #inThread); false: given up on.
    if (this.#opts.thread?.settle() === false && this.#inThread) {
      this.#inThread = false;
      if (this.#current) this.#opts.abandoned(this.#current.unit);
      this.#current = null;
    }
  }

  /** Writes whatever text is queued right away and stops (exit path; pictures are dropped). */
  close(): string {
    this.settle();
    this.dropPictures();
    this.#closed = true;
    const rest = this.#control + this.#text;
    this.#control = '';
    this.#text = '';
    return rest;
  }

  #pump(): void {
    if (this.#scheduled || this.#waitingDrain || this.#inThread || this.#closed) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#turn();
    });
  }

  /** Steps until about TURN_BYTES are written, so keys typed meanwhile are read between turns. */
  #turn(): void {
    const start = this.#written;
    for (;;) {
      this.#more = false;
      this.#step();
      // Nothing left, or waiting (for the window, for 'drain', for the thread: those pump again).
      if (!this.#more || this.#waitingDrain || this.#inThread || this.#closed) return;
      if (this.#written - start >= TURN_BYTES) return this.#pump();
    }
  }

  #step(): void {
    if (this.#closed || this.#waitingDrain || this.#inThread) return;
    const cur = this.#current;
    const midSequence = cur !== null && cur.unit.kind !== 'transmit';
    // Text goes first, except inside a picture's escape sequence (sixel DCS, one passthrough);
    // kitty allows other output between the chunks of a transfer.
    if (this.#text && !midSequence) {
      const text = this.#text;
      this.#text = '';
      if (tracing) trace('text', String(text.length));
      this.#write(this.#opts.sync ? BSU + text + ESU : text);
      return this.#continue();
    }
    if (cur && !this.#opts.wanted(cur.unit)) {
      if (tracing) trace('cut', `${cur.unit.slot} ${cur.next}/${cur.unit.chunks.length}`);
      this.#write(cur.unit.abort);
      this.#current = null;
      this.#opts.abandoned(cur.unit);
      return this.#continue();
    }
    if (!cur && this.#control) {
      const control = this.#control;
      this.#control = '';
      if (tracing) trace('control', String(control.length));
      this.#write(control);
      return this.#continue();
    }
    if (!cur) {
      const unit = this.#nextWanted();
      if (!unit) {
        if (tracing) trace('idle');
        if (!this.busy) this.#opts.onIdle?.();
        return;
      }
      const flow = this.#opts.flow;
      if (flow && !flow.open()) {
        // Wait for the terminal's answers (answered() pumps again), and look again shortly in
        // case they never come (open() then lets the pictures go).
        this.#queue.unshift(unit);
        if (tracing) trace('window-shut', `${flow.inFlight}/${flow.window}`);
        // Bytes not yet asked about must be asked about, or no answer could open the window.
        this.#mark(true);
        this.#recheckSoon();
        return;
      }
      this.#current = { unit, next: 0 };
      if (tracing) trace('start', `${unit.kind} ${unit.slot} ${unit.chunks.reduce((n, c) => n + c.length, 0)} queued ${this.#queue.length}`);
    }
    const c = this.#current!;
    // The window holds inside a picture too: a whole 90 kB sixel written at once went into
    // sshd's buffers and could no longer be dropped when the page turned (a burst sent two
    // pictures of a page left behind, 0.7 s at 2 Mbit). A sixel cannot carry a mark inside it,
    // so the wait is only while an answer already asked for is out (without one, nothing but the
    // estimate could open the window); text waiting behind the sequence (a key's change) lets it
    // finish instead.
    const flow = this.#opts.flow;
    if (c.next > 0 && flow && !this.#text && flow.awaiting && !flow.open()) {
      if (tracing) trace('window-shut-mid', `${c.unit.slot} ${flow.inFlight}/${flow.window}`);
      this.#recheckSoon();
      return;
    }
    if (this.#toThread(c)) return;
    const piece = c.unit.chunks[c.next++] ?? '';
    this.#write(piece, true);
    if (c.next >= c.unit.chunks.length) {
      if (tracing) trace('done', c.unit.slot);
      this.#current = null;
      this.#mark();
    } else if (c.unit.kind === 'transmit') {
      // Between kitty chunks a mark is allowed too.
      this.#mark();
    }
    this.#continue();
  }

  /** Hands the rest of a big picture to the thread, when there is one and the link is fast. */
  #toThread(c: Current): boolean {
    const thread = this.#opts.thread;
    if (!thread || c.unit.kind !== 'place') return false;
    const pieces = c.unit.chunks.slice(c.next);
    const bytes = pieces.reduce((n, p) => n + p.length, 0);
    if (bytes < THREAD_MIN_BYTES) return false;
    if (!thread.ready) {
      thread.start();
      return false;
    }
    // Over a slow link pieces are paced by the terminal's answers (the thread would push each
    // picture into sshd's buffers whole, where a page turn can no longer stop it). Fast: the
    // measured rate carries it in THREAD_MAX_MS, or the terminal is a LAN's round trip away (the
    // rate is learned from the pictures sent, and a grid's thumbnails say little about it).
    const flow = this.#opts.flow;
    if (flow && !flow.carries(bytes, THREAD_MAX_MS) && !(flow.rttMs <= LOCAL_RTT_MS)) return false;
    if (tracing) trace('thread', `${c.unit.slot} ${bytes} in ${pieces.length}`);
    this.#inThread = true;
    flow?.sent(bytes);
    thread.write(pieces, c.unit.abort, (r) => {
      this.#inThread = false;
      const written = pieces.slice(0, r.pieces).reduce((n, p) => n + p.length, 0);
      this.#written += written;
      this.#opts.onWrite?.(written);
      if (tracing) trace('thread-done', `${c.unit.slot} ${r.pieces}/${pieces.length}${r.cut ? ' cut' : ''}${r.failed ? ' failed' : ''}`);
      if (this.#current !== c) return this.#pump();
      this.#current = null;
      if (r.pieces < pieces.length) this.#opts.abandoned(c.unit);
      else this.#mark();
      if (this.busy) this.#pump();
      else this.#opts.onIdle?.();
    });
    return true;
  }

  #recheckSoon(): void {
    if (this.#recheck) return;
    // When the link's rate is known the window opens by itself after the queue has drained.
    const ms = this.#opts.flow?.msUntilOpen ?? 100;
    this.#recheck = setTimeout(() => {
      this.#recheck = null;
      this.#pump();
    }, Math.max(2, Math.min(100, Math.ceil(ms))));
    this.#recheck.unref?.();
  }

  #mark(endOfBurst = this.#queue.length === 0): void {
    const flow = this.#opts.flow;
    if (!flow?.wantsMark(endOfBurst)) return;
    this.#write(DSR_QUERY);
    flow.marked();
  }

  #nextWanted(): PaintUnit | undefined {
    while (this.#queue.length) {
      const unit = this.#queue.shift()!;
      if (this.#opts.wanted(unit)) return unit;
      if (tracing) trace('drop', unit.slot);
      this.#opts.abandoned(unit);
    }
    return undefined;
  }

  #write(bytes: string, picture = false): void {
    if (!bytes) return;
    const ok = this.#opts.sink.write(bytes);
    this.#written += bytes.length;
    if (picture) this.#opts.flow?.sent(bytes.length);
    this.#opts.onWrite?.(bytes.length);
    // One 'drain' listener however many writes of a step were refused.
    if (!ok && !this.#waitingDrain) {
      this.#waitingDrain = true;
      if (tracing) trace('drain-wait');
      this.#opts.sink.once('drain', () => {
        this.#waitingDrain = false;
        if (tracing) trace('drained');
        this.#pump();
      });
    }
  }

  #continue(): void {
    if (this.busy) this.#more = true;
    else this.#opts.onIdle?.();
  }
}

import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { PaintUnit } from '../../src/render/painter.js';
import { AckWindow } from '../../src/tui/screen/ack-window.js';
import { TerminalWriter } from '../../src/tui/screen/terminal-writer.js';
import { lineCells } from '../../src/tui/screen/line-cells.js';
import { TextScreen } from '../../src/tui/screen/text-screen.js';

describe('TextScreen: only the cells that changed', () => {
  it('writes the non-blank cells of a first frame, nothing for the same frame again', () => {
    const s = new TextScreen(20, 4);
    const first = s.diff(['hello', '', '   x']);
    expect(first).toContain('\x1b[1;1H');
    expect(first).toContain('hello');
    expect(first).toContain('\x1b[3;4H');
    expect(s.diff(['hello', '', '   x'])).toBe('');
  });

  it('a one-cell change writes that cell (and its style) only', () => {
    const s = new TextScreen(80, 10);
    const line = '\x1b[33m╭──────╮\x1b[39m some text that stays the same';
    s.diff([line, line, line]);
    const changed = '\x1b[31m╭──────╮\x1b[39m some text that stays the same';
    const out = s.diff([line, changed, line]);
    expect(out.startsWith('\x1b[2;1H')).toBe(true);
    expect(out).toContain('\x1b[31m');
    expect(out).not.toContain('some text');
    expect(out.length).toBeLessThan(60);
  });

  it('never writes inside a mask, and writes a forgotten rect again', () => {
    const s = new TextScreen(10, 3);
    const mask = { col: 2, row: 0, cols: 4, rows: 2 };
    const out = s.diff(['abcdefghij', 'abcdefghij'], [mask]);
    expect(out).toContain('ab');
    expect(out).not.toContain('cdef');
    expect(out).toContain('ghij');
    // The picture left: its cells show the frame's text again.
    s.forget(mask);
    const after = s.diff(['abcdefghij', 'abcdefghij']);
    expect(after).toContain('\x1b[1;3H');
    expect(after).toContain('cdef');
  });

  it('a row under a picture is skipped while line and picture stay, and written when the picture goes', () => {
    const s = new TextScreen(10, 2);
    const mask = { col: 2, row: 0, cols: 4, rows: 2 };
    const frame = ['\x1b[31mabcdefghij\x1b[39m', 'abcdefghij'];
    expect(s.diff(frame, [mask])).toContain('ghij');
    expect(s.diff(frame, [mask])).toBe('');
    // The picture moved off these rows (no forget): the cells it covered are written now.
    const after = s.diff(frame, [{ ...mask, row: 5 }]);
    expect(after).toContain('\x1b[1;3H');
    expect(after).toContain('cdef');
    expect(s.diff(frame, [{ ...mask, row: 5 }])).toBe('');
  });

  it('keeps wide characters whole and never writes the bottom-right cell', () => {
    expect(lineCells('a漢b', 5).map((c) => c.ch)).toEqual(['a', '漢', '', 'b', ' ']);
    const s = new TextScreen(4, 2);
    const out = s.diff(['', 'wxyz']);
    expect(out).toContain('wxy');
    expect(out).not.toContain('z');
  });

  it('after invalidate() every cell is written again (blanks included)', () => {
    const s = new TextScreen(6, 2);
    s.diff(['ab']);
    s.invalidate();
    const out = s.diff(['ab']);
    expect(out).toContain('ab    ');
  });
});

/** A stdout that takes `budget` bytes per turn of the event loop, like a slow link. */
class SlowSink extends EventEmitter {
  written = '';
  room: number;
  constructor(readonly budget: number) {
    super();
    this.room = budget;
  }
  write(data: string): boolean {
    this.written += data;
    this.room -= data.length;
    if (this.room > 0) return true;
    setTimeout(() => {
      this.room = this.budget;
      this.emit('drain');
    }, 2);
    return false;
  }
}

const unit = (slot: string, page: number, pieces = 4, size = 1000): PaintUnit => ({
  slot,
  kind: 'place',
  rect: { col: 0, row: 0, cols: 10, rows: 5 },
  imageKey: `${slot}@${page}`,
  imageId: null,
  chunks: Array.from({ length: pieces }, (_, i) => `<${slot}@${page}#${i}${'.'.repeat(size)}>`),
  abort: '<abort>',
});

describe('TerminalWriter: newest frame wins, backpressure respected', () => {
  it('a burst of page turns into a slow writer ends with only the final page written after the first', async () => {
    const sink = new SlowSink(1500);
    let page = 0;
    const abandoned: string[] = [];
    let idle!: () => void;
    const done = new Promise<void>((r) => (idle = r));
    const writer = new TerminalWriter({
      sink,
      wanted: (u) => u.imageKey.endsWith(`@${page}`),
      abandoned: (u) => abandoned.push(u.imageKey),
      onIdle: () => idle(),
    });
    const slots = ['a', 'b', 'c', 'd'];
    for (page = 1; page <= 5; page++) {
      writer.submit('', `text${page}`, slots.map((s) => unit(s, page)));
      // Keys come faster than one picture can be written.
      await new Promise((r) => setTimeout(r, 1));
    }
    page = 5;
    await done;
    // Every frame's text arrived, in order.
    expect(sink.written.indexOf('text1')).toBeLessThan(sink.written.indexOf('text5'));
    // The final page: every piece of every picture.
    for (const s of slots) for (let i = 0; i < 4; i++) expect(sink.written).toContain(`<${s}@5#${i}`);
    // Of the pages left behind, no more than one page's worth of pictures was written (each
    // started picture was cut short at its next piece), and each was ended cleanly.
    const started = [1, 2, 3, 4].filter((p) => sink.written.includes(`@${p}#`));
    const leftBehind = started.reduce((n, p) => n + (sink.written.match(new RegExp(`@${p}#`, 'g')) ?? []).length, 0);
    expect(leftBehind).toBeLessThanOrEqual(slots.length * 4);
    for (const p of started) {
      expect(sink.written).toContain('<abort>');
      expect(abandoned.some((k) => k.endsWith(`@${p}`))).toBe(true);
      expect(sink.written.indexOf('<abort>')).toBeLessThan(sink.written.indexOf('@5#'));
    }
    expect(abandoned.filter((k) => k.endsWith('@5'))).toEqual([]);
  });

  it('writes small pictures several to a turn of the event loop, a big one a piece a turn', async () => {
    const sink = new SlowSink(10_000_000);
    const writer = new TerminalWriter({ sink, wanted: () => true, abandoned: () => undefined });
    const turn = () => new Promise((r) => setImmediate(r));
    // Ten half-block-sized pictures (one 1 kB piece each): all in the first turn.
    writer.submit('', '', Array.from({ length: 10 }, (_, i) => unit(`s${i}`, 1, 1)));
    await turn();
    expect((sink.written.match(/<s\d@1#0/g) ?? []).length).toBe(10);
    // A kitty transfer of four 16 kB chunks: one per turn, and a key's text goes between them.
    writer.submit('', '', [{ ...unit('big', 1, 4, 16 * 1024), kind: 'transmit' }]);
    await turn();
    expect((sink.written.match(/<big@1#/g) ?? []).length).toBe(1);
    writer.submit('', 'key', []);
    await turn();
    expect(sink.written.indexOf('key')).toBeGreaterThan(sink.written.indexOf('<big@1#0'));
    expect((sink.written.match(/<big@1#/g) ?? []).length).toBeLessThanOrEqual(2);
  });

  it('waits for the terminal to answer its DSR marks before sending more than the window', async () => {
    const sink = new SlowSink(1_000_000);
    const flow = new AckWindow({ minWindow: 3000 });
    const writer = new TerminalWriter({ sink, wanted: () => true, abandoned: () => undefined, flow });
    writer.submit('', '', [unit('a', 1, 1), unit('b', 1, 1), unit('c', 1, 1), unit('d', 1, 1), unit('e', 1, 1)]);
    await new Promise((r) => setTimeout(r, 30));
    const marks = sink.written.split('\x1b[5n').length - 1;
    expect(marks).toBeGreaterThan(0);
    expect(sink.written).not.toContain('<e@1');
    for (let i = 0; i < marks; i++) writer.answered();
    await new Promise((r) => setTimeout(r, 30));
    for (let i = 0; i < 10; i++) writer.answered();
    await new Promise((r) => setTimeout(r, 30));
    expect(sink.written).toContain('<e@1');
  });

  it('holds the window inside a picture, so a page turn leaves at most a window of it on the link', async () => {
    const sink = new SlowSink(1_000_000);
    const flow = new AckWindow({ minWindow: 20_000 });
    let page = 1;
    const writer = new TerminalWriter({ sink, wanted: (u) => u.imageKey.endsWith(`@${page}`), abandoned: () => undefined, flow });
    // A 17 kB picture (a mark follows it), then one of eight 1 kB pieces: more than the window.
    writer.submit('', '', [unit('a', 1, 1, 17_000), unit('b', 1, 8)]);
    await new Promise((r) => setTimeout(r, 30));
    const piecesOfB = () => (sink.written.match(/<b@1#/g) ?? []).length;
    // Written up to the window (17 kB + 3 pieces), then waiting for the answer asked for.
    expect(piecesOfB()).toBe(3);
    page = 2;
    writer.submit('', 'page 2', []);
    await new Promise((r) => setTimeout(r, 30));
    expect(piecesOfB()).toBe(3);
    expect(sink.written.indexOf('<abort>')).toBeGreaterThan(sink.written.lastIndexOf('<b@1#'));
    expect(sink.written.indexOf('page 2')).toBeGreaterThan(sink.written.indexOf('<abort>'));
  });

  it('a key\'s text is not held behind a picture waiting for the window: the picture finishes first', async () => {
    const sink = new SlowSink(1_000_000);
    const flow = new AckWindow({ minWindow: 20_000 });
    const writer = new TerminalWriter({ sink, wanted: () => true, abandoned: () => undefined, flow });
    writer.submit('', '', [unit('a', 1, 1, 17_000), unit('b', 1, 8)]);
    await new Promise((r) => setTimeout(r, 30));
    writer.submit('', 'status', []);
    await new Promise((r) => setTimeout(r, 30));
    // Text cannot go inside a sixel sequence: the picture is finished, then the text written.
    expect(sink.written).toContain('<b@1#7');
    expect(sink.written.indexOf('status')).toBeGreaterThan(sink.written.indexOf('<b@1#7'));
  });
});

describe('AckWindow: the bytes on the link between answers', () => {
  it('drains its estimate at the answered rate, and sizes the window by the idle round trip', () => {
    let now = 0;
    const w = new AckWindow({ minWindow: 10_000, idleRttMs: 100, now: () => now });
    // 100 kB/s link, 100 ms round trip: a 50 kB picture takes 0.5 s to carry, then 0.1 s back.
    const picture = (bytes: number) => {
      w.sent(bytes);
      w.marked();
    };
    for (let i = 0; i < 3; i++) {
      picture(50_000);
      now += 600;
      w.answered();
    }
    expect(w.rate).toBeCloseTo(50_000 / 0.6, -2);
    // Each mark took 600 ms, mostly its own picture's transfer: the probe's 100 ms sizes the window.
    expect(w.rttMs).toBe(100);
    expect(w.window).toBe(Math.round(2 * (50_000 / 0.6) * 0.1));
    // Nothing unanswered: open; a new picture fills the estimate, which then drains by itself.
    picture(40_000);
    expect(w.inFlight).toBe(40_000);
    expect(w.open()).toBe(false);
    now += 200;
    expect(w.inFlight).toBeLessThan(40_000 - 15_000);
    expect(w.msUntilOpen).toBeGreaterThan(0);
    now += 400;
    expect(w.inFlight).toBeLessThan(w.window);
    expect(w.open()).toBe(true);
    // Still unanswered: never estimated above what was written, and counted as such.
    expect(w.unanswered).toBe(40_000);
    // An answer sets the estimate back to what is known to be unanswered.
    picture(30_000);
    now += 10;
    w.answered();
    expect(w.inFlight).toBe(30_000);
  });

  it('an idle spell between pages does not count as a slow link', () => {
    let now = 0;
    const w = new AckWindow({ minWindow: 10_000, now: () => now });
    const picture = (bytes: number, ms: number) => {
      w.sent(bytes);
      w.marked();
      now += ms;
      w.answered();
    };
    picture(50_000, 500);
    picture(50_000, 500);
    expect(w.rate).toBeCloseTo(100_000, -3);
    // Six seconds of nothing (the user looks at the page), then the next page at the same speed.
    now += 6000;
    picture(50_000, 500);
    expect(w.rate).toBeCloseTo(100_000, -3);
    picture(50_000, 500);
    expect(w.rate).toBeCloseTo(100_000, -3);
  });

  it('before any answer the estimate does not drain: only an answer opens the window', () => {
    let now = 0;
    const w = new AckWindow({ minWindow: 10_000, now: () => now });
    w.sent(20_000);
    w.marked();
    now += 500;
    expect(w.open()).toBe(false);
    expect(w.msUntilOpen).toBeNull();
    w.answered();
    expect(w.open()).toBe(true);
  });
});


import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { PaintUnit } from '../../src/render/painter.js';
import { AckWindow } from '../../src/tui/screen/ack-window.js';
import { TerminalWriter } from '../../src/tui/screen/terminal-writer.js';
import { lineCells, TextScreen } from '../../src/tui/screen/text-screen.js';

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

const unit = (slot: string, page: number, pieces = 4): PaintUnit => ({
  slot,
  kind: 'place',
  rect: { col: 0, row: 0, cols: 10, rows: 5 },
  imageKey: `${slot}@${page}`,
  imageId: null,
  chunks: Array.from({ length: pieces }, (_, i) => `<${slot}@${page}#${i}${'.'.repeat(1000)}>`),
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
});

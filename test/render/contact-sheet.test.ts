import { describe, expect, it } from 'vitest';
import { padCells, rowCaptions, rowLines, rowOverlay, rowTransmit, type SheetSlot } from '../../src/render/contact-sheet.js';
import { wrapEachSequence, wrapPassthrough, wrapPassthroughParts } from '../../src/render/tmux.js';
import type { RenderedImage } from '../../src/render/types.js';

const sixel: RenderedImage = {
  key: 's',
  protocol: 'sixel',
  box: { cols: 6, rows: 3 },
  cols: 4,
  rows: 2,
  offsetCol: 1,
  offsetRow: 0,
  lines: null,
  imageId: null,
  transmit: null,
  place: '\x1bPqSIX\x1b\\',
  byteLength: 0,
};
const layout = { box: { cols: 6, rows: 3 }, gap: 2 };
const slots: SheetSlot[] = [
  { kind: 'text', lines: ['aaaaaa', 'bbbbbb', 'cccccc'], caption: ['one.jpg', '★☆☆☆☆'] },
  { kind: 'image', image: sixel, caption: ['a-very-long-name.jpg'] },
];

describe('contact sheet rows', () => {
  it('prints text slots and reserves blank cells for out-of-band pictures', () => {
    expect(rowLines(slots, layout)).toBe('aaaaaa        \x1b[0m\nbbbbbb        \x1b[0m\ncccccc        \x1b[0m\n');
    expect(rowTransmit(slots, layout)).toBe('');
  });

  it('draws pictures over the reserved lines with relative moves, cursor saved', () => {
    expect(rowOverlay(slots, layout)).toBe('\x1b[3A\r\x1b7\x1b[9C\x1bPqSIX\x1b\\\x1b8\x1b[3B\r');
  });

  it('through tmux: absolute position on the outer terminal, all in one passthrough', () => {
    expect(rowOverlay(slots, { ...layout, passthrough: true }, { row: 10, col: 4 })).toBe(
      wrapPassthrough('\x1b7\x1b[11;14H\x1bPqSIX\x1b\\\x1b8'),
    );
  });

  it('cuts captions to the box', () => {
    expect(rowCaptions(slots, layout)).toBe('one.j…  a-ver…\n★☆☆☆☆\n');
    expect(padCells('abc', 5)).toBe('abc  ');
  });
});

describe('tmux passthrough', () => {
  it('doubles every ESC and wraps each complete sequence on its own', () => {
    expect(wrapPassthrough('\x1b_Gq=2\x1b\\')).toBe('\x1bPtmux;\x1b\x1b_Gq=2\x1b\x1b\\\x1b\\');
    expect(wrapEachSequence('\x1b_Ga\x1b\\\x1b_Gb\x1b\\')).toBe(
      `${wrapPassthrough('\x1b_Ga\x1b\\')}${wrapPassthrough('\x1b_Gb\x1b\\')}`,
    );
    expect(wrapPassthrough('')).toBe('');
  });

  it('wraps parts as one passthrough of their concatenation, whatever the ESCs in them', () => {
    const parts = ['\x1b7\x1b[3;4H', '\x1bP0;1;q"1;1;8;8#0;2;0;0;0#0~~\x1b\\', '', 'no escape at all', '\x1b\x1b', '\x1b8'];
    const whole = parts.join('');
    expect(wrapPassthroughParts(parts)).toBe(`\x1bPtmux;${whole.replaceAll('\x1b', '\x1b\x1b')}\x1b\\`);
    expect(wrapPassthroughParts(['', ''])).toBe('');
    expect(wrapPassthroughParts(['a', '\x1b'])).toBe('\x1bPtmux;a\x1b\x1b\x1b\\');
  });
});

import { tokenize } from '@alcalzone/ansi-tokenize';
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { lineCells } from '../../src/tui/screen/line-cells.js';

/**
 * lineCells has a fast path for lines of plain characters: it must give what the tokenizer
 * gives, character by character and for whole styled lines (the tokenizer's own path is the
 * reference: the library's graphemes and widths).
 */
const SIMPLE_RANGES: [number, number][] = [
  [0x20, 0x7e], [0xa0, 0xac], [0xae, 0xff], [0x2010, 0x2027], [0x2030, 0x205e], [0x2190, 0x21ff],
  [0x2200, 0x22ff], [0x2500, 0x25fc], [0x2605, 0x2606],
];
const simpleChars = SIMPLE_RANGES.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => String.fromCharCode(a + i)));

/** The reference: every token the library makes, as cells. */
function reference(line: string, columns: number): { ch: string; style: string }[] {
  const out: { ch: string; style: string }[] = [];
  for (const t of tokenize(line)) {
    if (t.type !== 'char') continue;
    out.push({ ch: t.value, style: '' });
    if (t.fullWidth) out.push({ ch: '', style: '' });
  }
  while (out.length < columns) out.push({ ch: ' ', style: '' });
  return out.slice(0, columns);
}

describe('lineCells', () => {
  it('every character of the fast path is one narrow grapheme for the tokenizer, alone and between others', () => {
    for (const ch of simpleChars) {
      const alone = tokenize(ch);
      expect(alone.length, `U+${ch.charCodeAt(0).toString(16)}`).toBe(1);
      expect(alone[0]).toMatchObject({ type: 'char', value: ch, fullWidth: false });
    }
    // Nothing in the set joins its neighbour into one grapheme.
    const line = simpleChars.join('');
    expect(tokenize(line).filter((t) => t.type === 'char').map((t) => (t as { value: string }).value)).toEqual(simpleChars);
    expect(lineCells(line, simpleChars.length).map((c) => c.ch)).toEqual(simpleChars);
  });

  it('styled lines: the same cells and styles as the tokenizer path, plain or not', () => {
    const c = new Chalk({ level: 3 });
    const lines = [
      `${c.bgBlue.white(' termtable · preview ')}│${c.yellow('★★★☆☆')} ${c.dim('IMG_0001.CR3')} ─── 4/10 ${c.bold.red('✗')}`,
      `${c.inverse('╭──────╮')}${c.rgb(200, 10, 10)('▁▂▃▄▅▆▇█')} · … — ↑↓ ≥ ≤ × ▣ ▶ ● ◎`,
      `plain ascii ${c.underline('under')}${c.reset(' reset')} ${c.bold.dim('both')}x`,
    ];
    for (const line of lines) {
      const fast = lineCells(line, 90);
      // The same line with one wide character at its end takes the tokenizer's path.
      const slow = lineCells(`${line}漢`, 90);
      const n = tokenize(line).filter((t) => t.type === 'char').length;
      expect(fast.slice(0, n)).toEqual(slow.slice(0, n));
      expect(fast.slice(0, n).some((x) => x.style !== '')).toBe(true);
      expect(fast.map((x) => x.ch)).toEqual(reference(line, 90).map((x) => x.ch));
    }
  });

  it('wide, combining and joined characters and other sequences go through the tokenizer', () => {
    expect(lineCells('a漢b', 5).map((c) => c.ch)).toEqual(['a', '漢', '', 'b', ' ']);
    expect(lineCells('e\u0301x', 3).map((c) => c.ch)).toEqual(['e\u0301', 'x', ' ']);
    expect(lineCells('👍🏽!', 4).map((c) => c.ch)).toEqual(reference('👍🏽!', 4).map((c) => c.ch));
    expect(lineCells('a\x1b]0;title\x07b', 3).map((c) => c.ch)).toEqual(['a', 'b', ' ']);
  });
});

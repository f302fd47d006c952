import { describe, expect, it } from 'vitest';
import { renderSkull } from '../../src/render/skull.js';

const width = (s: string) => [...s].length;

describe('renderSkull', () => {
  const sizes = [
    [1, 1],
    [5, 1],
    [12, 2],
    [6, 4],
    [9, 6],
    [24, 9],
    [40, 20],
  ] as const;
  for (const [cols, rows] of sizes) {
    it(`fills exactly ${cols}x${rows}`, () => {
      const lines = renderSkull({ cause: 'missing', detail: 'gone' }, { cols, rows });
      expect(lines).toHaveLength(rows);
      for (const l of lines) expect(width(l)).toBe(cols);
    });
  }

  it('draws the large skull with cause and detail when there is room', () => {
    const text = renderSkull({ cause: 'unsupported', detail: 'premature end of JPEG file' }, { cols: 30, rows: 12 }).join('\n');
    expect(text).toContain('() ()');
    expect(text).toContain('unsupported or corrupt');
    expect(text).toContain('premature end of JPEG file');
  });

  it('tiny boxes get a short label', () => {
    expect(renderSkull({ cause: 'memory' }, { cols: 20, rows: 1 })[0]?.trim()).toBe('x out of memory');
  });

  it('is plain ASCII art, and the detail is sanitised', () => {
    const lines = renderSkull({ cause: 'missing', detail: 'a\x1b[31mred\x07\x9b2J' }, { cols: 30, rows: 12 });
    const text = lines.join('');
    expect(text).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
    const art = lines.slice(0, 6).join('');
    expect(art).toMatch(/^[\x20-\x7e]*$/);
  });
});

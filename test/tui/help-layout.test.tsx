import { EventEmitter } from 'node:events';
import chalk from 'chalk';
import { render } from 'ink';
import type { ReactElement } from 'react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helpSections } from '../../src/tui/keymap.js';
import { bodyHeight } from '../../src/tui/layout.js';
import { HelpOverlay } from '../../src/tui/panels/HelpOverlay.js';
import { layoutHelp, type HelpLayout } from '../../src/tui/panels/help-layout.js';

const sections = helpSections();
const words = (s: string) => s.split(/\s+/).filter(Boolean);

/** The layout the overlay uses for a terminal of this size (inside its border and padding). */
const forTerminal = (columns: number, rows: number): HelpLayout => layoutHelp(sections, columns - 4, bodyHeight(rows) - 2);

describe('help overlay layout', () => {
  it.each([
    [80, 24],
    [80, 50],
    [120, 30],
    [120, 40],
    [200, 60],
    [200, 30],
  ])('at %i×%i: columns fit with a gap, no line is wider than its column, no heading ends a column', (columns, rows) => {
    const layout = forTerminal(columns, rows);
    const n = layout.columns.length;
    expect(layout.gap).toBeGreaterThanOrEqual(2);
    expect(n * layout.width + (n - 1) * layout.gap).toBeLessThanOrEqual(columns - 4);
    for (const col of layout.columns) {
      expect(col.length).toBeLessThanOrEqual(bodyHeight(rows) - 2);
      for (const line of col) expect(line.text.length, line.text).toBeLessThanOrEqual(layout.width);
      const content = col.filter((l) => l.kind !== 'blank');
      expect(content.at(-1)?.kind, `column ending ${JSON.stringify(content.at(-1)?.text)}`).not.toBe('title');
      col.forEach((l, i) => {
        if (l.kind === 'title') expect(col[i + 1]?.kind, l.text).toBe('row');
      });
      expect(col[0]?.kind).not.toBe('blank');
    }
  });

  it.each([
    [80, 50],
    [120, 40],
    [200, 60],
  ])('at %i×%i every key and every word of its description is shown', (columns, rows) => {
    const layout = forTerminal(columns, rows);
    expect(layout.complete).toBe(true);
    const text = layout.columns.flat().map((l) => l.text).join('\n');
    const shown = new Set(words(text));
    for (const s of sections) {
      for (const r of s.rows) {
        expect(text, r.keys).toContain(r.keys);
        for (const w of words(r.description)) expect(shown.has(w), `${w} of "${r.description}"`).toBe(true);
      }
    }
  });

  it('uses fewer columns when the terminal is taller, and says when a tiny one cannot show every key', () => {
    expect(forTerminal(200, 60).columns.length).toBeLessThan(forTerminal(200, 30).columns.length);
    const tiny = forTerminal(80, 12);
    expect(tiny.complete).toBe(false);
    expect(tiny.columns.flat().at(-1)?.text).toMatch(/more: enlarge the terminal/);
  });
});

/** Ink's frame on a stdout of this size (ink-testing-library's is fixed at 100 columns). */
function draw(node: ReactElement, columns: number, rows: number): string {
  const frames: string[] = [];
  const stdout = Object.assign(new EventEmitter(), {
    columns,
    rows,
    isTTY: true,
    write: (chunk: string) => frames.push(chunk) > 0,
  });
  const ink = render(node, { stdout: stdout as never, debug: true, patchConsole: false, exitOnCtrlC: false });
  ink.unmount();
  return frames.filter((f) => f.includes('╭')).at(-1) ?? '';
}

describe('help overlay as drawn', () => {
  const level = chalk.level;
  beforeAll(() => {
    chalk.level = 0;
  });
  afterAll(() => {
    chalk.level = level;
  });

  it.each([
    [80, 24],
    [80, 50],
    [120, 30],
    [120, 40],
    [200, 30],
  ])('at %i×%i no description runs into the next column', (columns, rows) => {
    const frame = draw(<HelpOverlay height={bodyHeight(rows)} columns={columns} />, columns, rows);
    expect(frame.split('\n').every((l) => l.length === columns), 'every line as wide as the terminal').toBe(true);
    expect(frame).not.toMatch(/clockwise[A-Za-z]/);
    let shown = 0;
    for (const s of sections) {
      for (const r of s.rows) {
        // Wherever a description is drawn whole, a space or the border follows it.
        for (let at = frame.indexOf(r.description); at >= 0; at = frame.indexOf(r.description, at + 1)) {
          if (at > 0 && frame[at - 1] !== ' ') continue; // inside a longer description
          shown++;
          expect(frame[at + r.description.length] ?? ' ', `after "${r.description}"`).toMatch(/[\s│]/);
        }
      }
    }
    expect(shown).toBeGreaterThan(20);
  });
});

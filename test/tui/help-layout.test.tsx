import { EventEmitter } from 'node:events';
import chalk from 'chalk';
import { render } from 'ink';
import type { ReactElement } from 'react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helpSections } from '../../src/tui/keymap.js';
import { bodyHeight } from '../../src/tui/layout.js';
import { KeypressProvider } from '../../src/tui/hooks/use-keypress.js';
import { HelpOverlay, HelpPage } from '../../src/tui/panels/HelpOverlay.js';
import { helpFooter, layoutHelp, type HelpLayout } from '../../src/tui/panels/help-layout.js';
import { FakeTtyStdin } from '../helpers/fake-tty.js';

const sections = helpSections();
const words = (s: string) => s.split(/\s+/).filter(Boolean);

/** The layout the overlay uses for a terminal of this size (inside its border and padding). */
const forTerminal = (columns: number, rows: number): HelpLayout => layoutHelp(sections, columns - 4, bodyHeight(rows) - 2);

/** Every size the tests lay out: small SSH terminals up to a large monitor. */
const SIZES: [number, number][] = [
  [40, 12],
  [60, 16],
  [80, 12],
  [80, 24],
  [80, 50],
  [120, 30],
  [120, 40],
  [200, 60],
  [200, 30],
];

describe('help overlay layout', () => {
  it.each(SIZES)('at %i×%i: columns fit with a gap, no line is wider than its column, no heading ends a column', (columns, rows) => {
    const layout = forTerminal(columns, rows);
    expect(layout.gap).toBeGreaterThanOrEqual(2);
    // A paged help keeps a line for its footer.
    expect(layout.height).toBe(bodyHeight(rows) - 2 - (layout.pages.length > 1 ? 1 : 0));
    for (const page of layout.pages) {
      const n = page.length;
      expect(n).toBeGreaterThan(0);
      expect(n * layout.width + (n - 1) * layout.gap).toBeLessThanOrEqual(columns - 4);
      for (const col of page) {
        expect(col.length).toBeLessThanOrEqual(layout.height);
        for (const line of col) expect(line.text.length, line.text).toBeLessThanOrEqual(layout.width);
        const content = col.filter((l) => l.kind !== 'blank');
        expect(content.at(-1)?.kind, `column ending ${JSON.stringify(content.at(-1)?.text)}`).not.toBe('title');
        col.forEach((l, i) => {
          if (l.kind === 'title') expect(col[i + 1]?.kind, l.text).toBe('row');
        });
        expect(col[0]?.kind).not.toBe('blank');
      }
    }
  });

  it.each(SIZES)('at %i×%i every key and every word of its description is shown across the pages', (columns, rows) => {
    const layout = forTerminal(columns, rows);
    const text = layout.pages.flat(2).map((l) => l.text).join('\n');
    const shown = new Set(words(text));
    for (const s of sections) {
      for (const r of s.rows) {
        for (const w of words(r.keys)) expect(shown.has(w), `key ${w} of "${r.keys}"`).toBe(true);
        for (const w of words(r.description)) expect(shown.has(w), `${w} of "${r.description}"`).toBe(true);
      }
    }
    expect(text).not.toContain('…');
  });

  it('the help lists its own paging keys and the filter words sharp>=N and blurred', () => {
    const help = sections.find((s) => s.title === 'Help')!;
    expect(help.rows.map((r) => r.keys)).toEqual(expect.arrayContaining([expect.stringContaining('PgDn'), expect.stringContaining('PgUp')]));
    const filter = sections.flatMap((s) => s.rows).find((r) => r.keys === '/')!;
    expect(filter.description).toMatch(/sharp>=N/);
    expect(filter.description).toMatch(/blurred/);
  });

  it('uses fewer columns when the terminal is taller; a large one on one page, a small one paged', () => {
    expect(forTerminal(200, 60).pages[0]!.length).toBeLessThan(forTerminal(200, 30).pages[0]!.length);
    for (const [c, r] of [
      [120, 40],
      [200, 60],
    ] as const)
      expect(forTerminal(c, r).pages, `${c}×${r}`).toHaveLength(1);
    for (const [c, r] of [
      [80, 24],
      [80, 50],
      [40, 12],
    ] as const)
      expect(forTerminal(c, r).pages.length, `${c}×${r}`).toBeGreaterThan(1);
    // Tiny: one column a page.
    expect(forTerminal(40, 12).pages.every((p) => p.length === 1)).toBe(true);
    // Every page but the last as full as the width allows: fewest pages.
    const small = forTerminal(80, 24);
    expect(small.pages.slice(0, -1).every((p) => p.length === 2)).toBe(true);
  });

  it('the footer says the page and the keys, in the longest form that fits', () => {
    expect(helpFooter(0, 3, 76)).toBe('page 1/3 · PgDn/Space: more · ?/Esc: close');
    expect(helpFooter(1, 3, 76)).toBe('page 2/3 · PgDn/Space: more · PgUp: back · ?/Esc: close');
    expect(helpFooter(2, 3, 76)).toBe('page 3/3 · PgUp: back · ?/Esc: close');
    for (let w = 1; w <= 80; w++) expect(helpFooter(0, 12, w).length).toBeLessThanOrEqual(w);
    expect(helpFooter(0, 12, 36)).toMatch(/^1\/12 · PgDn: more/);
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
    const frame = draw(<HelpPage height={bodyHeight(rows)} columns={columns} page={0} />, columns, rows);
    expect(frame.split('\n').every((l) => l.length === columns), 'every line as wide as the terminal').toBe(true);
    expect(frame).not.toMatch(/clockwise[A-Za-z]/);
    let shown = 0;
    for (const s of sections) {
      for (const r of s.rows) {
        // Part of a longer description too ("previous image" in the loupe's): not checkable by text.
        if (sections.some((o) => o.rows.some((x) => x !== r && x.description.includes(r.description)))) continue;
        // Wherever a description is drawn whole, a space or the border follows it.
        for (let at = frame.indexOf(r.description); at >= 0; at = frame.indexOf(r.description, at + 1)) {
          if (at > 0 && frame[at - 1] !== ' ') continue; // inside a longer description
          shown++;
          expect(frame[at + r.description.length] ?? ' ', `after "${r.description}"`).toMatch(/[\s│]/);
        }
      }
    }
    expect(shown).toBeGreaterThan(rows >= 40 ? 20 : 10);
    if (forTerminal(columns, rows).pages.length > 1) expect(frame).toMatch(/page 1\/\d+ · PgDn\/Space: more · \?\/Esc: close/);
    else expect(frame).not.toMatch(/page 1\//);
  });

  it('at 80×24 PgDn and Space show the next pages, PgUp and k go back, and the last page stays last', async () => {
    const [columns, rows] = [80, 24];
    const layout = forTerminal(columns, rows);
    const firstOf = (p: number) => layout.pages[p]![0]![0]!.text;
    const stdin = new FakeTtyStdin();
    const frames: string[] = [];
    const stdout = Object.assign(new EventEmitter(), { columns, rows, isTTY: true, write: (c: string) => frames.push(c) > 0 });
    const ink = render(
      <KeypressProvider>
        <HelpOverlay height={bodyHeight(rows)} columns={columns} />
      </KeypressProvider>,
      { stdout: stdout as never, stdin: stdin as never, debug: true, patchConsole: false, exitOnCtrlC: false },
    );
    const frameWith = async (text: string): Promise<string> => {
      for (let i = 0; i < 500; i++) {
        const f = frames.filter((x) => x.includes('╭')).at(-1) ?? '';
        if (f.includes(text)) return f;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`no frame with ${text}:\n${frames.at(-1)}`);
    };
    try {
      const n = layout.pages.length;
      expect(n).toBeGreaterThan(2);
      const one = await frameWith(`page 1/${n}`);
      expect(one).toContain(firstOf(0));
      stdin.write('\x1b[6~'); // PgDn
      const two = await frameWith(`page 2/${n}`);
      expect(two).toContain(firstOf(1));
      expect(two).not.toContain(firstOf(0));
      stdin.write(' ');
      expect(await frameWith(`page 3/${n}`)).toContain(firstOf(2));
      for (let i = 0; i < n + 2; i++) stdin.write('j');
      expect(await frameWith(`page ${n}/${n} · PgUp: back`)).toContain(firstOf(n - 1));
      stdin.write('\x1b[5~'); // PgUp
      await frameWith(`page ${n - 1}/${n}`);
      stdin.write('k');
      await frameWith(`page ${n - 2}/${n}`);
    } finally {
      ink.unmount();
    }
  });
});

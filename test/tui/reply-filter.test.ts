// Ink's own splitter, by path (its package exports hide it): the test must split as Ink does.
import { createInputParser } from '../../node_modules/ink/build/input-parser.js';
import { describe, expect, it } from 'vitest';
import { createReplyFilter, parseKeys } from '../../src/tui/parse-key.js';

/** What the keymap would see for raw terminal bytes, split into events as Ink 6.8 does. */
function keysFor(bytes: string, filter = createReplyFilter({ now: () => 0 })): string[] {
  const events = createInputParser().push(bytes);
  return events.flatMap((e) => {
    const kept = filter(e);
    return kept === null ? [] : parseKeys(kept).map((k) => (k.meta ? `meta+${k.name}` : k.name));
  });
}

describe('late terminal replies never become key presses', () => {
  it.each([
    ['kitty graphics query', '\x1b_Gi=31;OK\x1b\\'],
    ['XTVERSION', '\x1bP>|XTerm(379)\x1b\\'],
    ['XTVERSION ending in BEL', '\x1bP>|kitty(0.26.5)\x07'],
    ['DA1 (sixel)', '\x1b[?63;1;2;4;6;9;15;16;22;28c'],
    ['cell size', '\x1b[6;19;9t'],
    ['XTSMGRAPHICS', '\x1b[?1;0;256S'],
  ])('%s', (_name, reply) => {
    expect(keysFor(`j${reply}k`)).toEqual(['j', 'k']);
  });

  it('without the filter a kitty reply would have typed retry and two ratings', () => {
    const unfiltered = createInputParser()
      .push('\x1b_Gi=31;OK\x1b\\')
      .flatMap((e) => parseKeys(e).map((k) => k.name));
    expect(unfiltered).toEqual(expect.arrayContaining(['G', '3', '1']));
  });

  it('lets keys through again once a reply burst is over, so Alt+P cannot swallow typing', () => {
    let t = 0;
    const filter = createReplyFilter({ now: () => t });
    expect(filter('\x1bP')).toBeNull(); // Alt+P, or a DCS that never finishes
    t = 500;
    expect(filter('3')).toBe('3');
  });
});

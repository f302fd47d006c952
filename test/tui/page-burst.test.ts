import { describe, expect, it } from 'vitest';
import { BURST_HOLD_MS, BURST_WINDOW_MS, PageBurst } from '../../src/tui/pipeline/page-burst.js';

/**
 * A page turn is part of a burst when the event loop was idle, able to read a key, for less
 * than the window since the last one: not the wall time, which under load is mostly the app's
 * own handling of the last page (the keys typed meanwhile are read back to back after it).
 */
const page = (n: number) => Array.from({ length: 12 }, (_, i) => `p${n}-${i}`);
const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

describe('PageBurst', () => {
  it('holds a page turn read right after a long handling of the last one (busy, not idle)', () => {
    const holds: number[] = [];
    const burst = new PageBurst((ms) => holds.push(ms));
    burst.saw(page(1));
    expect(holds).toEqual([]);
    // The last page turn's frame took 2x the window to handle: the next key waited meanwhile.
    busy(2 * BURST_WINDOW_MS);
    burst.saw(page(2));
    expect(holds).toEqual([BURST_HOLD_MS]);
  });

  it('starts a page turn at once after the keys settled (idle past the window), and ignores cursor steps', async () => {
    const holds: number[] = [];
    const burst = new PageBurst((ms) => holds.push(ms));
    burst.saw(page(1));
    await new Promise((r) => setTimeout(r, BURST_WINDOW_MS + 50));
    burst.saw(page(2));
    expect(holds).toEqual([]);
    // The same page again (a repaint, a cursor step) is no page turn.
    burst.saw(page(2));
    burst.saw(page(3));
    expect(holds).toEqual([BURST_HOLD_MS]);
  });
});

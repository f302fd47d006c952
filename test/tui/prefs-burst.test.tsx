import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultPreferences, validatePreferences } from '../../src/config/preferences.js';
import type { Library } from '../../src/db/library.js';
import { PREF_ROWS } from '../../src/tui/state/prefs.js';
import { makeCollection, makeStore, removeDir, renderApp, type Harness } from './fixture.js';
import { makeBurstShoot } from './stack-fixture.js';

/*
 * The burst preferences (issue 13) in the preferences pane: shown, stepped within what the
 * config file's validation accepts, saved, and read back by validatePreferences.
 */

const row = (k: string) => PREF_ROWS.find((r) => r.key === k)!;

describe('burst rows (pure)', () => {
  const p = defaultPreferences();
  it('step the gap by half seconds onto the grid, the distance by bits, and stop at the limits the file accepts', () => {
    const gap = row('burstGapSeconds');
    expect(gap.show(p)).toBe('2 s');
    expect(gap.step!(p, 1).burstGapSeconds).toBe(2.5);
    expect(gap.step!({ ...p, burstGapSeconds: 1.3 }, 1).burstGapSeconds).toBe(1.5);
    expect(gap.step!({ ...p, burstGapSeconds: 1.3 }, -1).burstGapSeconds).toBe(1);
    expect(gap.step!({ ...p, burstGapSeconds: 60 }, 1).burstGapSeconds).toBe(60);
    expect(gap.step!({ ...p, burstGapSeconds: 0 }, -1).burstGapSeconds).toBe(0);
    const sim = row('burstSimilarity');
    expect(sim.show(p)).toBe('12 of 64');
    expect(sim.step!(p, -1).burstSimilarity).toBe(11);
    expect(sim.step!({ ...p, burstSimilarity: 64 }, 1).burstSimilarity).toBe(64);
    expect(sim.step!({ ...p, burstSimilarity: 0 }, -1).burstSimilarity).toBe(0);
    // Every value a step can reach is one the config file takes back.
    let q = { ...p, burstGapSeconds: 0 };
    for (let i = 0; i < 130; i++) {
      q = gap.step!(q, 1);
      expect(validatePreferences(q).problems).toEqual([]);
    }
    expect(q.burstGapSeconds).toBe(60);
  });
});

describe('burst rows in the pane', () => {
  let root: string;
  let library: Library;
  let h: Harness;
  let app: ReturnType<typeof renderApp>;

  beforeEach(async (ctx) => {
    const c = ctx.task.name.includes('stacks') ? await makeBurstShoot() : await makeCollection(3);
    root = c.root;
    library = c.library;
    h = await makeStore(library, root);
    app = renderApp(h.store, 120, 40);
    await app.waitForImages();
  });

  afterEach(async () => {
    app.unmount();
    await h.close();
    library.close();
    await removeDir(root);
  });

  const saved = (): Record<string, unknown> => {
    try {
      return JSON.parse(readFileSync(h.prefsFile, 'utf8')) as Record<string, unknown>;
    } catch {
      return {};
    }
  };

  it('shows both, and ← → change and save them', async () => {
    await app.press('p');
    await app.waitFor((f) => f.includes('burst: frames at most this apart') && f.includes('2 s'), 'the gap row');
    expect(app.lastFrame()).toMatch(/burst: hashes at most bits apart\s+12 of 64/);
    const gapRow = PREF_ROWS.findIndex((r) => r.key === 'burstGapSeconds');
    for (let i = 0; i < gapRow; i++) await app.press('j');
    await app.press('l');
    await app.waitFor(() => saved().burstGapSeconds === 2.5, 'the gap saved');
    expect(app.lastFrame()).toMatch(/burst: frames at most this apart\s+2\.5 s/);
    await app.press('j', 'h', 'h');
    await app.waitFor(() => saved().burstSimilarity === 10, 'the distance saved');
    expect(validatePreferences(saved()).prefs).toMatchObject({ burstGapSeconds: 2.5, burstSimilarity: 10 });
    expect(h.store.getSnapshot().prefs).toMatchObject({ burstGapSeconds: 2.5, burstSimilarity: 10 });
  });

  it('a new gap recomputes the stored stacks once the keys stop: at 0 s the burst (frames 1 s apart) is no stack', async () => {
    expect(library.hasStacks()).toBe(true);
    await app.press('p');
    await app.waitFor((f) => f.includes('burst: frames at most this apart'), 'the pane');
    const gapRow = PREF_ROWS.findIndex((r) => r.key === 'burstGapSeconds');
    for (let i = 0; i < gapRow; i++) await app.press('j');
    await app.press('h', 'h', 'h', 'h'); // 2 → 0 s
    await app.waitFor((f) => f.includes('stacks recomputed: 3 images changed stack'), 'the restack');
    expect(library.hasStacks()).toBe(false);
    expect(saved().burstGapSeconds).toBe(0);
    await app.press('l', 'l'); // 1 s: the frames join again
    await app.waitFor((f) => f.includes('stacks recomputed: 3 images changed stack') && library.hasStacks(), 'stacked again');
    expect(library.page({ sort: 'name' }, 0, 1)[0]!.stackSize).toBe(3);
  });
});

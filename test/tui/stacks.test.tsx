import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isBlurred } from '../../src/analysis/sharpness.js';
import type { Library } from '../../src/db/library.js';
import { makeCollection, makeStore, removeDir, renderApp, type Harness } from './fixture.js';
import { makeBurstShoot } from './stack-fixture.js';

/**
 * Burst stacks in the lighttable on a real library (stacked by the library from the files'
 * own capture times and pixels), real cache and half-blocks: one thumbnail per stack with a
 * count badge, e and ctrl+e to expand and collapse, x to compare a stack's frames, culling keys
 * on the focused frame, P to keep it and reject the others, u to undo that as one step.
 */
const KEY = { left: '\x1b[D', right: '\x1b[C', end: '\x1b[F', ctrlE: '\x05' };
const plain = (f: string) => f.replace(/\x1b\[[0-9;]*m/g, '');

let root: string;
let library: Library;
let h: Harness;
let app: ReturnType<typeof renderApp>;

const byName = (name: string) => library.page({ sort: 'name' }, 0, 100).find((r) => r.filename === name)!;
const snap = () => h.store.getSnapshot();
const shown = () => [...snap().records.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r.filename);
const current = () => snap().current?.filename;

beforeEach(async () => {
  ({ root, library } = await makeBurstShoot());
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

describe('stacks in the grid', () => {
  it('opens collapsed where there are stacks, and as it was where there are none', async () => {
    expect(snap().state.query.collapseStacks).toBe(true);
    const plainShoot = await makeCollection(3);
    const other = await makeStore(plainShoot.library, plainShoot.root);
    try {
      expect(other.store.state.query.collapseStacks).toBeUndefined();
    } finally {
      await other.close();
      plainShoot.library.close();
      await removeDir(plainShoot.root);
    }
  });

  it('a burst shows as one thumbnail, its sharpest frame, with a count badge; the status bar says so', async () => {
    expect(snap().state.total).toBe(3);
    expect(shown()).toEqual(['b2.jpg', 'c1.jpg', 'd1.jpg']);
    const [b1, b2, b3] = ['b1.jpg', 'b2.jpg', 'b3.jpg'].map(byName);
    expect(b2!.sharpness).toBeGreaterThan(Math.max(b1!.sharpness!, b3!.sharpness!));
    const frame = plain(app.lastFrame());
    expect(frame).toContain('▣3 b2.jpg');
    expect(frame).toContain(`sharpness ${b2!.sharpness!.toFixed(1)} · stack of 3, suggested pick`);
  });

  it('e expands the stack under the cursor in place and collapses it again; ctrl+e does every stack', async () => {
    await app.press('e');
    await app.waitFor(() => snap().state.total === 5, 'stack expanded');
    expect(shown()).toEqual(['b1.jpg', 'b2.jpg', 'b3.jpg', 'c1.jpg', 'd1.jpg']);
    expect(current()).toBe('b2.jpg'); // the cursor stays on its image
    await app.press(KEY.right); // onto b3, a frame that folds away
    await app.waitFor(() => current() === 'b3.jpg', 'on b3');
    await app.press('e');
    await app.waitFor(() => snap().state.total === 3, 'stack collapsed');
    expect(current()).toBe('b2.jpg'); // the cursor goes to the stack's pick

    await app.press(KEY.ctrlE);
    await app.waitFor(() => snap().state.total === 5, 'all expanded');
    expect(snap().state.query.collapseStacks).toBe(false);
    await app.press(KEY.ctrlE);
    await app.waitFor(() => snap().state.total === 3, 'all collapsed');
    await app.press(KEY.right, 'e');
    await app.waitFor((f) => plain(f).includes('not in a stack'), 'e off a stack says so');
  });
});

describe('a stack in the culling view', () => {
  it('x opens its frames side by side on the pick; keys act on the focused frame; P keeps it and rejects the others; u undoes that in one step', async () => {
    await app.press('x');
    await app.waitFor(() => snap().state.view === 'culling', 'culling view');
    const ids = ['b1.jpg', 'b2.jpg', 'b3.jpg'].map((n) => byName(n).id);
    expect(snap().state.culling.ids).toEqual(ids);
    expect(current()).toBe('b2.jpg');

    await app.press(KEY.left, '3');
    await app.waitFor(() => byName('b1.jpg').rating === 3, 'focused frame rated');
    expect(byName('b2.jpg').rating).toBe(0);
    // Auto-advance stays inside the stack: after its last frame it does not move on.
    await app.waitFor(() => current() === 'b2.jpg', 'focus moved on');
    await app.press(KEY.end, '1');
    await app.waitFor(() => byName('b3.jpg').rating === 1, 'last frame rated');
    expect(snap().state.culling.ids).toEqual(ids);
    expect(current()).toBe('b3.jpg');

    await app.press('P');
    await app.waitFor(() => byName('b1.jpg').rejected && byName('b2.jpg').rejected, 'the others rejected');
    expect(byName('b3.jpg').rejected).toBe(false);
    expect(byName('b1.jpg').rating).toBe(3); // a reject keeps the rating
    await app.waitFor((f) => plain(f).includes('kept b3.jpg, rejected the other 2'), 'said so');
    await app.waitFor((f) => (plain(f).match(/✗ rejected/g) ?? []).length >= 2, 'rejected marks drawn');

    await app.press('u');
    await app.waitFor(() => !byName('b1.jpg').rejected && !byName('b2.jpg').rejected, 'undone');
    expect(byName('b1.jpg').rating).toBe(3); // one step: the rating before it stays
    expect(byName('b3.jpg').rating).toBe(1);
    await app.press('u');
    await app.waitFor(() => byName('b3.jpg').rating === 0, 'the rating before is the next step');
    expect(byName('b1.jpg').rejected).toBe(false);
  });

  it('P in the grid keeps the stack under the cursor (its suggested pick) and rejects the others', async () => {
    await app.press('P');
    await app.waitFor(() => byName('b1.jpg').rejected && byName('b3.jpg').rejected, 'others rejected');
    expect(byName('b2.jpg').rejected).toBe(false);
    expect(byName('c1.jpg').rejected).toBe(false);
  });
});

describe('sharpness', () => {
  it('S shows sharpness badges on thumbnails; s sorts by sharpness; / takes sharp>=N and blurred', async () => {
    const score = (n: string) => byName(n).sharpness!;
    await app.press('S');
    await app.waitFor((f) => plain(f).includes(`◎${Math.round(score('b2.jpg'))} `), 'sharpness badge');
    expect(plain(app.lastFrame())).toContain(`◎${Math.round(score('c1.jpg'))} `);

    await app.press('s', 's', 's', 's'); // taken → name → rating → imported → sharpness
    await app.waitFor(() => snap().state.query.sort === 'sharpness', 'sharpness sort');
    const sharpestFirst = ['b2.jpg', 'c1.jpg', 'd1.jpg'].sort((a, b) => score(b) - score(a));
    await app.waitFor(() => shown().join() === sharpestFirst.join(), 'sharpest first');

    // A threshold between the two least sharp of those shown leaves the last one out.
    const n = Math.ceil((score(sharpestFirst[1]!) + score(sharpestFirst[2]!)) / 2);
    await app.press(KEY.ctrlE, '/');
    for (const c of `sharp>=${n}`) await app.press(c);
    await app.press('\r');
    await app.waitFor(() => shown().join() === sharpestFirst.slice(0, 2).join(), `filtered to sharp>=${n}`);
    expect(plain(app.lastFrame())).toContain(`sharp>=${n}`);

    await app.press('/', ...`sharp>=${n}`.split('').map(() => '\x7f')); // the prompt opens on the filter: erase it
    for (const c of 'blurred') await app.press(c);
    await app.press('\r');
    const blurred = library.page({ sort: 'sharpness' }, 0, 100).filter((r) => isBlurred(r.sharpness)).map((r) => r.filename);
    expect(blurred).toContain('b3.jpg');
    expect(blurred).not.toContain('b2.jpg');
    await app.waitFor(() => shown().join() === blurred.join(), 'only the blurred frames');
  });
});

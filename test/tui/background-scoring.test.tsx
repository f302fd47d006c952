import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Library } from '../../src/db/library.js';
import { BackgroundScoring } from '../../src/tui/background-scoring.js';
import { defaultPreferences } from '../../src/config/preferences.js';
import { makeStore, removeDir, renderApp, type Harness } from './fixture.js';
import { makeBurstShoot } from './stack-fixture.js';

/**
 * The lighttable's background scoring (issue 13) on a real library, cache, sharp and Ink: a
 * burst shoot whose images have no score yet (as after an import whose thumbnails were already
 * on disk) opens with no sharpness in the status bar and no stacks; the walk scores every
 * image through the real thumbnail decoder, the status bar then gives the score, the library
 * has found the burst, and the next query change folds it to one thumbnail. Wired as run.tsx
 * wires it (whenIdle: the store's idle, onScored: dataChanged).
 */
const plain = (f: string) => f.replace(/\x1b\[[0-9;]*m/g, '');

let root: string;
let library: Library;
let h: Harness;
let app: ReturnType<typeof renderApp>;
let scoring: BackgroundScoring;

beforeEach(async () => {
  ({ root, library } = await makeBurstShoot());
  // Forget what the fixture measured: no score, no hash, no stack.
  library.connection().prepare('UPDATE images SET sharpness = NULL, sharpness_global = NULL, sharpest_x = NULL, sharpest_y = NULL, dhash = NULL, stack_id = NULL').run();
  library.collectionChanged();
  h = await makeStore(library, root);
  await h.store.run('collection.sort'); // by name
  app = renderApp(h.store, 120, 40);
  await app.waitForImages();
  scoring = new BackgroundScoring(library, defaultPreferences());
});

afterEach(async () => {
  await scoring.close();
  app.unmount();
  await h.close();
  library.close();
  await removeDir(root);
});

const snap = () => h.store.getSnapshot();
const shown = () => [...snap().records.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r.filename);

describe('background scoring in the lighttable', () => {
  it('scores every unscored image while the grid is open; the status bar and the stacks follow', async () => {
    expect(library.hasStacks()).toBe(false);
    expect(snap().state.query.collapseStacks).toBeUndefined();
    expect(shown()).toEqual(['b1.jpg', 'b2.jpg', 'b3.jpg', 'c1.jpg', 'd1.jpg']);
    expect(plain(app.lastFrame())).not.toMatch(/sharpness \d/);

    let refreshes = 0;
    scoring.start({ whenIdle: () => h.store.idle(), onScored: () => (refreshes++, h.store.dataChanged()) });
    await scoring.walked();
    expect(scoring.errors).toEqual([]);
    expect(scoring.measured).toBe(5);
    // Rounds of at most four: two refreshes for five images.
    expect(refreshes).toBeGreaterThanOrEqual(2);
    const recs = library.page({ sort: 'name' }, 0, 10);
    expect(recs.every((r) => r.sharpness !== null && r.dhash !== null && r.sharpestAt !== null)).toBe(true);
    // The status bar of the image under the cursor (b1) gives its new score.
    const b1 = recs[0]!;
    await app.waitFor((f) => plain(f).includes(`sharpness ${b1.sharpness!.toFixed(1)}`) || plain(f).includes(`blurred (sharpness ${b1.sharpness!.toFixed(1)})`), 'the score in the status bar');

    // The burst was found from the new hashes, and its sharpest frame is the pick.
    expect(library.hasStacks()).toBe(true);
    const [rb1, rb2, rb3] = recs;
    expect(rb2!.sharpness).toBeGreaterThan(Math.max(rb1!.sharpness!, rb3!.sharpness!));
    expect(rb1!.stackSize).toBe(3);
    // Until the query changes the grid shows every frame (it opened uncollapsed); then one per burst.
    expect(shown()).toHaveLength(5);
    await h.store.run('collection.sort'); // name → imported
    await app.waitFor(() => snap().state.query.collapseStacks === true && snap().state.total === 3, 'the stack folded');
    await app.waitForImages();
    expect(plain(app.lastFrame())).toContain('▣3 b2.jpg');
  });

  it('stops at close without writing after it, and does nothing on a library with every image scored', async () => {
    scoring.start({ whenIdle: () => h.store.idle(), onScored: () => h.store.dataChanged() });
    await scoring.close();
    const scored = library.page({ sort: 'name' }, 0, 10).filter((r) => r.sharpness !== null).length;
    expect(scored).toBeLessThanOrEqual(4); // at most the round under way
    await new Promise((r) => setTimeout(r, 200));
    expect(library.page({ sort: 'name' }, 0, 10).filter((r) => r.sharpness !== null).length).toBe(scored);

    const again = new BackgroundScoring(library, defaultPreferences());
    const first = new BackgroundScoring(library, defaultPreferences());
    first.start({ whenIdle: () => h.store.idle(), onScored: () => undefined });
    await first.walked();
    await first.close();
    let calls = 0;
    again.start({ whenIdle: () => h.store.idle(), onScored: () => calls++ });
    await again.walked();
    await again.close();
    expect(again.measured).toBe(0);
    expect(calls).toBe(0);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Library } from '../../src/db/library.js';
import { makeCollection, makeStore, removeDir, renderApp } from './fixture.js';

/**
 * The full preview computes its neighbours' histograms ahead, with their pictures: the next
 * image's status line is whole in the first frame after the key, not a frame later.
 */
let col: { root: string; library: Library };
beforeAll(async () => {
  col = await makeCollection(6);
}, 120_000);
afterAll(async () => {
  col.library.close();
  await removeDir(col.root);
});

describe('histograms ahead', () => {
  it("Right in the preview publishes the next image with its histogram at once", async () => {
    const h = await makeStore(col.library, col.root, { columns: 120, rows: 40 });
    const app = renderApp(h.store, 120, 40);
    try {
      await h.store.run('collection.sort');
      await app.waitForImages();
      await h.store.run('grid.right');
      await h.store.run('view.preview');
      await app.waitForImages();
      await h.store.idle();
      // The histograms are counted off the UI thread: give them their turn.
      await new Promise((r) => setTimeout(r, 200));
      const before = h.store.getSnapshot().current!.id;
      await h.store.run('grid.right');
      const snap = h.store.getSnapshot();
      expect(snap.current!.id).not.toBe(before);
      expect(snap.exposure.histogram).not.toBeNull();
      expect(snap.exposure.histogram!.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    } finally {
      app.unmount();
      await h.close();
    }
  }, 120_000);
});

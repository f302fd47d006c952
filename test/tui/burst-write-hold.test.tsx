import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Library } from '../../src/db/library.js';
import { BURST_WINDOW_MS } from '../../src/tui/pipeline/page-burst.js';
import { makeCollection, makeStore, removeDir, renderApp } from './fixture.js';
import { typeKeys } from './typist.js';

/**
 * Five page downs in half a second write the pictures of at most one page that is not the
 * final one, even when every page passed is already encoded (the renderer's cache, as after
 * paging there and back): the burst's hold keeps pictures from the writer, not only from the
 * encoder. Real store, pipeline, half-block encoder, painter and writer; only stdout is fake.
 */
let col: { root: string; library: Library };
beforeAll(async () => {
  col = await makeCollection(60);
}, 120_000);
afterAll(async () => {
  col.library.close();
  await removeDir(col.root);
});

const PAGE_DOWN = '\x1b[6~';
/** Each half-block picture is written as one unit: cursor saved, its lines, cursor restored. */
const pictures = (bytes: string) => (bytes.match(/\x1b7\x1b\[\d+;\d+H/g) ?? []).length;

describe('a burst of page turns', () => {
  it('writes the final page, and at most one page passed, when every page is encoded already', async () => {
    const h = await makeStore(col.library, col.root, { columns: 80, rows: 24 });
    const app = renderApp(h.store, 80, 24);
    try {
      await h.store.run('collection.sort');
      await app.waitForImages();
      const perPage = h.store.getSnapshot().layout.slots.length;
      // Every page encoded once, then back to the first.
      for (let i = 0; i < 5; i++) {
        await h.store.run('grid.pageDown');
        await app.waitForImages();
      }
      await h.store.run('grid.start');
      await app.waitForImages();
      await app.painted();
      await new Promise((r) => setTimeout(r, 300));
      app.screenBytes();

      const { sent } = await typeKeys(Array<string>(5).fill(PAGE_DOWN), 40, (chunk) => void app.press(chunk));
      await app.waitForImages();
      await new Promise((r) => setTimeout(r, 400));
      await app.painted();
      const written = pictures(app.screenBytes());
      // Were the keys a burst? A typist itself starved past the window typed a slower sequence.
      const typed = `keys sent at ${sent.join(', ')} ms (a burst: under ${BURST_WINDOW_MS} ms apart)`;
      expect(h.store.getSnapshot().state.top, typed).toBeGreaterThanOrEqual(5 * perPage - perPage);
      // The final page in full, and no more than one page besides.
      expect(written, typed).toBeGreaterThanOrEqual(perPage);
      expect(written, typed).toBeLessThanOrEqual(2 * perPage);
    } finally {
      app.unmount();
      await h.close();
    }
  }, 120_000);
});

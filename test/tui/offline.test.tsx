import { rename } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { makeCollection, makeStore, removeDir, renderApp } from './fixture.js';

const plain = (f: string) => f.replace(/\x1b\[[0-9;]*m/g, '');

describe('a file that goes offline after its thumbnail was made', () => {
  let cleanup: () => Promise<void> = async () => {};
  afterAll(() => cleanup());

  it('keeps showing its thumbnail, its name marked offline, instead of a skull', async () => {
    const { root, photos, library } = await makeCollection(3);
    cleanup = () => removeDir(root);
    // First session: the thumbnails are made (disk backend on), then the share goes away.
    const first = await makeStore(library, root);
    const app1 = renderApp(first.store, 120, 40);
    await app1.waitForImages();
    app1.unmount();
    await first.close();
    await rename(photos, `${photos}-unplugged`);

    const second = await makeStore(library, root);
    const app2 = renderApp(second.store, 120, 40);
    try {
      await app2.waitForImages();
      // Names are cut to the cell: the mark stands before what is left of each.
      const marked = (f: string) => ['⚠img-000', '⚠img-001', '⚠img-002'].every((m) => plain(f).includes(m));
      const frame = plain(await app2.waitFor(marked, 'offline marks on all three'));
      // Skulls only for the two that never had a thumbnail: the file deleted right after import
      // and the corrupt one (whose cause is now "missing", since its folder is gone too).
      expect(frame.match(/missing file/g)).toHaveLength(2);
    } finally {
      app2.unmount();
      await second.close();
      library.close();
    }
  });
});

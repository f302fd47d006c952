import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeCollection, makeStore, removeDir, renderApp } from './fixture.js';

describe('standing problems reach the status line', () => {
  it('a damaged saved memory cache is said in the lighttable, not only by cache stats', async () => {
    const { root, library } = await makeCollection(3);
    await mkdir(path.join(root, 'cache'), { recursive: true });
    await writeFile(path.join(root, 'cache', 'mipmaps.cache'), Buffer.from('garbage that is not a termtable cache file at all'));
    const h = await makeStore(library, root);
    const app = renderApp(h.store, 120, 40);
    try {
      const frame = await app.waitFor((f) => /cache/i.test(f.split('\n').slice(-3).join('\n')) && h.store.getSnapshot().notices.length > 0, 'notice');
      expect(h.store.getSnapshot().notices[0]).toMatch(/cache/i);
      expect(frame).toContain(h.store.getSnapshot().notices[0]!.slice(0, 30));
      // And in the preferences pane, beside the cache statistics.
      await app.press('p');
      await app.waitFor((f) => f.includes('warning:'), 'warning in the pane');
    } finally {
      app.unmount();
      await h.close();
      library.close();
      await removeDir(root);
    }
  });
});

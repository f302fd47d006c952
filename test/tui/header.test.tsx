import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Library } from '../../src/db/library.js';
import { makeCollection, makeStore, removeDir, renderApp, type Harness } from './fixture.js';

/** The header counts the image the culling keys act on, not the grid cursor behind the view. */
let root: string;
let library: Library;
let h: Harness;
let app: ReturnType<typeof renderApp>;

const plain = (f: string) => f.replace(/\x1b\[[0-9;]*m/g, '');
const header = (f: string) => plain(f).split('\n').find((l) => l.includes('termtable ·')) ?? '';
const waitHeader = (text: string) => app.waitFor((f) => header(f).includes(text), `header with ${text}`);

beforeAll(async () => {
  ({ root, library } = await makeCollection(20));
  h = await makeStore(library, root);
  await h.store.run('collection.sort'); // by name: img-000 … img-019, zz-corrupt, zz-gone
  app = renderApp(h.store, 120, 40);
  await app.waitForImages();
});
afterAll(async () => {
  app.unmount();
  await h.close();
  library.close();
  await removeDir(root);
});

describe('culling header', () => {
  it('says which image has the culling cursor', async () => {
    for (let i = 0; i < 18; i++) await app.press('l');
    await waitHeader('19/22');
    await app.press('x'); // image 19 and the next, focus on 19
    await waitHeader('· culling');
    await waitHeader('19/22');
    await app.press('l'); // focus on the second: image 20
    await waitHeader('20/22');
    await app.press('h');
    await waitHeader('19/22');
    await app.press('l', 'x'); // back to the grid on the image that had the cursor
    await waitHeader('· grid');
    expect(header(app.lastFrame())).toContain('20/22');
  });

  it('with a selection, counts the focused image in the collection, whatever order it was picked in', async () => {
    await app.press('\x1b[H'); // Home: image 1
    await waitHeader('1/22');
    for (let i = 0; i < 4; i++) await app.press('l');
    await app.press(' '); // select image 5
    await app.press('h', 'h', ' '); // and image 3; the cursor stays on 3
    await waitHeader('2 selected');
    await app.press('x');
    await waitHeader('· culling');
    const first = header(app.lastFrame()).match(/(\d+)\/22/)![1];
    expect(['3', '5']).toContain(first);
    await app.press('l');
    await waitHeader(`${first === '3' ? 5 : 3}/22`);
    await app.press('x', 'u');
  });
});

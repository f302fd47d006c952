import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Library } from '../../src/db/library.js';
import { makeCollection, makeStore, removeDir, renderApp, type Harness } from './fixture.js';

/**
 * A photographer's culling loop on a real library, cache and sidecars: auto-advance (filter
 * aware), culling keys on the focused image only, undo and redo, confirmations that default to No.
 */
const KEY = { right: '\x1b[C', end: '\x1b[F', enter: '\r', esc: '\x1b', del: '\x1b[3~', ctrlR: '\x12' };

let root: string;
let library: Library;
let h: Harness;
let app: ReturnType<typeof renderApp>;

const names = () => library.page({ sort: 'name' }, 0, 100);
const byName = (name: string) => names().find((r) => r.filename === name)!;
const current = () => h.store.getSnapshot().current?.filename;
const waitCurrent = (name: string) => app.waitFor(() => current() === name, `current image ${name}`);

beforeEach(async () => {
  ({ root, library } = await makeCollection(6));
  h = await makeStore(library, root);
  await h.store.run('collection.sort'); // by name: img-000 … img-005, zz-corrupt, zz-gone
  app = renderApp(h.store, 120, 40);
  await app.waitForImages();
});

afterEach(async () => {
  app.unmount();
  await h.close();
  library.close();
  await removeDir(root);
});

describe('auto-advance', () => {
  it('in the grid a rating leaves the cursor where it is; in the full preview it moves to the next image, and stays on the last', async () => {
    await app.press('3');
    await app.waitFor(() => byName('img-000.jpg').rating === 3, 'rated');
    expect(current()).toBe('img-000.jpg');

    await app.press('w');
    await app.press('4');
    await waitCurrent('img-001.jpg');
    expect(byName('img-000.jpg').rating).toBe(4);
    await app.press('r');
    await waitCurrent('img-002.jpg');
    expect(byName('img-001.jpg').rejected).toBe(true);

    await app.press(KEY.end);
    await waitCurrent('zz-gone.jpg');
    await app.press('2');
    await app.waitFor(() => byName('zz-gone.jpg').rating === 2, 'last rated');
    expect(current()).toBe('zz-gone.jpg');
  });

  it('filter-aware: rejecting inside "-rejected" shows the next image of the collection, never the first', async () => {
    await app.press('/');
    for (const c of '-rejected') await app.press(c);
    await app.press(KEY.enter);
    await app.press(KEY.right, KEY.right, 'w');
    await waitCurrent('img-002.jpg');
    await app.press('r');
    await waitCurrent('img-003.jpg');
    expect(byName('img-002.jpg').rejected).toBe(true);
    expect(h.store.getSnapshot().state.total).toBe(7);
    await app.press('r');
    await waitCurrent('img-004.jpg');
  });

  it('culling view: keys act on the focused image only, then the focus moves on; after the pair, the next pair', async () => {
    await app.press(' ', KEY.right, ' '); // a selection of two does not widen what keys act on
    await app.press('x');
    await app.waitFor(() => h.store.getSnapshot().state.view === 'culling', 'culling view');
    await app.press('5');
    await app.waitFor(() => byName('img-000.jpg').rating === 5, 'focused rated');
    expect(byName('img-001.jpg').rating).toBe(0);
    await app.waitFor(() => h.store.getSnapshot().state.culling.focus === 1, 'focus on the second');
    await app.press('1');
    await app.waitFor(() => byName('img-001.jpg').rating === 1, 'second rated');
    // A selection defines the set: it stays.
    expect(h.store.getSnapshot().state.culling.ids).toHaveLength(2);

    await h.store.settled();
    await h.store.run('view.back');
    await h.store.run('selection.clear');
    await h.store.run('grid.start');
    await app.press('x');
    await app.waitFor(() => h.store.getSnapshot().state.view === 'culling', 'culling view again');
    await app.press('2', '2');
    // Without a selection the set is "this image and the next": after its last, the next pair.
    await app.waitFor(() => byName('img-000.jpg').rating === 2 && byName('img-001.jpg').rating === 2, 'pair rated');
    await app.waitFor(() => h.store.getSnapshot().cullingRecords.has(byName('img-002.jpg').id), 'next pair');
  });
});

describe('undo and redo', () => {
  it('u undoes a rating in the library and the sidecar, Ctrl-R redoes it, and the status bar says what', async () => {
    await app.press('4');
    const file = `${byName('img-000.jpg').path}.xmp`;
    await app.waitFor(() => byName('img-000.jpg').rating === 4, 'rated');
    await app.press('u');
    await app.waitFor(() => byName('img-000.jpg').rating === 0, 'undone');
    await app.waitFor((f) => f.includes('undid'), 'says so');
    // Back as it was: no sidecar had been written before the change.
    expect(existsSync(file) ? readFileSync(file, 'utf8') : '').not.toMatch(/Rating="4"|<xmp:Rating>4</);
    await app.press(KEY.ctrlR);
    await app.waitFor(() => byName('img-000.jpg').rating === 4, 'redone');
    await app.waitFor((f) => f.includes('redid'), 'says so');
    expect(readFileSync(file, 'utf8')).toMatch(/Rating="4"|<xmp:Rating>4</);
  });

  it('Delete asks; Enter keeps the image (the default is No); y removes; u brings it back', async () => {
    const before = h.store.getSnapshot().state.total;
    await app.press(KEY.del);
    await app.waitFor((f) => f.includes('[y/t/N]'), 'question');
    await app.press(KEY.enter);
    await app.waitFor((f) => !f.includes('[y/t/N]'), 'closed');
    expect(h.store.getSnapshot().state.total).toBe(before);
    await app.press(KEY.del);
    await app.waitFor((f) => f.includes('[y/t/N]'), 'question again');
    await app.press('y');
    await app.waitFor(() => h.store.getSnapshot().state.total === before - 1, 'removed');
    await app.press('u');
    await app.waitFor(() => h.store.getSnapshot().state.total === before, 'restored');
    expect(byName('img-000.jpg')).toBeDefined();
  });
});

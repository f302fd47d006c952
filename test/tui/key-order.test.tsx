import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Library } from '../../src/db/library.js';
import { KeyOrder } from '../../src/tui/key-order.js';
import { makeCollection, makeStore, removeDir, renderApp, type Harness } from './fixture.js';

/**
 * Keys act in the order typed while a culling key's write waits (src/tui/key-order.ts). The
 * write queue is held shut by a job of the test's own: what a busy disk's fsync or a sidecar
 * read again ahead of the key does to the real queue.
 */
const KEY = { right: '\x1b[C', ctrlC: '\x03' };

describe('KeyOrder', () => {
  it('a key after a write waits for it; keys after it wait in turn, and for the writes they start', async () => {
    const order = new KeyOrder();
    const log: string[] = [];
    let release!: () => void;
    order.hold(new Promise<void>((r) => (release = r)).then(() => void log.push('write 1')));
    expect(order.waiting).toBe(true);
    let release2!: () => void;
    order.after(() => {
      log.push('key 2');
      return new Promise<void>((r) => (release2 = r)).then(() => void log.push('write 2'));
    });
    order.after(() => void log.push('key 3'));
    await new Promise((r) => setTimeout(r, 20));
    expect(log).toEqual([]);
    release();
    await new Promise((r) => setTimeout(r, 20));
    expect(log).toEqual(['write 1', 'key 2']);
    release2();
    await order.settled();
    expect(log).toEqual(['write 1', 'key 2', 'write 2', 'key 3']);
    expect(order.waiting).toBe(false);
  });

  it('a failing write or key does not stop the keys after it', async () => {
    const order = new KeyOrder();
    const log: string[] = [];
    order.hold(Promise.reject(new Error('disk full')));
    order.after(() => {
      throw new Error('bad key');
    });
    order.after(() => void log.push('next'));
    await order.settled();
    expect(log).toEqual(['next']);
    expect(order.waiting).toBe(false);
  });
});

let root: string;
let library: Library;
let h: Harness;
let app: ReturnType<typeof renderApp>;
let quits = 0;
const byName = (name: string) => library.page({ sort: 'name' }, 0, 100).find((r) => r.filename === name)!;
const current = () => h.store.getSnapshot().current?.filename;
let gates: (() => void)[] = [];
/** Shuts the write queue until the returned function is called (afterEach opens it if a test failed first). */
const busyDisk = (): (() => void) => {
  let open!: () => void;
  void h.store.enqueueWrite(() => new Promise<void>((r) => (open = r)));
  gates.push(() => open?.());
  return () => open();
};

beforeEach(async () => {
  ({ root, library } = await makeCollection(6));
  h = await makeStore(library, root, { onQuit: () => quits++ });
  await h.store.run('collection.sort'); // by name: img-000 … img-005, zz-corrupt, zz-gone
  app = renderApp(h.store, 120, 40);
  await app.waitForImages();
});

afterEach(async () => {
  for (const g of gates) g();
  gates = [];
  app.unmount();
  await h.close();
  library.close();
  await removeDir(root);
});

describe('keys in the order typed while a write waits (real library, sidecars, app)', () => {
  it('grid: "2 →" rates the image the cursor was on, then moves; the move waits for the rating', async () => {
    const open = busyDisk();
    await app.press('2', KEY.right);
    await new Promise((r) => setTimeout(r, 100));
    expect(current(), 'the move waits behind the rating').toBe('img-000.jpg');
    open();
    await app.waitFor(() => byName('img-000.jpg').rating === 2, 'img-000 rated');
    await app.waitFor(() => current() === 'img-001.jpg', 'then the cursor moved');
    await h.store.settled();
    expect(byName('img-001.jpg').rating, 'the image moved to is not rated').toBe(0);
  });

  it('preview: "3 3 →" rates two images, advancing after each, then moves on', async () => {
    await app.press('w');
    await app.waitFor((f) => f.includes('· preview'), 'preview');
    const open = busyDisk();
    await app.press('3', '3', KEY.right);
    open();
    await app.waitFor(() => current() === 'img-003.jpg', 'two advances and a move');
    await h.store.settled();
    expect([byName('img-000.jpg').rating, byName('img-001.jpg').rating, byName('img-002.jpg').rating]).toEqual([3, 3, 0]);
  });

  it('a prompt opened by a waiting key gets the text typed after it', async () => {
    const open = busyDisk();
    await app.press('5', '/');
    for (const c of 'img-00') await app.press(c);
    await app.press('\r');
    open();
    await app.waitFor((f) => f.includes('filter: img-00'), 'filter applied');
    await h.store.settled();
    expect(byName('img-000.jpg').rating).toBe(5);
    expect(byName('img-001.jpg').rating).toBe(0);
  });

  it('q and Ctrl-C never wait for a write', async () => {
    const open = busyDisk();
    await app.press('2', 'q');
    await app.waitFor(() => quits === 1, 'q quits at once');
    await app.press(KEY.ctrlC);
    await app.waitFor(() => quits === 2, 'Ctrl-C quits at once');
    expect(byName('img-000.jpg').rating, 'the rating still waits').toBe(0);
    open();
    await app.waitFor(() => byName('img-000.jpg').rating === 2, 'then lands');
  });
});

import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Library } from '../../src/db/library.js';
import { makeCollection, makeStore, removeDir, renderApp, type Harness } from './fixture.js';

/** A copy from the lighttable runs beside it: keys move and rate while the export is in flight. */
let root: string;
let library: Library;
let h: Harness;
let app: ReturnType<typeof renderApp>;
let release: () => void = () => undefined;

beforeEach(async () => {
  ({ root, library } = await makeCollection(4));
  h = await makeStore(library, root);
  await h.store.run('collection.sort');
  app = renderApp(h.store, 120, 40);
  await app.waitForImages();
});
afterEach(async () => {
  release(); // never leave the store's close waiting on the gate
  app.unmount();
  await h.close();
  library.close();
  await removeDir(root);
});

const step = (what: string, pred: () => boolean) =>
  app.waitFor(pred, what, 15_000).catch((err: unknown) => {
    throw new Error(`${what}: ${String(err).split('\n')[0]} · message: ${h.store.getSnapshot().state.message} · overlay: ${JSON.stringify(h.store.getSnapshot().state.overlay)}`);
  });

it('keys move the cursor and rate while a copy is in flight; the copy finishes after', async () => {
  // The real export, held at its start until the test lets it go: what happens meanwhile is what
  // happens while a long copy runs.
  const files = h.store.services.files!;
  const gate = new Promise<void>((r) => (release = r));
  let started = false;
  const real = files.exportImages.bind(files);
  files.exportImages = async (ids, o) => {
    started = true;
    await gate;
    return real(ids, o);
  };
  const byName = (n: string) => library.page({ sort: 'name' }, 0, 100).find((r) => r.filename === n);
  await h.store.run('selection.toggle');
  await h.store.run('image.export');
  await step('prompt', () => h.store.getSnapshot().state.overlay?.kind === 'prompt');
  const dest = path.join(root, 'held');
  await h.store.run('prompt.clear');
  h.store.typeText(dest);
  await h.store.run('prompt.submit');
  await step('export started', () => started);
  await app.press('\x1b[C');
  await step('cursor moved', () => h.store.getSnapshot().current?.filename === 'img-001.jpg');
  await app.press('5'); // acts on the selection, img-000
  await step('rated', () => byName('img-000.jpg')?.rating === 5);
  expect(existsSync(dest)).toBe(false);
  release();
  await step('copied', () => (h.store.getSnapshot().state.message ?? '').startsWith('copied 1 file'));
  expect(readdirSync(dest)).toContain('img-000.jpg');
});

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Library } from '../../src/db/library.js';
import { parseTrashInfo } from '../../src/files/trash.js';
import { makeCollection, makeStore, removeDir, renderApp, type Harness } from './fixture.js';

/**
 * E (export) and Delete (remove or trash) in the lighttable, on a real library, cache, sidecars
 * and files: the same src/files code as `termtable export` and `trash-rejects`.
 */
const KEY = { right: '\x1b[C', enter: '\r', esc: '\x1b', del: '\x1b[3~', tab: '\t', ctrlU: '\x15' };

let root: string;
let photos: string;
let library: Library;
let h: Harness;
let app: ReturnType<typeof renderApp>;
const savedXdg = process.env.XDG_DATA_HOME;

const byName = (name: string) => library.page({ sort: 'name' }, 0, 100).find((r) => r.filename === name);
const message = () => h.store.getSnapshot().state.message ?? '';
const overlay = () => h.store.getSnapshot().state.overlay;
const promptText = () => {
  const o = overlay();
  return o?.kind === 'prompt' ? o.text : undefined;
};

async function typeDest(dest: string) {
  await app.press(KEY.ctrlU);
  await app.waitFor(() => promptText() === '', 'prompt cleared');
  for (const c of dest) await app.press(c);
  await app.waitFor(() => promptText() === dest, 'destination typed');
}

beforeEach(async () => {
  ({ root, photos, library } = await makeCollection(4));
  // The trash goes to a temporary XDG_DATA_HOME (same file system as the photos: a rename).
  process.env.XDG_DATA_HOME = path.join(root, 'xdg');
  h = await makeStore(library, root);
  await h.store.run('collection.sort'); // by name: img-000 … img-003, zz-corrupt, zz-gone
  app = renderApp(h.store, 120, 40);
  await app.waitForImages();
});

afterEach(async () => {
  app.unmount();
  await h.close();
  library.close();
  if (savedXdg === undefined) delete process.env.XDG_DATA_HOME;
  else process.env.XDG_DATA_HOME = savedXdg;
  await removeDir(root);
});

describe('E exports', () => {
  it('the selection, with its sidecar and the other file of its pair; the next E offers the last destination', async () => {
    await app.press('4'); // img-000 rated: its sidecar is written
    await app.waitFor(() => existsSync(path.join(photos, 'img-000.jpg.xmp')), 'sidecar');
    writeFileSync(path.join(photos, 'img-000.dng'), 'raw of the pair'); // the pair's raw, same base name
    await app.press(' ', KEY.right, ' ');
    await app.press('E');
    await app.waitFor((f) => f.includes('copy 2 images'), 'the prompt says what it does');
    expect(promptText()).toMatch(/^~.*termtable-export$/); // never exported: the default, with ~
    const dest = path.join(root, 'out');
    await typeDest(dest);
    await app.press(KEY.enter);
    await app.waitFor(() => message().startsWith('copied'), 'done');
    expect(message()).toContain('copied 4 files');
    expect(readdirSync(dest).sort()).toEqual(['img-000.dng', 'img-000.jpg', 'img-000.jpg.xmp', 'img-001.jpg']);
    expect(readFileSync(path.join(dest, 'img-000.jpg.xmp'), 'utf8')).toMatch(/Rating="4"|<xmp:Rating>4</);
    // A copy: the library still points at the originals.
    expect(byName('img-000.jpg')?.path).toBe(path.join(photos, 'img-000.jpg'));

    await app.press('E');
    await app.waitFor(() => promptText() === dest, 'the last destination offered');
    await app.press(KEY.esc);
    await app.waitFor(() => overlay() === null, 'cancelled');
  });

  it('nothing selected: the images shown; one missing file is reported and the rest are copied', async () => {
    await app.press('E');
    await app.waitFor((f) => f.includes('copy 6 images'), 'all six shown');
    const dest = path.join(root, 'all');
    await typeDest(dest);
    await app.press(KEY.enter);
    await app.waitFor(() => /copied \d+ files/.test(message()), 'done');
    expect(message()).toMatch(/^could not export 1 item: zz-gone\.jpg: no such file/);
    expect(readdirSync(dest).sort()).toEqual(['img-000.jpg', 'img-001.jpg', 'img-002.jpg', 'img-003.jpg', 'zz-corrupt.jpg']);
  });

  it('Tab makes it a move: the library follows the files; a destination that is a file keeps the prompt open', async () => {
    await app.press(' ');
    await app.press('E');
    await app.waitFor((f) => f.includes('copy 1 image'), 'prompt');
    await app.press(KEY.tab);
    await app.waitFor((f) => f.includes('MOVE 1 image'), 'move');
    const file = path.join(root, 'a-file');
    writeFileSync(file, 'x');
    await typeDest(file);
    await app.press(KEY.enter);
    await app.waitFor((f) => f.includes('cannot export there'), 'says why');
    expect(promptText()).toBe(file);
    const dest = path.join(root, 'moved');
    await typeDest(dest);
    await app.press(KEY.enter);
    await app.waitFor(() => message().startsWith('moved'), 'moved');
    expect(readdirSync(dest)).toEqual(['img-000.jpg']);
    expect(existsSync(path.join(photos, 'img-000.jpg'))).toBe(false);
    expect(library.getByPath(path.join(dest, 'img-000.jpg'))).toBeDefined();
  });

  it('rejected images are left out, and the prompt says so', async () => {
    await app.press('r');
    await app.waitFor(() => byName('img-000.jpg')?.rejected === true, 'rejected');
    await app.press('E');
    await app.waitFor((f) => f.includes('copy 5 images') && f.includes('1 rejected left out'), 'prompt');
  });
});

describe('Delete', () => {
  it('asks with No as the default: Enter keeps the image and its files', async () => {
    const before = h.store.getSnapshot().state.total;
    await app.press(KEY.del);
    await app.waitFor((f) => f.includes('[y/t/N]') && f.includes('move to the trash'), 'question');
    expect(overlay()).toMatchObject({ kind: 'confirm' });
    await app.press(KEY.enter);
    await app.waitFor(() => overlay() === null, 'closed');
    await h.store.settled();
    expect(h.store.getSnapshot().state.total).toBe(before);
    expect(existsSync(path.join(photos, 'img-000.jpg'))).toBe(true);
  });

  it('t moves the image, its sidecar and its pair to the freedesktop Trash with .trashinfo files, and removes it', async () => {
    await app.press('3');
    await app.waitFor(() => existsSync(path.join(photos, 'img-000.jpg.xmp')), 'sidecar');
    writeFileSync(path.join(photos, 'img-000.dng'), 'raw of the pair');
    const before = h.store.getSnapshot().state.total;
    await app.press(KEY.del);
    await app.waitFor((f) => f.includes('3 files with pairs and sidecars'), 'counts the files');
    await app.press('t');
    await app.waitFor(() => message().startsWith('moved 3 files'), 'trashed');
    expect(message()).toContain('u cannot undo this');
    expect(h.store.getSnapshot().state.total).toBe(before - 1);
    expect(byName('img-000.jpg')).toBeUndefined();
    const trash = path.join(root, 'xdg', 'Trash');
    expect(readdirSync(path.join(trash, 'files')).sort()).toEqual(['img-000.dng', 'img-000.jpg', 'img-000.jpg.xmp']);
    for (const name of ['img-000.dng', 'img-000.jpg', 'img-000.jpg.xmp']) {
      const info = parseTrashInfo(readFileSync(path.join(trash, 'info', `${name}.trashinfo`), 'utf8'));
      expect(info.path).toBe(path.join(photos, name));
    }
    expect(readdirSync(photos).filter((n) => n.startsWith('img-000'))).toEqual([]);
    // u does not bring a trashed image back (nor pretend to): the files stay in the trash.
    await app.press('u');
    await app.waitFor(() => !message().startsWith('moved 3 files'), 'u answered');
    expect(message()).toMatch(/not restored: img-000\.jpg: no longer in the library/);
    expect(h.store.getSnapshot().state.total).toBe(before - 1);
  });
});

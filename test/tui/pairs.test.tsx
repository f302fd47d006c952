import { copyFile, mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { importFolders } from '../../src/db/import.js';
import { Library } from '../../src/db/library.js';
import { corpus } from '../helpers/corpus.js';
import { makeStore, removeDir, renderApp } from './fixture.js';

const plain = (f: string) => f.replace(/\x1b\[[0-9;]*m/g, '');

describe('RAW+JPEG pairs in the lighttable', () => {
  it('a real raw file and its JPEG are one thumbnail with a RAW+JPG badge; the status bar names both; a rating reaches both files', async () => {
    const raw = corpus('raw/canon-eos-r6-pruned.cr3');
    const root = await mkdtemp(path.join(os.tmpdir(), 'termtable-pairs-'));
    const shoot = path.join(root, 'shoot');
    await mkdir(shoot, { recursive: true });
    await copyFile(raw, path.join(shoot, 'IMG_0001.CR3'));
    await sharp({ create: { width: 600, height: 400, channels: 3, background: '#c33' } }).jpeg().toFile(path.join(shoot, 'IMG_0001.JPG'));
    await sharp({ create: { width: 600, height: 400, channels: 3, background: '#3c3' } }).jpeg().toFile(path.join(shoot, 'IMG_0002.JPG'));
    const library = Library.open(path.join(root, 'data', 'library.db'));
    await importFolders(library, [shoot]);
    const h = await makeStore(library, root);
    await h.store.run('collection.sort');
    const app = renderApp(h.store, 120, 40);
    try {
      await app.waitForImages();
      expect(h.store.getSnapshot().state.total).toBe(2);
      const frame = plain(await app.waitFor((f) => plain(f).includes('RAW+JPG'), 'badge'));
      expect(frame).toContain('IMG_0001.JPG + IMG_0001.CR3');
      await app.press('3');
      const files = () => library.page({ sort: 'name', groupPairs: false }, 0, 10);
      await app.waitFor(() => files().filter((r) => r.rating === 3).length === 2, 'both files rated');
      expect(files().find((r) => r.filename === 'IMG_0002.JPG')!.rating).toBe(0);
    } finally {
      app.unmount();
      await h.close();
      library.close();
      await removeDir(root);
    }
  });
});

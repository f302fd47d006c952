import { copyFile, mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { importFolders } from '../../src/db/import.js';
import { Library } from '../../src/db/library.js';
import { corpus } from '../helpers/corpus.js';
import { makeStore, removeDir, renderApp, type Harness } from './fixture.js';

/**
 * A RAW+JPEG pair made from a real raw of the corpus (a Nikon D7100 NEF, whose embedded JPEG
 * is full size) and a small camera JPEG of the same base name: one item in the lighttable,
 * led by the JPEG, and the loupe zooms into the larger source, the raw's 6000×4000.
 */
let root: string | undefined;
let library: Library | undefined;
let h: Harness | undefined;
let app: ReturnType<typeof renderApp> | undefined;

afterEach(async () => {
  app?.unmount();
  await h?.close();
  library?.close();
  if (root) await removeDir(root);
  root = library = h = app = undefined;
});

describe('loupe on a RAW+JPEG pair', () => {
  it('uses the larger of the two sources: the raw’s full-size embedded JPEG over a 1500×1000 camera JPEG', async () => {
    const nef = corpus('raw/nikon-d7100-truncated.nef');
    root = await mkdtemp(path.join(os.tmpdir(), 'termtable-loupe-pair-'));
    const photos = path.join(root, 'photos');
    await mkdir(photos, { recursive: true });
    await copyFile(nef, path.join(photos, 'DSC_0001.NEF'));
    await sharp({ create: { width: 1500, height: 1000, channels: 3, background: '#468' } }).jpeg().toFile(path.join(photos, 'DSC_0001.JPG'));
    library = Library.open(path.join(root, 'data', 'library.db'));
    await importFolders(library, [photos]);
    h = await makeStore(library, root, { protocol: 'kitty' });
    app = renderApp(h.store, 120, 40);
    await app.waitForImages();
    expect(h.store.getSnapshot().state.total).toBe(1); // one item
    expect(h.store.getSnapshot().current?.filename).toBe('DSC_0001.JPG');
    await app.press('w');
    await app.waitForImages();
    await app.press('z');
    const store = h.store;
    await app.waitFor(() => store.loupe.requested.length > 0, 'a crop');
    expect(store.loupe.requested.at(-1)!.image).toEqual({ width: 6000, height: 4000 });
    await app.waitFor((f) => f.includes('100 % · centre · embedded JPEG 6000×4000'), 'the source in the status bar');
  }, 120_000);
});

import { mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importFolders } from '../../src/db/import.js';
import { Library } from '../../src/db/library.js';
import { slotKey } from '../../src/tui/store.js';
import { makeStore, removeDir, renderApp, type Harness } from './fixture.js';

/**
 * The exposure aids on a real library, cache and half-block renderer: `o` bakes the clipping
 * overlay into the preview's picture (and toggling back finds the plain encoding again), and
 * the status line carries the image's luminance histogram.
 */
let root: string;
let library: Library;
let h: Harness;
let app: ReturnType<typeof renderApp>;

/** Three bands: pure black, mid grey, pure white (clipped both ways). */
async function bandedPhoto(file: string): Promise<void> {
  const w = 600;
  const hgt = 300;
  const px = Buffer.alloc(w * hgt * 3);
  for (let y = 0; y < hgt; y++) for (let x = 0; x < w; x++) px.fill(x < 200 ? 0 : x < 400 ? 128 : 255, (y * w + x) * 3, (y * w + x) * 3 + 3);
  await sharp(px, { raw: { width: w, height: hgt, channels: 3 } }).jpeg({ quality: 95 }).toFile(file);
}

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'termtable-exposure-'));
  const photos = path.join(root, 'photos');
  await mkdir(photos, { recursive: true });
  await bandedPhoto(path.join(photos, 'bands.jpg'));
  library = Library.open(path.join(root, 'data', 'library.db'));
  await importFolders(library, [photos]);
  h = await makeStore(library, root);
  app = renderApp(h.store, 120, 40);
  await app.waitForImages();
});

afterEach(async () => {
  app.unmount();
  await h.close();
  library.close();
  await removeDir(root);
});

const mainView = () => {
  const snap = h.store.getSnapshot();
  const main = snap.layout.slots.find((s) => s.role === 'main')!;
  const view = snap.thumbs.get(slotKey(snap.current!.id, main));
  return view?.status === 'ready' && !view.standIn ? view.image : undefined;
};
/** Pictures held by the renderer's cache, as the preferences pane reports them. */
const encodedPictures = () => Number(/encoded pictures: (\d+)/.exec(h.store.services.cache.describeStats().join(' '))?.[1]);
const RED_CELL = /[34]8;2;255;0;0m/;
const BLUE_CELL = /[34]8;2;0;0;255m/;

describe('clipping overlay', () => {
  it('o paints clipped highlights red and shadows blue into the preview picture; o again shows the cached plain one', async () => {
    await app.press('w');
    await app.waitFor(() => mainView() !== undefined, 'preview picture');
    const plain = mainView()!;
    const plainText = plain.lines!.join('\n');
    expect(plainText).not.toMatch(RED_CELL);
    expect(plainText).not.toMatch(BLUE_CELL);

    await app.press('o');
    await app.waitFor(() => mainView()?.key.includes('+clipping') === true, 'overlaid picture');
    const marked = mainView()!.lines!.join('\n');
    expect(marked).toMatch(RED_CELL);
    expect(marked).toMatch(BLUE_CELL);
    // The grey band is left alone.
    expect(marked).toMatch(/[34]8;2;12[6-9];12[6-9];12[6-9]m/);
    await app.waitFor((f) => f.includes('clipping'), 'clipping in the status line');
    const encoded = encodedPictures();
    expect(encoded).toBeGreaterThan(0);

    await app.press('o');
    await app.waitFor(() => mainView() === plain, 'the plain picture, from the renderer cache');
    expect(h.store.getSnapshot().exposure.clipping).toBe(false);
    expect(encodedPictures()).toBe(encoded); // nothing was encoded again
  });

  it('the grid is left alone: o there only says the overlay is on, for the preview and culling view', async () => {
    const before = h.store.getSnapshot().thumbs;
    await app.press('o');
    await app.waitFor((f) => f.includes('clipping overlay on (shown in the preview'), 'said so');
    await h.store.idle();
    expect(h.store.getSnapshot().exposure.clipping).toBe(true);
    expect([...h.store.getSnapshot().thumbs.values()].every((v) => v.status !== 'ready' || !v.image.key.includes('clipping'))).toBe(true);
    expect(before.size).toBeGreaterThan(0);
  });
});

describe('histogram', () => {
  it("the preview's status line shows the luminance histogram of the image's thumbnail, which counts its every pixel", async () => {
    await app.press('w');
    await app.waitFor(() => h.store.getSnapshot().exposure.histogram !== null, 'histogram computed');
    const bins = h.store.getSnapshot().exposure.histogram!;
    const thumb = await h.cache.get(library.page({}, 0, 1)[0]!, 1);
    if (!thumb.ok) throw new Error('no mip1');
    const total = bins.reduce((s, n) => s + n, 0);
    expect(total).toBe(thumb.width * thumb.height);
    // A third black, a third grey, a third white: three full columns.
    const frame = await app.waitFor((f) => (f.match(/█/g) ?? []).length >= 3, 'bars in the status line');
    const status = frame.split('\n').slice(-3).join('\n');
    expect(status).toContain('█');
    expect(bins[0]! + bins[1]! + bins[2]!).toBeGreaterThan(total / 4);
    expect(bins[255]! + bins[254]! + bins[253]!).toBeGreaterThan(total / 4);
  });
});

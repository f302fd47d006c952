import { rename, utimes } from 'node:fs/promises';
import sharp from 'sharp';
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

describe('a file changed on disk after its thumbnail was made', () => {
  let cleanup: () => Promise<void> = async () => {};
  afterAll(() => cleanup());

  it('is remade when shown, even though the old thumbnail is still in memory', async () => {
    const { root, photos, library } = await makeCollection(1);
    cleanup = () => removeDir(root);
    const file = `${photos}/img-000.jpg`; // '#d33' red in the first session
    const first = await makeStore(library, root);
    const app1 = renderApp(first.store, 120, 40);
    await app1.waitForImages();
    expect(paintedColours(app1.screenBytes()).some(isRed)).toBe(true);
    app1.unmount();
    await first.close();

    // Re-saved by another program, pure blue, with a later mtime; the library still has the old facts.
    await sharp({ create: { width: 300, height: 200, channels: 3, background: '#0000ff' } }).jpeg().toFile(file);
    const later = new Date(Date.now() + 10_000);
    await utimes(file, later, later);

    const second = await makeStore(library, root);
    const app2 = renderApp(second.store, 120, 40);
    try {
      await app2.waitFor(() => paintedColours(app2.stdout.frames.join('')).some(isBlue), 'blue half-blocks');
    } finally {
      app2.unmount();
      await second.close();
      library.close();
    }
  });
});

/** The 24-bit colours of the half-blocks painted after Ink's frames. */
function paintedColours(bytes: string): [number, number, number][] {
  // `ESC[38;2;R;G;B;48;2;R;G;Bm▀▀…`: both halves of a cell in one SGR, then the blocks.
  return [...bytes.matchAll(/(?:38|48);2;(\d+);(\d+);(\d+)(?:;[\d;]*)?m▀/g)].map((m) => [Number(m[1]), Number(m[2]), Number(m[3])]);
}
const isRed = ([r, g, b]: [number, number, number]) => r > 180 && g < 90 && b < 90;
const isBlue = ([r, g, b]: [number, number, number]) => b > 200 && r < 60 && g < 60;

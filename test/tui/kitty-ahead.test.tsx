import { mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFolders } from '../../src/db/import.js';
import { Library } from '../../src/db/library.js';
import { makeStore, removeDir, renderApp } from './fixture.js';

/**
 * kitty keeps pictures by id, so the full preview's neighbours are transmitted while the link
 * is idle and moving to one writes a placement, not its pixels (issue 9, instant next image).
 * Through the real store, pipeline, kitty encoder, painter and writer; only stdout is fake.
 */
let col: { root: string; library: Library };

beforeAll(async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'termtable-ahead-'));
  const photos = path.join(root, 'photos');
  await mkdir(photos, { recursive: true });
  for (let i = 0; i < 7; i++) {
    const grain = await sharp({ create: { width: 900, height: 600, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 50 + i * 10, sigma: 40 } } })
      .png()
      .toBuffer();
    await sharp(grain).jpeg({ quality: 85 }).toFile(path.join(photos, `img-${i}.jpg`));
  }
  const library = Library.open(path.join(root, 'data', 'library.db'));
  await importFolders(library, [photos]);
  col = { root, library };
}, 120_000);

afterAll(async () => {
  col.library.close();
  await removeDir(col.root);
});

const transmits = (bytes: string) => [...bytes.matchAll(/a=t,t=d,f=100,i=(\d+)/g)].map((m) => Number(m[1]));
const placements = (bytes: string) => [...bytes.matchAll(/a=p,i=(\d+)/g)].map((m) => Number(m[1]));

describe('kitty: the preview neighbours ahead', () => {
  it('transmits the two neighbours each way once the shown image is written; Right and Left then only place', async () => {
    const h = await makeStore(col.library, col.root, { protocol: 'kitty', columns: 160, rows: 48 });
    const app = renderApp(h.store, 160, 48);
    try {
      await h.store.run('collection.sort');
      await app.waitForImages(60_000);
      await app.press('l', 'l', 'l'); // the fourth image: two neighbours each way
      await app.waitForImages(60_000);
      app.screenBytes();
      await app.press('\r');
      await app.waitFor((f) => f.includes('preview'), 'the preview', 60_000);
      await app.waitForImages(60_000);
      // The shown image, then its four neighbours at the preview's size, each transmitted once.
      let bytes = '';
      const aheadIds = () => h.store.pictureWork().ahead.map((img) => img.imageId!);
      const end = Date.now() + 60_000;
      for (;;) {
        await h.store.idle();
        await app.painted();
        await new Promise((r) => setTimeout(r, 50));
        bytes += app.screenBytes();
        const ids = aheadIds();
        if ((ids.length === 4 && ids.every((id) => transmits(bytes).includes(id))) || Date.now() > end) break;
      }
      const ahead = new Set(aheadIds());
      expect(ahead.size).toBe(4);
      const sent = transmits(bytes);
      for (const id of ahead) expect(sent.filter((x) => x === id)).toEqual([id]);
      const main = h.store.placements().find((p) => p.key.startsWith('main:'))!;
      const shownId = main.image.imageId!;
      // The shown image went first, the neighbours after it.
      expect(sent.indexOf(shownId)).toBeLessThan(Math.min(...[...ahead].map((id) => sent.indexOf(id))));

      await app.press('l');
      await app.waitForImages(60_000);
      await app.painted();
      const right = app.screenBytes();
      const placed = placements(right);
      expect(transmits(right)).toEqual([]);
      const next = h.store.placements().find((p) => p.key.startsWith('main:'))!.image.imageId!;
      expect(ahead.has(next)).toBe(true);
      expect(placed).toContain(next);
      expect(right.length).toBeLessThan(10_000);

      await app.press('h');
      await app.waitForImages(60_000);
      await app.painted();
      const left = app.screenBytes();
      expect(transmits(left)).toEqual([]);
      expect(placements(left).filter((id) => id === shownId)).toEqual([shownId]);
    } finally {
      app.unmount();
      await h.close();
    }
  }, 240_000);
});

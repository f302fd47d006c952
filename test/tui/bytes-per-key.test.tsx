import { mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFolders } from '../../src/db/import.js';
import { Library } from '../../src/db/library.js';
import type { Protocol } from '../../src/render/index.js';
import { makeStore, removeDir, renderApp } from './fixture.js';

/**
 * What reaches the terminal per key, through the real encoders, painter, cell diff and writer
 * (only the stdout is fake, and it keeps every byte): the budgets of the remote-use issue.
 */
let col: { root: string; library: Library };

/** Photos with grain, so a picture costs what a real one does (flat colours compress to nothing). */
async function makeGrainyCollection(count: number) {
  const root = await mkdtemp(path.join(os.tmpdir(), 'termtable-bytes-'));
  const photos = path.join(root, 'photos');
  await mkdir(photos, { recursive: true });
  for (let i = 0; i < count; i++) {
    const grain = await sharp({ create: { width: 600, height: 400, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 40 + i * 3, sigma: 40 } } })
      .png()
      .toBuffer();
    await sharp(grain).jpeg({ quality: 85 }).toFile(path.join(photos, `img-${String(i).padStart(3, '0')}.jpg`));
  }
  const library = Library.open(path.join(root, 'data', 'library.db'));
  await importFolders(library, [photos]);
  return { root, library };
}

beforeAll(async () => {
  col = await makeGrainyCollection(60);
}, 120_000);

afterAll(async () => {
  col.library.close();
  await removeDir(col.root);
});

const PAGE_DOWN = '\x1b[6~';
const PAGE_UP = '\x1b[5~';

async function session(protocol: Protocol) {
  const h = await makeStore(col.library, col.root, { protocol, columns: 160, rows: 48 });
  await h.store.run('collection.sort'); // by name: a stable order
  const app = renderApp(h.store, 160, 48);
  await app.waitForImages(30_000);
  const first = app.screenBytes();
  const key = async (k: string) => {
    const before = h.store.getSnapshot();
    await app.press(k);
    // The key handled (a new snapshot), not merely typed: under load Ink may read it later.
    for (const end = Date.now() + 30_000; h.store.getSnapshot() === before && Date.now() < end; ) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 30));
    await app.waitForImages(30_000);
    return app.screenBytes();
  };
  return {
    first,
    key,
    perPage: h.store.getSnapshot().layout.slots.length,
    async close() {
      app.unmount();
      await h.close();
    },
  };
}

const pictures = (bytes: string, protocol: Protocol): number => {
  if (protocol === 'sixel') return (bytes.match(/\x1bP[0-9;]*q/g) ?? []).length;
  if (protocol === 'iterm2') return (bytes.match(/\x1b\]1337;File=/g) ?? []).length;
  if (protocol === 'kitty') return (bytes.match(/a=t,/g) ?? []).length;
  return 0;
};

describe.each(['blocks', 'kitty', 'sixel', 'iterm2'] as const)('%s at 160×48', (protocol) => {
  it('a cursor step and a rating write under 5 kB and repaint no picture; a page turn writes each new picture once', async () => {
    const s = await session(protocol);
    try {
      expect(s.first.length).toBeGreaterThan(10_000);
      const step = await s.key('l');
      expect(step.length).toBeLessThan(5_000);
      expect(pictures(step, protocol)).toBe(0);
      const rate = await s.key('3');
      expect(rate.length).toBeLessThan(5_000);
      expect(pictures(rate, protocol)).toBe(0);

      const down = await s.key(PAGE_DOWN);
      if (protocol !== 'blocks') expect(pictures(down, protocol)).toBe(s.perPage);
      const back = await s.key(PAGE_UP);
      if (protocol === 'kitty') {
        // A revisit: placements and the changed text only.
        expect(pictures(back, protocol)).toBe(0);
        expect(back.length).toBeLessThan(s.first.length * 0.05);
      } else if (protocol !== 'blocks') {
        expect(pictures(back, protocol)).toBe(s.perPage);
      }
    } finally {
      await s.close();
    }
  }, 120_000);
});

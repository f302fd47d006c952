import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Library } from '../../src/db/library.js';
import type { RenderedImage } from '../../src/render/types.js';
import type { ThumbView } from '../../src/tui/pipeline/thumb-pipeline.js';
import { sameText } from '../../src/tui/store/rendered-view.js';
import { makeCollection, makeStore, removeDir, renderApp } from './fixture.js';

const image = (key: string, lines: string[] | null = null): RenderedImage => ({
  key,
  protocol: lines ? 'blocks' : 'sixel',
  box: { cols: 4, rows: 2 },
  cols: 4,
  rows: 2,
  offsetCol: 0,
  offsetRow: 0,
  lines,
  imageId: null,
  transmit: null,
  place: lines ? null : 'SIXEL',
  byteLength: 5,
});
const ready = (key: string, over: Partial<Extract<ThumbView, { status: 'ready' }>> = {}): ThumbView => ({
  status: 'ready',
  image: image(key),
  offline: false,
  standIn: false,
  inTree: false,
  ...over,
});

describe('sameText', () => {
  it('a picture painted beside the tree arriving or changing draws no other text; a skull, in-tree text or offline does', () => {
    const pending = new Map<string, ThumbView>([['a', { status: 'pending' }]]);
    expect(sameText(pending, new Map([['a', ready('1')]]))).toBe(true);
    expect(sameText(new Map([['a', ready('1', { standIn: true })]]), new Map([['a', ready('2')]]))).toBe(true);
    expect(sameText(pending, new Map<string, ThumbView>([['a', { status: 'failed', cause: 'unsupported', detail: 'x' }]]))).toBe(false);
    expect(sameText(pending, new Map([['a', ready('1', { offline: true })]]))).toBe(false);
    const inTree = (key: string) => ready(key, { inTree: true, image: image(key, ['▀▀▀▀', '▀▀▀▀']) });
    expect(sameText(new Map([['a', inTree('1')]]), new Map([['a', inTree('2')]]))).toBe(false);
    expect(sameText(pending, new Map([['b', { status: 'pending' }]]))).toBe(false);
    expect(sameText(pending, new Map())).toBe(false);
  });
});

let col: { root: string; library: Library };
beforeAll(async () => {
  col = await makeCollection(12);
}, 120_000);
afterAll(async () => {
  col.library.close();
  await removeDir(col.root);
});

describe('pictures arriving', () => {
  it('are painted without an Ink frame each: a page of sixel pictures takes a few frames, and every picture is written', async () => {
    const h = await makeStore(col.library, col.root, { protocol: 'sixel', columns: 120, rows: 40 });
    const app = renderApp(h.store, 120, 40);
    try {
      await app.waitForImages(60_000);
      await app.painted();
      const ready = [...h.store.getSnapshot().thumbs.values()].filter((v) => v.status === 'ready').length;
      expect(ready).toBeGreaterThanOrEqual(8);
      const bytes = app.screenBytes();
      expect((bytes.match(/\x1bP[0-9;]*q/g) ?? []).length).toBeGreaterThanOrEqual(ready);
      // The first frame, the counts and the skull of the corrupt file: not one frame a picture.
      expect(app.frameCount()).toBeLessThan(ready);
      // What Ink renders keeps up with everything but the pictures: the same text as the newest snapshot.
      expect(sameText(h.store.getView().thumbs, h.store.getSnapshot().thumbs)).toBe(true);
    } finally {
      app.unmount();
      await h.close();
    }
  }, 120_000);
});

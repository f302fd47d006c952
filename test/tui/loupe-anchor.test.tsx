import { mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { analysePixels } from '../../src/analysis/analyse.js';
import { importFolders } from '../../src/db/import.js';
import { recordAnalyses, recordFocusPoint } from '../../src/db/library-analysis.js';
import { Library } from '../../src/db/library.js';
import { loupeStatus, toggleZoom, LOUPE_FIT, type LoupeGeometry } from '../../src/tui/state/loupe.js';
import { makeStore, removeDir, renderApp, type Harness } from './fixture.js';

/**
 * Where `z` opens (issue 13): at the camera's AF point where the library has one, else at the
 * sharpest tile, not the centre. A real library of two made photos whose only detail is a
 * patch off-centre; their scores are measured from their own pixels, the crop is the one the
 * loupe asks of the real full-size source.
 */
const W = 4000;
const H = 3000;
/** The sharp patch's centre, as fractions of the picture. */
const PATCH = { x: 0.25, y: 0.3 };
const AF = { x: 0.7, y: 0.65 };
const KEY = { right: '\x1b[C', esc: '\x1b' };

let root: string;
let library: Library;
let h: Harness;
let app: ReturnType<typeof renderApp>;

/** A soft grey gradient (no detail) with a 400-pixel patch of noise at PATCH. */
async function offCentreDetail(): Promise<Buffer> {
  const patch = await sharp({ create: { width: 400, height: 400, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 70 } } }).png().toBuffer();
  const base = await sharp({ create: { width: W, height: H, channels: 3, background: '#777' } }).png().toBuffer();
  return sharp(base).composite([{ input: patch, left: PATCH.x * W - 200, top: PATCH.y * H - 200 }]).png({ compressionLevel: 1 }).toBuffer();
}

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'termtable-loupe-anchor-'));
  const photos = path.join(root, 'photos');
  await mkdir(photos, { recursive: true });
  const png = await offCentreDetail();
  for (const name of ['a-no-af.png', 'b-af.png']) await sharp(png).toFile(path.join(photos, name));
  library = Library.open(path.join(root, 'data', 'library.db'));
  await importFolders(library, [photos]);
  const recs = library.page({ sort: 'name' }, 0, 10);
  const writes = [];
  for (const r of recs) {
    const { data, info } = await sharp(r.path).resize(512).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    writes.push({ id: r.id, fileSize: r.fileSize, mtime: r.mtime, analysis: await analysePixels(data, { width: info.width, height: info.height, channels: info.channels as 3 }) });
  }
  recordAnalyses(library, writes);
  // As the recorder stores an AF point read from a maker note (made PNGs carry none).
  recordFocusPoint(library, recs[1]!.id, AF);
  h = await makeStore(library, root, { protocol: 'kitty' });
  await h.store.run('collection.sort'); // by name
  app = renderApp(h.store, 120, 40);
  await app.waitForImages();
});

afterEach(async () => {
  app.unmount();
  await h.close();
  library.close();
  await removeDir(root);
});

const snap = () => h.store.getSnapshot();
/** Shorter than the test's own timeout, so a miss names what it waited for. */
const waitFor = (pred: (frame: string) => boolean, what: string) => app.waitFor(pred, what, 40_000);
const crops = () => h.store.loupe.requested;
const centreOf = (c: (typeof h.store.loupe.requested)[number]) => ({
  x: (c.plan.left + c.plan.width / 2) / c.image.width,
  y: (c.plan.top + c.plan.height / 2) / c.image.height,
});

describe('z opens at the subject', () => {
  it('at the sharpest tile when the file records no AF point, at the AF point when it does; a pan says where it is again', { timeout: 240_000 }, async () => {
    const a = library.page({ sort: 'name' }, 0, 1)[0]!;
    expect(a.focusPoint).toBeNull();
    expect(Math.abs(a.sharpestAt!.x - PATCH.x)).toBeLessThan(0.1);
    expect(Math.abs(a.sharpestAt!.y - PATCH.y)).toBeLessThan(0.1);

    await app.press('w');
    await waitFor(() => snap().state.view === 'preview', 'preview');
    await app.waitForImages();
    await app.press('z');
    await waitFor(() => crops().some((c) => c.id === a.id), 'a crop of a');
    const c = crops().filter((r) => r.id === a.id).at(-1)!;
    expect(c.image).toEqual({ width: W, height: H });
    // The crop is centred on the sharpest tile (not clamped here: the tile is far enough from the edges)…
    expect(centreOf(c).x).toBeCloseTo(a.sharpestAt!.x, 3);
    expect(centreOf(c).y).toBeCloseTo(a.sharpestAt!.y, 3);
    // …and holds the sharp patch's centre, which a centred crop would not.
    const inside = (p: { x: number; y: number }) =>
      p.x * W >= c.plan.left && p.x * W <= c.plan.left + c.plan.width && p.y * H >= c.plan.top && p.y * H <= c.plan.top + c.plan.height;
    expect(inside(PATCH)).toBe(true);
    expect(inside({ x: 0.5, y: 0.5 })).toBe(false);
    await waitFor((f) => f.includes('100 % · sharpest'), 'the status says sharpest');

    // A pan leaves the anchor: the status names the part of the image again.
    await app.press('l');
    await waitFor((f) => /100 % · (top left|left|top|centre)/.test(f), 'the part of the image after a pan');

    // Back to fit, the next image, z: its AF point.
    await app.press(KEY.esc);
    await waitFor(() => snap().state.loupe.zoom === 'fit', 'fit');
    await app.press(KEY.right);
    await waitFor(() => snap().current?.filename === 'b-af.png', 'the next image');
    const b = snap().current!;
    expect(b.focusPoint).toEqual(AF);
    const before = crops().length;
    await app.press('z');
    await waitFor(() => crops().length > before && crops().at(-1)!.id === b.id, 'a crop of b');
    const cb = crops().at(-1)!;
    expect(centreOf(cb).x).toBeCloseTo(AF.x, 3);
    expect(centreOf(cb).y).toBeCloseTo(AF.y, 3);
    await waitFor((f) => f.includes('100 % · focus point'), 'the status says focus point');
  });
});

describe('toggleZoom with a target (pure)', () => {
  const g: LoupeGeometry = { image: { width: 4000, height: 3000 }, box: { cols: 100, rows: 30 }, cellPx: { width: 10, height: 20 } };
  it('keeps the view inside the image near an edge, falls back to the centre without a usable point', () => {
    const near = toggleZoom(LOUPE_FIT, g, { id: 1, sharpestAt: { x: 0.01, y: 0.99 }, focusPoint: null });
    expect(near).toEqual({ zoom: 1, cx: 500 / 4000, cy: 1 - 300 / 3000, anchor: { id: 1, label: 'sharpest' } });
    expect(loupeStatus(near, g)).toBe('100 % · sharpest');
    expect(toggleZoom(LOUPE_FIT, g, { id: 1, sharpestAt: { x: 0.3, y: 0.3 }, focusPoint: { x: 0.6, y: 0.4 } })).toMatchObject({ cx: 0.6, cy: 0.4, anchor: { label: 'focus point' } });
    expect(toggleZoom(LOUPE_FIT, g, { id: 1, sharpestAt: { x: Number.NaN, y: 0.3 } })).toEqual({ zoom: 1, cx: 0.5, cy: 0.5 });
    expect(toggleZoom(LOUPE_FIT, g, { id: 1 })).toEqual({ zoom: 1, cx: 0.5, cy: 0.5 });
    expect(toggleZoom(near, g, { id: 1 })).toEqual(LOUPE_FIT);
  });
});

import { mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importFolders } from '../../src/db/import.js';
import { Library } from '../../src/db/library.js';
import type { RenderedImage } from '../../src/render/types.js';
import { slotKey } from '../../src/tui/store.js';
import { makeStore, removeDir, renderApp, type Harness } from './fixture.js';

/**
 * The loupe on a real library, cache and sharp: `z`, `+`/`-`, pans and their limits in the full
 * preview, the synchronised zoom of the culling view, and the pixels the terminal gets against
 * sharp's own extract of the source. kitty, so the picture's PNG can be read back from its bytes.
 */
const KEY = { right: '\x1b[C', left: '\x1b[D', shiftRight: '\x1b[1;2C', esc: '\x1b' };

let root: string;
let library: Library;
let h: Harness;
let app: ReturnType<typeof renderApp>;
/** The two photos: near-duplicates of different sizes (same scene, the second 1.25x bigger). */
const SIZES = [
  { name: 'a-big.png', width: 2400, height: 1600 },
  { name: 'b-bigger.png', width: 3000, height: 2000 },
];

async function scene(width: number, height: number): Promise<Buffer> {
  // Noise, so every crop has pixels of its own; a PNG so the source is exactly what sharp reads.
  return sharp({ create: { width, height, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png({ compressionLevel: 1 }).toBuffer();
}

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'termtable-loupe-'));
  const photos = path.join(root, 'photos');
  await mkdir(photos, { recursive: true });
  for (const s of SIZES) await sharp(await scene(s.width, s.height)).toFile(path.join(photos, s.name));
  library = Library.open(path.join(root, 'data', 'library.db'));
  await importFolders(library, [photos]);
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
const mainSlot = () => snap().layout.slots.find((s) => s.role === 'main')!;
const crops = () => h.store.loupe.requested;
/** Waits for `n` crops asked in all, and every large picture drawn from its crop. */
async function waitCrops(n: number, what: string) {
  await app.waitFor(() => crops().length >= n, what);
  await h.store.idle();
  await app.waitForImages();
}

/** The pixels of a kitty picture: the PNG carried by its transmit, decoded. */
async function kittyPixels(image: RenderedImage): Promise<{ data: Buffer; width: number; height: number }> {
  const payload = [...(image.transmit ?? '').matchAll(/\x1b_G[^;]*;([^\x1b]*)\x1b\\/g)].map((m) => m[1]).join('');
  const { data, info } = await sharp(Buffer.from(payload, 'base64')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

describe('loupe in the full preview', () => {
  it('z shows 100 %: the crop is the box in pixels, centred, and the terminal gets exactly those source pixels', async () => {
    await app.press('w');
    await app.waitFor(() => snap().state.view === 'preview', 'preview');
    await app.waitForImages();
    await app.press('z');
    await waitCrops(1, 'a crop');
    const box = mainSlot().slot.image;
    const cell = h.store.cellPx;
    const c = crops().at(-1)!;
    expect(c.image).toEqual({ width: 2400, height: 1600 });
    expect(c.plan).toMatchObject({ width: box.cols * cell.width, height: box.rows * cell.height, outWidth: box.cols * cell.width });
    expect(c.plan.left).toBe(Math.round(1200 - c.plan.width / 2));
    expect(c.plan.top).toBe(Math.round(800 - c.plan.height / 2));
    expect(app.lastFrame()).toContain('100 % · centre');

    // The picture drawn is the crop, at the box's size: compare with sharp's own extract.
    const rec = snap().current!;
    const view = snap().thumbs.get(slotKey(rec.id, mainSlot()));
    expect(view?.status).toBe('ready');
    if (view?.status !== 'ready') return;
    const shown = await kittyPixels(view.image);
    expect([shown.width, shown.height]).toEqual([c.plan.width, c.plan.height]);
    const expected = await sharp(rec.path).extract({ left: c.plan.left, top: c.plan.top, width: c.plan.width, height: c.plan.height }).raw().toBuffer();
    expect(shown.data.equals(expected)).toBe(true);
    // Never the whole source: the bytes sent are of the box, not of 2400x1600.
    expect(view.image.cols).toBeLessThanOrEqual(box.cols);

    // The decoded source is kept (a pan is only a crop) and counted in the pane's statistics.
    expect(h.store.loupe.sources.has(rec)).toBe(true);
    // With the next image's, decoded ahead: 2400x1600 + 3000x2000 RGB.
    await app.waitFor(() => h.store.loupe.sources.stats().entries === 2, 'the next source');
    expect(h.store.loupe.sources.stats().bytes).toBe((2400 * 1600 + 3000 * 2000) * 3);
    await app.press('p');
    await app.waitFor((f) => /loupe full-size sources: 2, 28\.2 MB of 153\.6 MB/.test(f), 'the loupe line in the cache statistics');
  });

  it('+/- step through 50 %, 100 %, 200 %; pans stop at the edges; Esc returns to fit, then to the grid', async () => {
    await app.press('w');
    await app.waitForImages();
    await app.press('+');
    await waitCrops(1, '50 %');
    expect(crops().at(-1)!.plan.width).toBe(2 * crops().at(-1)!.plan.outWidth);
    await app.waitFor((f) => f.includes('50 % · centre'), '50 % status');
    await app.press('+');
    await waitCrops(2, '100 %');
    await app.press('+');
    await waitCrops(3, '200 %');
    const p200 = crops().at(-1)!.plan;
    expect(p200.outWidth).toBe(2 * p200.width);
    await app.press('-');
    await waitCrops(4, 'back to 100 %');
    const p100 = crops().at(-1)!.plan;
    expect(p100.outWidth).toBe(p100.width);

    // l pans a fifth of the view to the right; L four fifths; then the right edge holds.
    await app.press('l');
    await waitCrops(5, 'pan right');
    expect(crops().at(-1)!.plan.left - p100.left).toBe(Math.round(p100.width * 0.2));
    for (let i = 0; i < 6; i++) await app.press('L');
    await app.waitFor(() => {
      const p = crops().at(-1)!.plan;
      return p.left + p.width === 2400;
    }, 'the right edge');
    await h.store.idle();
    const atEdge = crops().length;
    await app.press(KEY.shiftRight, 'l');
    await h.store.idle();
    expect(crops().length).toBe(atEdge); // nothing new to show: no crop asked
    await app.waitFor((f) => f.includes('100 % · right'), 'status at the right edge');
    // While zoomed, left/right pan instead of changing image.
    expect(snap().current?.filename).toBe('a-big.png');

    await app.press(KEY.esc);
    await app.waitFor(() => snap().state.loupe.zoom === 'fit', 'fit again');
    expect(snap().state.view).toBe('preview');
    await app.waitFor((f) => !f.includes('100 %'), 'no zoom in the status');
    // Not zoomed, the keys keep their meaning: → is the next image, Esc the grid.
    await app.press(KEY.right);
    await app.waitFor(() => snap().current?.filename === 'b-bigger.png', 'next image');
    await app.press(KEY.esc);
    await app.waitFor(() => snap().state.view === 'grid', 'grid');
  });
});

describe('loupe in the culling view', () => {
  it('zoom and pan are synchronised: the same relative point of each image, whatever its size', async () => {
    await app.press('x');
    await app.waitFor(() => snap().state.view === 'culling', 'culling view');
    await app.waitForImages();
    await app.press('z');
    await waitCrops(2, 'two crops');
    const byId = () => {
      const last = new Map<number, (typeof crops extends () => (infer T)[] ? T : never)>();
      for (const c of crops()) last.set(c.id, c);
      return [...last.values()];
    };
    const centre = (c: ReturnType<typeof byId>[number]) => ({
      x: (c.plan.left + c.plan.width / 2) / c.image.width,
      y: (c.plan.top + c.plan.height / 2) / c.image.height,
    });
    let [a, b] = byId();
    expect(a!.image.width).not.toBe(b!.image.width);
    expect(centre(a!).x).toBeCloseTo(0.5, 2);
    expect(centre(b!).x).toBeCloseTo(0.5, 2);

    const before = crops().length;
    await app.press('j', 'j', 'h');
    await app.waitFor(() => crops().length >= before + 2 && new Set(crops().slice(-2).map((c) => c.id)).size === 2, 'both panned');
    await h.store.idle();
    await app.waitForImages();
    [a, b] = byId();
    // One state drives both: the same relative centre (to a pixel of each).
    expect(Math.abs(centre(a!).x - centre(b!).x)).toBeLessThan(1 / 1000);
    expect(Math.abs(centre(a!).y - centre(b!).y)).toBeLessThan(1 / 1000);
    expect(centre(a!).y).toBeGreaterThan(0.5);
    expect(centre(a!).x).toBeLessThan(0.5);
    // Each crop is its own image's pixels at 100 %.
    for (const c of [a!, b!]) {
      const rec = snap().cullingRecords.get(c.id)!;
      const slot = snap().layout.slots.find((s) => s.id === c.id)!;
      const view = snap().thumbs.get(slotKey(c.id, slot));
      if (view?.status !== 'ready') throw new Error('not drawn');
      const shown = await kittyPixels(view.image);
      const expected = await sharp(rec.path).extract({ left: c.plan.left, top: c.plan.top, width: c.plan.width, height: c.plan.height }).raw().toBuffer();
      expect(shown.data.equals(expected)).toBe(true);
    }
    // Esc: back to fit, still in the culling view; again: the grid.
    await app.press(KEY.esc);
    await app.waitFor(() => snap().state.loupe.zoom === 'fit', 'fit');
    expect(snap().state.view).toBe('culling');
  });
});

describe('loupe and the next image', () => {
  it('zoomed in the preview, the next image’s source is decoded ahead: → after a rating lands on it at 100 %', async () => {
    await app.press('w');
    await app.waitForImages();
    await app.press('z');
    await waitCrops(1, 'a crop');
    const next = library.page({ sort: 'name' }, 1, 1)[0]!;
    await app.waitFor(() => h.store.loupe.sources.has(next), 'the next source decoded ahead');
    expect(h.store.loupe.sources.stats().entries).toBe(2);
    // A rating auto-advances; the zoom and centre stay, and the crop needs no decode.
    await app.press('3');
    await app.waitFor(() => snap().current?.filename === 'b-bigger.png', 'advanced');
    expect(snap().state.loupe.zoom).toBe(1);
    await app.waitFor(() => crops().some((c) => c.id === next.id), 'a crop of the next image');
    expect(crops().at(-1)!.image).toEqual({ width: 3000, height: 2000 });
  });
});

describe('stale crops', () => {
  /** Counts the pictures the pipeline hands the encoder that are loupe crops (PNGs of the box's size). */
  function countCropEncodes(): { count: () => number } {
    const graphics = h.store.services.graphics;
    const encode = graphics.encode.bind(graphics);
    let n = 0;
    graphics.encode = (input, box, signal) => {
      if (input.data.subarray(1, 4).toString('latin1') === 'PNG') n++;
      return encode(input, box, signal);
    };
    return { count: () => n };
  }

  it('pans typed faster than crops are made: the ones overtaken are never encoded, the last one is shown', async () => {
    await app.press('w');
    await app.waitForImages();
    await app.press('z');
    await waitCrops(1, 'a crop');
    const enc = countCropEncodes();
    await app.press('l', 'l', 'l', 'l', 'l', 'l');
    await app.waitFor(() => snap().state.loupe.cx > 0.5, 'panned');
    await h.store.idle();
    await app.waitForImages();
    const last = crops().at(-1)!;
    // Six pans; each replaced the one before, so fewer than six crops reached the encoder.
    expect(enc.count()).toBeGreaterThanOrEqual(1);
    expect(enc.count()).toBeLessThan(6);
    const view = snap().thumbs.get(slotKey(snap().current!.id, mainSlot()));
    if (view?.status !== 'ready') throw new Error('not drawn');
    const shown = await kittyPixels(view.image);
    const expected = await sharp(snap().current!.path).extract({ left: last.plan.left, top: last.plan.top, width: last.plan.width, height: last.plan.height }).raw().toBuffer();
    expect(shown.data.equals(expected)).toBe(true);
  });

  it('leaving before the source is decoded: nothing is encoded for the loupe and the decode is stopped', async () => {
    await app.press('w');
    await app.waitForImages();
    const enc = countCropEncodes();
    await app.press('z', '\x1b', '\x1b');
    await app.waitFor(() => snap().state.view === 'grid', 'grid');
    await h.store.idle();
    await app.painted();
    expect(enc.count()).toBe(0);
    expect(h.store.loupe.sources.stats().decoding).toBe(0);
  });
});

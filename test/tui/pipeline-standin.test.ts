/**
 * The full preview fetches its neighbours ahead at the preview's size. Memory often holds a
 * smaller level of them (the filmstrip's), which stands in on screen while the real one is
 * made; for a neighbour not on screen that stand-in is not encoded: it was a box-sized encode
 * per neighbour racing the shown image's decode. A neighbour that comes on screen before its
 * picture is made gets its stand-in then. And the neighbours are fetched once the shown image
 * is, not beside it.
 *
 * Each step waits for what it expects (vi.waitFor), not a fixed time: under load a real
 * encode took longer than 50 ms. A wait for "nothing more" stays a short pause (it can only
 * pass wrongly, never fail wrongly, on a slow machine).
 */
const until = (check: () => void) => vi.waitFor(check, { timeout: 10_000, interval: 10 });
import sharp from 'sharp';
import { describe, expect, it, vi } from 'vitest';
import type { Level, Thumb, ThumbResult } from '../../src/cache/types.js';
import type { ImageRecord } from '../../src/db/types.js';
import { createRenderer } from '../../src/render/renderer.js';
import type { TerminalCaps } from '../../src/render/types.js';
import { ThumbPipeline, pixelKey, type SlotRequest } from '../../src/tui/pipeline/thumb-pipeline.js';
import { testCaps } from '../../src/render/caps.js';
import type { CachePort, GraphicsPort } from '../../src/tui/services.js';

const caps: TerminalCaps = testCaps('kitty', { cellPx: { width: 10, height: 20 }, cellPxMeasured: true });

function record(id: number): ImageRecord {
  return { id, path: `/p/${id}.jpg`, filmRoll: '/p', filmRollId: 1, filename: `${id}.jpg`, fileSize: 1000 + id, mtime: 1, rotation: 0, orientation: 1 } as ImageRecord;
}

async function thumb(id: number, level: Level, width: number): Promise<Thumb> {
  const height = Math.round((width * 2) / 3);
  const jpeg = await sharp({ create: { width, height, channels: 3, background: { r: 30 * id, g: 120, b: 200 - 20 * id } } }).jpeg().toBuffer();
  return { ok: true, id, level, jpeg, width, height, source: 'embedded' } as Thumb;
}

describe('ThumbPipeline: work ahead for the preview', () => {
  it('encodes a smaller level from memory only for the slot on screen; a neighbour that comes on screen mid-fetch gets one', async () => {
    const ids = [1, 2, 3, 4, 5];
    const small = new Map(await Promise.all(ids.map(async (id) => [id, await thumb(id, 1, 96)] as const)));
    const big = new Map(await Promise.all(ids.map(async (id) => [id, await thumb(id, 4, 480)] as const)));
    const pending = new Map<number, (r: ThumbResult) => void>();
    // Memory has the filmstrip's level 1 of every image; get() for level 4 answers when told.
    const cache = {
      bestEffort: (rec: ImageRecord) => small.get(rec.id),
      get: (rec: ImageRecord) => new Promise<ThumbResult>((resolve) => pending.set(rec.id, resolve)),
    } as unknown as CachePort;
    const renderer = createRenderer(caps, { worker: false });
    const encoded: { id: number; level: Level }[] = [];
    const graphics = {
      caps,
      inTree: false,
      encode: (input, box) => {
        encoded.push({ id: Number(input.key.split(':')[0]), level: Number(input.key.split(':')[1]) as Level });
        return renderer.render(input, box);
      },
    } as Pick<GraphicsPort, 'caps' | 'inTree' | 'encode'> as GraphicsPort;
    const pipeline = new ThumbPipeline({ cache, graphics: () => graphics, onChange: () => undefined, concurrency: 2 });
    const box = { cols: 48, rows: 12 };
    const req = (id: number, priority: SlotRequest['priority']): SlotRequest => ({
      key: pixelKey(record(id), 4, box),
      viewKey: `v${id}`,
      rec: record(id),
      level: 4,
      box,
      priority,
    });

    // Image 3 shown, 1, 2, 4, 5 its neighbours; no level 4 made yet.
    pipeline.want([req(3, 'visible'), req(4, 'neighbour'), req(2, 'neighbour'), req(5, 'neighbour'), req(1, 'neighbour')]);
    await until(() => expect(pipeline.views().get('v3')).toMatchObject({ status: 'ready', standIn: true }));
    await new Promise((r) => setTimeout(r, 50));
    expect(encoded).toEqual([{ id: 3, level: 1 }]);

    // The shown image's level 4 arrives, then (fetched after it) a neighbour's: each is encoded once, at level 4.
    pending.get(3)!(big.get(3)!);
    await until(() => expect(pending.has(4)).toBe(true));
    pending.get(4)!(big.get(4)!);
    await until(() => expect(encoded.length).toBeGreaterThanOrEqual(3));
    await new Promise((r) => setTimeout(r, 50));
    expect(encoded.slice(1).sort((a, b) => a.id - b.id)).toEqual([
      { id: 3, level: 4 },
      { id: 4, level: 4 },
    ]);

    // Right twice: 5 comes on screen while its level 4 is still being made: its stand-in is drawn.
    encoded.length = 0;
    pipeline.want([req(5, 'visible'), req(4, 'neighbour'), req(3, 'neighbour')]);
    await until(() => expect(pipeline.views().get('v5')).toMatchObject({ status: 'ready', standIn: true }));
    await new Promise((r) => setTimeout(r, 50));
    expect(encoded).toEqual([{ id: 5, level: 1 }]);
    await until(() => expect(pending.has(5)).toBe(true));
    pending.get(5)!(big.get(5)!);
    await until(() => expect(pipeline.views().get('v5')).toMatchObject({ status: 'ready', standIn: false }));
    expect(encoded).toEqual([
      { id: 5, level: 1 },
      { id: 5, level: 4 },
    ]);
    expect(pipeline.views().get('v5')).toMatchObject({ status: 'ready', standIn: false });
    // (get() of 1 and 2 never answers here: idle() would wait for it.)
    pipeline.close();
    await renderer.close();
  });

  it('fetches the neighbours once the shown image is fetched, not beside it', async () => {
    const shown = await thumb(3, 4, 480);
    const asked: number[] = [];
    const answers = new Map<number, (r: ThumbResult) => void>();
    const cache = {
      bestEffort: () => undefined,
      get: (rec: ImageRecord) => {
        asked.push(rec.id);
        return new Promise<ThumbResult>((resolve) => answers.set(rec.id, resolve));
      },
    } as unknown as CachePort;
    const renderer = createRenderer(caps, { worker: false });
    const graphics = { caps, inTree: false, encode: (input, box) => renderer.render(input, box) } as Pick<GraphicsPort, 'caps' | 'inTree' | 'encode'> as GraphicsPort;
    const pipeline = new ThumbPipeline({ cache, graphics: () => graphics, onChange: () => undefined, concurrency: 2 });
    const box = { cols: 48, rows: 12 };
    const req = (id: number, priority: SlotRequest['priority']): SlotRequest => ({ key: pixelKey(record(id), 4, box), viewKey: `v${id}`, rec: record(id), level: 4, box, priority });
    pipeline.want([req(3, 'visible'), req(4, 'neighbour'), req(2, 'neighbour')]);
    await new Promise((r) => setTimeout(r, 20));
    expect(asked).toEqual([3]);
    // Asked again (a repaint) while the shown one is still being fetched: still only that one.
    pipeline.want([req(3, 'visible'), req(4, 'neighbour'), req(2, 'neighbour')]);
    await new Promise((r) => setTimeout(r, 20));
    expect(asked).toEqual([3]);
    answers.get(3)!(shown);
    await until(() => expect(asked).toEqual([3, 4, 2]));
    // The cursor moved on before that: a neighbour no longer wanted is never fetched.
    asked.length = 0;
    pipeline.want([req(5, 'visible'), req(6, 'neighbour')]);
    pipeline.want([req(7, 'visible'), req(8, 'neighbour')]);
    await until(() => expect(answers.has(7)).toBe(true));
    answers.get(7)!(await thumb(7, 4, 480));
    await until(() => expect(asked).toEqual([5, 7, 8]));
    await new Promise((r) => setTimeout(r, 50));
    expect(asked).toEqual([5, 7, 8]);
    pipeline.close();
    await renderer.close();
  });
});

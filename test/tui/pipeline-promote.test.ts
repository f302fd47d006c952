/**
 * A burst of page downs: the page after the one on screen is prefetched ('next'), then comes on
 * screen ('visible') before its fetches have finished, so each slot is started again under the
 * same key. Its encodes must still reach the slot: the queue used to keep the job of the entry
 * it had replaced, whose answer was ignored, and the final page stayed a page of empty boxes
 * (seen in the remote bench, sixel at 2 Mbit, in most runs on a loaded machine).
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Level, Thumb, ThumbResult } from '../../src/cache/types.js';
import type { ImageRecord } from '../../src/db/types.js';
import { createRenderer } from '../../src/render/renderer.js';
import type { TerminalCaps } from '../../src/render/types.js';
import { ThumbPipeline, pixelKey, type SlotRequest } from '../../src/tui/pipeline/thumb-pipeline.js';
import { testCaps } from '../../src/render/caps.js';
import type { CachePort, GraphicsPort } from '../../src/tui/services.js';

const caps: TerminalCaps = testCaps('sixel', { cellPx: { width: 10, height: 20 }, cellPxMeasured: true });

function record(id: number): ImageRecord {
  return { id, path: `/p/${id}.jpg`, filmRoll: '/p', filmRollId: 1, filename: `${id}.jpg`, fileSize: 1000 + id, mtime: 1, rotation: 0, orientation: 1 } as ImageRecord;
}

describe('ThumbPipeline: a prefetched slot that comes on screen mid-fetch', () => {
  it('is drawn: every slot of the page ends ready', async () => {
    const jpegs = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 40 * i, g: 90, b: 200 - 30 * i } } }).jpeg().toBuffer(),
      ),
    );
    const thumbs = new Map<number, Thumb>(jpegs.map((jpeg, i) => [i + 1, { ok: true, id: i + 1, level: 1 as Level, jpeg, width: 64, height: 48, source: 'embedded' } as Thumb]));
    // Memory has every thumbnail (drawn at once, provisionally); get() answers a little later.
    const cache = {
      bestEffort: (rec: ImageRecord) => thumbs.get(rec.id),
      get: (rec: ImageRecord) => new Promise<ThumbResult>((r) => setTimeout(() => r(thumbs.get(rec.id)!), 20)),
    } as unknown as CachePort;
    const renderer = createRenderer(caps, { worker: false });
    const graphics = { caps, inTree: false, encode: (input, box) => renderer.render(input, box) } as Pick<GraphicsPort, 'caps' | 'inTree' | 'encode'> as GraphicsPort;
    const pipeline = new ThumbPipeline({ cache, graphics: () => graphics, onChange: () => undefined, concurrency: 2 });
    const box = { cols: 12, rows: 4 };
    const requests = (priority: 'next' | 'visible'): SlotRequest[] =>
      [1, 2, 3, 4, 5, 6].map((id) => ({ key: pixelKey(record(id), 1, box), viewKey: `v${id}`, rec: record(id), level: 1, box, priority }));
    // The page is prefetched, then turned to before any of its work is done.
    pipeline.want(requests('next'));
    pipeline.want(requests('visible'));
    await pipeline.idle();
    const views = pipeline.views();
    expect([...views.values()].map((v) => v.status)).toEqual(Array(6).fill('ready'));
    await renderer.close();
  });
});

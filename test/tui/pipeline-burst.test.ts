/**
 * Paging faster than a page can be encoded (5 × PgDn in half a second): an encode already running
 * for a slot that left the screen is aborted (its signal reaches the encoder), and the pages
 * passed during the burst start no encode at all; the final page is still drawn in full.
 */
import net from 'node:net';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Level, Thumb, ThumbResult } from '../../src/cache/types.js';
import type { ImageRecord } from '../../src/db/types.js';
import type { CellBox, ImageInput, RenderedImage } from '../../src/render/types.js';
import { EncodeQueue } from '../../src/tui/pipeline/encode-queue.js';
import { ThumbPipeline, pixelKey, type SlotRequest } from '../../src/tui/pipeline/thumb-pipeline.js';
import type { CachePort, GraphicsPort } from '../../src/tui/services.js';

function record(id: number): ImageRecord {
  return { id, path: `/p/${id}.jpg`, filmRoll: '/p', filmRollId: 1, filename: `${id}.jpg`, fileSize: 1000 + id, mtime: 1, rotation: 0, orientation: 1 } as ImageRecord;
}

interface Call {
  id: number;
  signal: AbortSignal | undefined;
}

/** A fake encoder that records every call and its signal, and stops early when aborted. */
function fakeGraphics(calls: Call[], finish: (release: () => void) => void): GraphicsPort {
  const encode = (input: ImageInput, box: CellBox, signal?: AbortSignal): Promise<RenderedImage> =>
    new Promise((resolve, reject) => {
      calls.push({ id: Number(input.key.split(':')[0]), signal });
      signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      finish(() => resolve({ protocol: 'sixel', key: input.key, box } as unknown as RenderedImage));
    });
  return { inTree: false, encode } as Pick<GraphicsPort, 'inTree' | 'encode'> as GraphicsPort;
}

async function setup(finish: (release: () => void) => void, fetchMs = 5) {
  const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 90, g: 90, b: 200 } } }).jpeg().toBuffer();
  const thumb = (id: number): Thumb => ({ ok: true, id, level: 1 as Level, jpeg, width: 64, height: 48, source: 'embedded' }) as Thumb;
  const cache = {
    bestEffort: () => undefined,
    get: (rec: ImageRecord) => new Promise<ThumbResult>((r) => setTimeout(() => r(thumb(rec.id)), fetchMs)),
  } as unknown as CachePort;
  const calls: Call[] = [];
  const graphics = fakeGraphics(calls, finish);
  const pipeline = new ThumbPipeline({ cache, graphics: () => graphics, onChange: () => undefined, concurrency: 2 });
  return { calls, pipeline };
}

const box = { cols: 12, rows: 4 };
/** Page `n` of 12 slots, image ids n*100+1 … n*100+12. */
const page = (n: number): SlotRequest[] =>
  Array.from({ length: 12 }, (_, i) => {
    const rec = record(n * 100 + i + 1);
    return { key: pixelKey(rec, 1, box), viewKey: `v${i}`, rec, level: 1 as Level, box, priority: 'visible' as const };
  });

describe('ThumbPipeline: a burst of page turns', () => {
  it('aborts the running encode of a slot that leaves the screen', async () => {
    const held: (() => void)[] = [];
    const { calls, pipeline } = await setup((release) => held.push(release));
    pipeline.want(page(1));
    while (calls.length === 0) await new Promise((r) => setTimeout(r, 5));
    const running = calls[0]!;
    expect(running.signal?.aborted).toBe(false);
    // One page turn after a pause: no hold, and the encode of page 1 is told to stop.
    await new Promise((r) => setTimeout(r, 200));
    pipeline.want(page(2));
    expect(running.signal?.aborted).toBe(true);
    // Page 2's encodes are let through as they come.
    const drain = setInterval(() => held.splice(0).forEach((f) => f()), 5);
    await pipeline.idle();
    clearInterval(drain);
    expect([...pipeline.views().values()].map((v) => v.status)).toEqual(Array(12).fill('ready'));
    const page2 = calls.filter((c) => c.id > 200 && c.id < 300);
    expect(new Set(page2.map((c) => c.id)).size).toBe(12);
    pipeline.close();
  });

  it('starts no encode for the pages passed, and draws the final page', async () => {
    // Fetches answer at once, so each page passed is fetched and ready to encode before the next key.
    const { calls, pipeline } = await setup((release) => setTimeout(release, 5), 0);
    pipeline.want(page(1));
    while (calls.length === 0) await new Promise((r) => setTimeout(r, 1));
    // Four more page turns in quick succession (keys closer together than the burst window).
    for (const n of [2, 3, 4, 5]) {
      pipeline.want(page(n));
      await new Promise((r) => setTimeout(r, 1));
    }
    await pipeline.idle();
    const pageOf = (c: Call) => Math.floor(c.id / 100);
    expect(calls.filter((c) => [2, 3, 4].includes(pageOf(c)))).toEqual([]);
    // Page 1's encodes that had started were aborted, none of them finished into a slot.
    expect(calls.filter((c) => pageOf(c) === 1).every((c) => c.signal?.aborted)).toBe(true);
    expect(new Set(calls.filter((c) => pageOf(c) === 5).map((c) => c.id)).size).toBe(12);
    expect([...pipeline.views().values()].map((v) => v.status)).toEqual(Array(12).fill('ready'));
    pipeline.close();
  });
});

describe('EncodeQueue.hold', () => {
  it('starts nothing while held and everything once the hold ends; retain() still drops held jobs', async () => {
    const queue = new EncodeQueue({ concurrency: 2 });
    const ran: string[] = [];
    const job = (key: string) => ({ key, priority: 'visible' as const, run: async () => void ran.push(key) });
    queue.hold(20);
    expect(queue.held).toBe(true);
    for (const k of ['a', 'b', 'c']) queue.push(job(k));
    queue.pump();
    expect(ran).toEqual([]);
    queue.retain((k) => k !== 'b');
    await queue.idle();
    expect(queue.held).toBe(false);
    expect(ran.sort()).toEqual(['a', 'c']);
  });
});

describe('EncodeQueue: a key already waiting is read before encodes start', () => {
  it('a job pushed while input waits is dropped by that input, never started', async () => {
    const queue = new EncodeQueue({ concurrency: 2 });
    const ran: string[] = [];
    // A real socket stands for the terminal: its bytes are read in the event loop's poll phase.
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    await new Promise((r) => client.once('connect', r));
    const terminal = await accepted;
    // The key turns the page: the jobs of the page left are dropped.
    const keyRead = new Promise<void>((r) =>
      terminal.once('data', () => {
        queue.retain(() => false);
        r();
      }),
    );
    await new Promise<void>((done) =>
      setTimeout(() => {
        // The key is typed while the loop is busy (a page turn taking 50 ms to process) …
        client.write('\x1b[6~');
        const until = Date.now() + 50;
        while (Date.now() < until);
        // … and then the page it leaves asks for its encodes.
        queue.push({ key: 'left-page', priority: 'visible', run: async () => void ran.push('left-page') });
        done();
      }, 0),
    );
    await keyRead;
    await queue.idle();
    expect(ran).toEqual([]);
    // A job pushed with no input waiting runs.
    queue.push({ key: 'final-page', priority: 'visible', run: async () => void ran.push('final-page') });
    await queue.idle();
    expect(ran).toEqual(['final-page']);
    client.destroy();
    terminal.destroy();
    await new Promise((r) => server.close(r));
  });
});

import { describe, expect, it } from 'vitest';
import type { Thumb } from '../../src/cache/types.js';
import { EncodeQueue } from '../../src/tui/pipeline/encode-queue.js';
import { FETCHING, slotNext, type SlotEvent, type SlotState } from '../../src/tui/pipeline/slot-state.js';
import type { RenderedImage } from '../../src/render/types.js';

const jpegA = Buffer.from('A');
const jpegB = Buffer.from('B');
const thumb = (jpeg: Buffer, offline = false): Thumb => ({ ok: true, id: 1, level: 1, jpeg, width: 10, height: 10, offline } as Thumb);
const image = (key: string) => ({ key }) as RenderedImage;

function run(events: SlotEvent[], from: SlotState = FETCHING) {
  let state = from;
  const effects: string[] = [];
  for (const e of events) {
    const r = slotNext(state, e);
    state = r.state;
    for (const fx of r.effects) effects.push(`encode:${fx.thumb.jpeg.toString()}${fx.thumb.offline ? ':off' : ''}`);
  }
  return { phase: state.phase.kind, shown: state.shown?.image.key ?? null, offline: state.shown?.offline ?? null, effects };
}

describe('slotNext', () => {
  it.each([
    {
      name: 'memory copy drawn, then confirmed by get(): nothing encoded again',
      events: [
        { type: 'provisional', image: image('a'), thumb: thumb(jpegA), standIn: false },
        { type: 'fetched', result: thumb(jpegA) },
      ] as SlotEvent[],
      want: { phase: 'shown', shown: 'a', offline: false, effects: [] },
    },
    {
      name: 'memory copy drawn, the file was remade: the new thumbnail is encoded and replaces it',
      events: [
        { type: 'provisional', image: image('a'), thumb: thumb(jpegA), standIn: false },
        { type: 'fetched', result: thumb(jpegB) },
        { type: 'encoded', image: image('b'), thumb: thumb(jpegB) },
      ] as SlotEvent[],
      want: { phase: 'shown', shown: 'b', offline: false, effects: ['encode:B'] },
    },
    {
      name: 'the file went offline: same pixels, marked offline',
      events: [
        { type: 'provisional', image: image('a'), thumb: thumb(jpegA), standIn: false },
        { type: 'fetched', result: thumb(jpegA, true) },
        { type: 'encoded', image: image('a-off'), thumb: thumb(jpegA, true) },
      ] as SlotEvent[],
      want: { phase: 'shown', shown: 'a-off', offline: true, effects: ['encode:A:off'] },
    },
    {
      name: 'get() answers before the memory copy is encoded, same pixels: the two encodes merge',
      events: [
        { type: 'fetched', result: thumb(jpegA) },
        { type: 'provisional', image: image('a'), thumb: thumb(jpegA), standIn: false },
      ] as SlotEvent[],
      want: { phase: 'shown', shown: 'a', offline: false, effects: ['encode:A'] },
    },
    {
      name: 'a late memory copy never replaces the offline answer',
      events: [
        { type: 'fetched', result: thumb(jpegA, true) },
        { type: 'provisional', image: image('a'), thumb: thumb(jpegA), standIn: false },
      ] as SlotEvent[],
      want: { phase: 'encoding', shown: null, offline: null, effects: ['encode:A:off'] },
    },
    {
      name: 'a stand-in shows until the right level is encoded',
      events: [
        { type: 'provisional', image: image('small'), thumb: thumb(jpegA), standIn: true },
        { type: 'fetched', result: thumb(jpegB) },
      ] as SlotEvent[],
      want: { phase: 'encoding', shown: 'small', offline: false, effects: ['encode:B'] },
    },
    {
      name: 'a failure replaces any picture with the skull',
      events: [
        { type: 'provisional', image: image('a'), thumb: thumb(jpegA), standIn: false },
        { type: 'fetched', result: { ok: false, id: 1, level: 1, cause: 'missing', detail: 'gone' } },
      ] as SlotEvent[],
      want: { phase: 'failed', shown: null, offline: null, effects: [] },
    },
    {
      name: 'an encode that fails is a skull with its reason',
      events: [
        { type: 'fetched', result: thumb(jpegB) },
        { type: 'encodeFailed', thumb: thumb(jpegB), message: 'boom' },
      ] as SlotEvent[],
      want: { phase: 'failed', shown: null, offline: null, effects: ['encode:B'] },
    },
  ])('$name', ({ events, want }) => {
    expect(run(events)).toEqual(want);
  });
});

describe('EncodeQueue', () => {
  it('runs visible work first and holds lower priorities while visible work waits', async () => {
    const order: string[] = [];
    let visibleBusy = true;
    const q = new EncodeQueue({ concurrency: 1, visibleBusy: () => visibleBusy });
    const job = (key: string, priority: 'visible' | 'neighbour' | 'next') => ({
      key,
      priority,
      run: async () => {
        order.push(key);
      },
    });
    q.push(job('n1', 'next'));
    q.push(job('p1', 'neighbour'));
    q.push(job('v1', 'visible'));
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual(['v1']);
    q.retain((k) => k !== 'p1');
    visibleBusy = false;
    q.pump();
    await q.idle();
    expect(order).toEqual(['v1', 'n1']);
  });
});

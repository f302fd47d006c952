import { EventEmitter } from 'node:events';
import { render } from 'ink';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Library } from '../../src/db/library.js';
import { App } from '../../src/tui/components/App.js';
import { createGraphicsLayer } from '../../src/tui/graphics-layer.js';
import { KeypressProvider } from '../../src/tui/hooks/use-keypress.js';
import { EncodeQueue } from '../../src/tui/pipeline/encode-queue.js';
import { afterForeground, foregroundBegin, foregroundBusy, foregroundEnd, MAX_HOLD_MS } from '../../src/tui/screen/foreground.js';
import { FakeTtyStdin } from '../helpers/fake-tty.js';
import { makeCollection, makeStore, removeDir } from './fixture.js';

/**
 * While a key's own picture is being written (up to the stream's drain), work ahead waits:
 * the lighttable writes with non-blocking stdout, and JavaScript running meanwhile leaves
 * the terminal unfed (screen/foreground.ts).
 */
const turns = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

afterEach(() => {
  foregroundEnd();
  vi.useRealTimers();
});

describe('foreground gate', () => {
  it('defers work until the hold ends, once per function', () => {
    const ran: string[] = [];
    const fn = () => ran.push('a');
    afterForeground(fn);
    expect(ran).toEqual(['a']);
    foregroundBegin();
    expect(foregroundBusy()).toBe(true);
    afterForeground(fn);
    afterForeground(fn);
    expect(ran).toEqual(['a']);
    foregroundEnd();
    expect(foregroundBusy()).toBe(false);
    expect(ran).toEqual(['a', 'a']);
  });

  it('never holds longer than MAX_HOLD_MS (a slow link must not starve the work ahead)', () => {
    vi.useFakeTimers();
    const ran: number[] = [];
    foregroundBegin();
    afterForeground(() => ran.push(1));
    vi.advanceTimersByTime(MAX_HOLD_MS - 1);
    expect(ran).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ran).toEqual([1]);
    expect(foregroundBusy()).toBe(false);
    // Frames while those pictures are still being written start no new hold; once written, they do.
    foregroundBegin();
    expect(foregroundBusy()).toBe(false);
    foregroundEnd();
    foregroundBegin();
    expect(foregroundBusy()).toBe(true);
  });

  it('an encode queue starts visible work at once and work ahead after the hold', async () => {
    const started: string[] = [];
    const job = (key: string, priority: 'visible' | 'neighbour' | 'next') => ({
      key,
      priority,
      run: async () => void started.push(key),
    });
    const queue = new EncodeQueue({ concurrency: 4 });
    foregroundBegin();
    queue.push(job('n1', 'neighbour'));
    queue.push(job('p1', 'next'));
    await turns();
    expect(started).toEqual([]);
    queue.push(job('v1', 'visible'));
    await turns();
    expect(started).toEqual(['v1']);
    foregroundEnd();
    await turns();
    expect(started.sort()).toEqual(['n1', 'p1', 'v1']);
    await queue.idle();
  });
});

/** A pty that takes a sixel only later (the terminal reading it): write() says false until drain. */
class SlowPty extends EventEmitter {
  chunks: string[] = [];
  isTTY = false;
  writableNeedDrain = false;
  stall = false;
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write = (chunk: string) => {
    this.chunks.push(chunk);
    if (!this.stall || !chunk.includes('\x1bP')) return !this.writableNeedDrain;
    this.writableNeedDrain = true;
    return false;
  };
  drain(): void {
    this.writableNeedDrain = false;
    this.emit('drain');
  }
}

let col: { root: string; library: Library };
beforeAll(async () => {
  col = await makeCollection(7);
}, 120_000);
afterAll(async () => {
  col.library.close();
  await removeDir(col.root);
});

/** The app in sixel at 120x40 on the shared collection, writing into a SlowPty through a real graphics layer. */
async function mountSixelApp() {
  const h = await makeStore(col.library, col.root, { protocol: 'sixel', columns: 120, rows: 40 });
  const pty = new SlowPty(120, 40);
  const layer = createGraphicsLayer({ stdout: pty as never, store: h.store, idlePaintMs: 5 });
  const ink = render(
    <KeypressProvider>
      <App store={h.store} />
    </KeypressProvider>,
    { stdout: layer.stdout as never, stdin: new FakeTtyStdin() as never, debug: true, exitOnCtrlC: false, patchConsole: false },
  );
  const close = async () => {
    ink.unmount();
    layer.dispose();
    await h.close();
  };
  return { h, pty, layer, close };
}

describe('next image in the preview, sixel', () => {
  it("the new neighbour's encode starts once the key's picture has drained, not during its write", async () => {
    const { h, pty, layer, close } = await mountSixelApp();
    // Main-box encodes (the preview's picture and its neighbours), and whether a hold was on.
    const graphics = h.store.services.graphics;
    const encode = graphics.encode.bind(graphics);
    const mainEncodes: boolean[] = [];
    graphics.encode = (input, box, signal) => {
      if (box.rows >= 20) mainEncodes.push(foregroundBusy());
      return encode(input, box, signal);
    };
    const settle = async () => {
      const end = Date.now() + 60_000;
      while (Date.now() < end) {
        await h.store.idle();
        await layer.whenIdle();
        const views = [...h.store.getSnapshot().thumbs.values()];
        if (!foregroundBusy() && views.every((v) => v.status === 'failed' || (v.status === 'ready' && !v.standIn))) return;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error('never settled');
    };
    try {
      await h.store.run('collection.sort');
      // The fourth image: the next one's neighbour two ahead is new to the pipeline.
      for (let i = 0; i < 3; i++) await h.store.run('grid.right');
      await h.store.run('view.preview');
      await settle();
      // The neighbours two each way are encoded ahead; give the last of them its turn.
      await new Promise((r) => setTimeout(r, 300));
      await settle();
      mainEncodes.length = 0;
      pty.chunks = [];
      pty.stall = true;
      await h.store.run('grid.right');
      // The next image's sixel is written (it was encoded ahead): the pty has not taken it yet.
      const end = Date.now() + 30_000;
      while (!pty.writableNeedDrain && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
      expect(pty.writableNeedDrain).toBe(true);
      expect(pty.chunks.some((c) => c.includes('\x1bP0;1;q'))).toBe(true);
      expect(foregroundBusy()).toBe(true);
      // Time for the new neighbour's fetch: its encode must still wait (or come after the hold's cap).
      await new Promise((r) => setTimeout(r, 100));
      await turns();
      expect(mainEncodes.filter((busy) => busy)).toEqual([]);
      pty.drain();
      await turns();
      expect(foregroundBusy()).toBe(false);
      // The new neighbour (two ahead) is encoded after the drain.
      const by = Date.now() + 30_000;
      while (mainEncodes.length === 0 && Date.now() < by) await new Promise((r) => setTimeout(r, 10));
      expect(mainEncodes.length).toBeGreaterThan(0);
      expect(mainEncodes.every((busy) => !busy)).toBe(true);
    } finally {
      await close();
    }
  }, 120_000);

  it("the key's picture is written before its frame's text, while Ink is still to render it (pictures first)", async () => {
    const { h, pty, layer, close } = await mountSixelApp();
    try {
      await h.store.run('collection.sort');
      await h.store.run('view.preview');
      // The neighbours encoded ahead: the next image's picture is ready when the key comes.
      for (let i = 0; i < 3; i++) {
        await h.store.idle();
        await layer.whenIdle();
        await new Promise((r) => setTimeout(r, 100));
      }
      pty.chunks = [];
      await h.store.run('grid.right');
      // Written before run() returned: in the store's publish, ahead of React's render of the frame.
      // The key's first bytes are its picture; the frame's text diff (the filmstrip's cursor, the
      // counter) comes after it.
      const shown = () => pty.chunks.map((c) => JSON.stringify(c.slice(0, 30))).join(' | ');
      expect(pty.chunks.length, shown()).toBeGreaterThan(0);
      expect(pty.chunks[0], shown()).toContain('\x1bP0;1;q');
      await layer.whenIdle();
      const text = pty.chunks.findIndex((c) => !c.includes('\x1bP') && c.includes('\x1b[') && /[╭─┏━]/.test(c));
      expect(text, shown()).toBeGreaterThan(0);
    } finally {
      await close();
    }
  }, 120_000);
});

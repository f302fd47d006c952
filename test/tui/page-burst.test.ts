import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BURST_HOLD_MS, BURST_WINDOW_MS, PageBurst } from '../../src/tui/pipeline/page-burst.js';

/**
 * When a page turn is part of a burst. Keys come through a real socket, standing for the
 * terminal: its bytes are read in the event loop's poll phase, as a tty's are, so a key sent
 * while the loop is busy waits in the kernel until the loop looks.
 */
const page = (n: number) => Array.from({ length: 12 }, (_, i) => `p${n}-${i}`);
const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/**
 * Two check phases: the window's closing (a check phase after its timer) has run. A timer of
 * this test can fire beside the window's own when the loop was stalled (a loaded machine), and
 * a key typed from it would be read before the window closed, as one that waited is.
 */
const looked = () => new Promise<void>((r) => setImmediate(() => setImmediate(r)));

let server: net.Server;
let keyboard: net.Socket;
let terminal: net.Socket;
beforeEach(async () => {
  server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  keyboard = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await new Promise((r) => keyboard.once('connect', r));
  terminal = await accepted;
});
afterEach(async () => {
  keyboard.destroy();
  terminal.destroy();
  await new Promise((r) => server.close(r));
});

/** The next key the app reads: each read turns a page (n, n+1, …), as the store's want() does. */
function readsTurnPages(burst: PageBurst, from: number): { turns: number[] } {
  const turns: number[] = [];
  let n = from;
  terminal.on('data', () => {
    burst.saw(page(n));
    turns.push(n++);
  });
  return { turns };
}

const until = async (pred: () => boolean) => {
  for (const end = Date.now() + 10_000; !pred() && Date.now() < end; ) await sleep(2);
};

describe('PageBurst', () => {
  it('holds a page turn whose key waited while the last page took longer than the window to handle', async () => {
    const holds: number[] = [];
    const burst = new PageBurst((ms) => holds.push(ms));
    const { turns } = readsTurnPages(burst, 2);
    burst.saw(page(1));
    await new Promise<void>((done) =>
      setImmediate(() => {
        // The page's handling and painting, on a loaded machine: the next key, typed 40 ms in,
        // is read only after it, 2x the window after the last page turn by the clock.
        const t0 = performance.now();
        busy(40);
        keyboard.write('\x1b[6~');
        busy(2 * BURST_WINDOW_MS - (performance.now() - t0));
        done();
      }),
    );
    await until(() => turns.length === 1);
    expect(holds).toEqual([BURST_HOLD_MS]);
  });

  it('starts a lone page turn at once, even after the last one kept the loop busy past the window', async () => {
    const holds: number[] = [];
    const burst = new PageBurst((ms) => holds.push(ms));
    const { turns } = readsTurnPages(burst, 2);
    burst.saw(page(1));
    // Busy (no key typed meanwhile), then idle: a key typed now is a page turn of its own.
    await new Promise<void>((done) =>
      setImmediate(() => {
        busy(2 * BURST_WINDOW_MS);
        done();
      }),
    );
    await looked();
    await sleep(50);
    keyboard.write('\x1b[6~');
    await until(() => turns.length === 1);
    // And after an idle window.
    await sleep(BURST_WINDOW_MS + 50);
    await looked();
    keyboard.write('\x1b[6~');
    await until(() => turns.length === 2);
    expect(holds).toEqual([]);
  });

  it('holds keys within the window, and a repaint or cursor step is no page turn', async () => {
    const holds: number[] = [];
    const burst = new PageBurst((ms) => holds.push(ms));
    burst.saw(page(1));
    await sleep(40);
    burst.saw(page(2));
    expect(holds).toEqual([BURST_HOLD_MS]);
    // The same page again (a repaint), or one slot new (a cursor step), is no page turn.
    await sleep(BURST_WINDOW_MS + 100);
    await looked();
    burst.saw(page(2));
    burst.saw([...page(2).slice(1), 'x']);
    expect(holds).toEqual([BURST_HOLD_MS]);
    // Keys read together (one chunk from the terminal) are a burst.
    burst.saw(page(3));
    burst.saw(page(4));
    expect(holds).toEqual([BURST_HOLD_MS, BURST_HOLD_MS]);
  });
});

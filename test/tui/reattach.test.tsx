import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { watchReattach } from '../../src/tui/reattach.js';
import { makeCollection, makeStore, removeDir, renderApp } from './fixture.js';

let col: Awaited<ReturnType<typeof makeCollection>>;
beforeAll(async () => {
  col = await makeCollection(8);
}, 60_000);
afterAll(async () => {
  col.library.close();
  await removeDir(col.root);
});

describe('re-attach (kitty, real encoder and painter)', () => {
  it('after the terminal lost its pictures every picture on screen is transmitted and placed again', async () => {
    const h = await makeStore(col.library, col.root, { protocol: 'kitty', columns: 120, rows: 40 });
    const app = renderApp(h.store, 120, 40);
    try {
      await app.waitForImages();
      const first = app.screenBytes();
      const transmits = (first.match(/a=t,/g) ?? []).length;
      expect(transmits).toBeGreaterThan(3);
      // A revisit would send placements only; after a re-attach the ids are gone in the terminal.
      app.redrawAll();
      await app.painted();
      const again = app.screenBytes();
      expect((again.match(/a=t,/g) ?? []).length).toBe(transmits);
      expect((again.match(/a=p,/g) ?? []).length).toBe((first.match(/a=p,/g) ?? []).length);
      // The text is redrawn too (tmux replays its own grid, but sixel cells and stale text must go).
      expect(again).toContain('termtable');
    } finally {
      app.unmount();
      await h.close();
    }
  });
});

describe('watchReattach', () => {
  it('inside tmux a focus-in or SIGCONT means the pictures may be gone; outside tmux focus changes lose nothing', () => {
    const lostInTmux = vi.fn();
    const inTmux = watchReattach({ caps: { inTmux: true }, onLost: lostInTmux, env: { ...process.env, TMUX: '' }, pollMs: 60_000 });
    inTmux.focusIn();
    expect(lostInTmux).toHaveBeenCalledTimes(1);
    process.emit('SIGCONT');
    expect(lostInTmux).toHaveBeenCalledTimes(2);
    inTmux.stop();
    process.emit('SIGCONT');
    expect(lostInTmux).toHaveBeenCalledTimes(2);

    const lostOutside = vi.fn();
    const outside = watchReattach({ caps: { inTmux: false }, onLost: lostOutside });
    outside.focusIn();
    expect(lostOutside).not.toHaveBeenCalled();
    process.emit('SIGCONT');
    expect(lostOutside).toHaveBeenCalledTimes(1);
    outside.stop();
  });
});

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { testCaps } from '../../src/render/caps.js';
import { createRenderer } from '../../src/render/renderer.js';
import type { TerminalCaps } from '../../src/render/types.js';
import { graphicsPort } from '../../src/tui/adapters.js';
import { watchReattach } from '../../src/tui/reattach.js';
import { createReprobe, reprobeOnReattach, terminalDiffers } from '../../src/tui/reprobe.js';
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

describe('re-attach from another kind of terminal', () => {
  it('asks the terminal again: replies taken from the input decide (XTerm with sixel, its cell size)', async () => {
    const written: string[] = [];
    const reprobe = createReprobe({
      write: (q) => written.push(q),
      env: { TERM: 'xterm-256color' },
      size: () => ({ columns: 160, rows: 48 }),
      terminfoColours: async () => 256,
    });
    const pending = reprobe.probe();
    await new Promise((r) => setTimeout(r, 5));
    // One write of the queries, DA1 last.
    expect(written).toHaveLength(1);
    expect(written[0]!.endsWith('\x1b[c')).toBe(true);
    // The replies arrive as input events, split anywhere, amid a key.
    reprobe.input('\x1bP>|XTerm(379)\x1b\\\x1b[6;19;9t');
    reprobe.input('j\x1b[?63;1;2;4;6;9;15;16;22;28c');
    const caps = await pending;
    expect(caps?.protocol).toBe('sixel');
    expect(caps?.cellPx).toEqual({ width: 9, height: 19 });
    expect(caps?.reasons[0]).toContain('asked again');
    expect(terminalDiffers(testCaps('kitty'), caps!)).toBe(true);
  });

  it('a terminal that answers nothing keeps what we have (null), after the bound', async () => {
    const reprobe = createReprobe({ write: () => undefined, env: {}, size: () => ({ columns: 80, rows: 24 }), timeoutMs: 30, terminfoColours: async () => null });
    expect(await reprobe.probe()).toBeNull();
  });

  it('kitty session re-attached from xterm: pictures stop, then every picture is sent again as sixel, none as kitty', async () => {
    const h = await makeStore(col.library, col.root, { protocol: 'kitty', columns: 120, rows: 40 });
    const app = renderApp(h.store, 120, 40);
    let caps: TerminalCaps = testCaps('kitty');
    const renderers: ReturnType<typeof createRenderer>[] = [];
    // What realServices' switchProtocol does, for the caps the probe found.
    h.store.services.switchProtocol = () => {
      const r = createRenderer(caps, { textErases: true, worker: false });
      renderers.push(r);
      h.store.services.graphics = graphicsPort(r);
    };
    try {
      await app.waitForImages();
      const kittyFirst = app.screenBytes();
      const pictures = (kittyFirst.match(/a=t,/g) ?? []).length;
      expect(pictures).toBeGreaterThan(3);
      const held = vi.fn();
      const queries: string[] = [];
      const xterm = testCaps('sixel', { cellPx: { width: 9, height: 19 }, cellPxMeasured: true, terminal: { name: 'XTerm', version: '379' } });
      const onReattach = reprobeOnReattach({
        layer: { holdPictures: held, writeControl: (q) => queries.push(q), redrawAll: () => app.redrawAll() },
        store: h.store,
        reprobe: { input: () => undefined, probe: async () => xterm },
        caps: () => caps,
        setCaps: (c) => (caps = c),
      });
      onReattach();
      expect(held).toHaveBeenCalledTimes(1);
      await new Promise((r) => setTimeout(r, 20));
      await app.waitForImages();
      await app.painted();
      const after = app.screenBytes();
      expect(h.store.services.graphics.caps.protocol).toBe('sixel');
      expect(h.store.cellPx).toEqual({ width: 9, height: 19 });
      // Every picture on screen again, as sixel; the kitty images deleted, none sent again.
      const sixels = (after.match(/\x1bP[0-9;]*q/g) ?? []).length;
      expect(sixels).toBeGreaterThanOrEqual(Math.min(pictures, [...h.store.getSnapshot().thumbs.values()].length));
      expect(after).not.toMatch(/a=t,/);
      expect(after).toContain('\x1b_Ga=d');
    } finally {
      app.unmount();
      await h.close();
      await Promise.all(renderers.map((r) => r.close()));
    }
  });
});

describe('the re-attach poll', () => {
  it('waits for a quiet spell: no tmux process is started while input keeps arriving', async () => {
    // A fake tmux on PATH that logs each start: each start forks the lighttable, stalling it.
    const dir = mkdtempSync(join(tmpdir(), 'tt-poll-'));
    const log = join(dir, 'calls');
    writeFileSync(join(dir, 'tmux'), `#!/bin/sh\necho x >> '${log}'\necho '1 4242'\n`, { mode: 0o755 });
    const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0);
    const settle = () => new Promise((r) => setTimeout(r, 400)); // real time for started processes to log
    const env = { ...process.env, PATH: `${dir}:${process.env.PATH}`, TMUX: '/tmp/x,1,0' };
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const watch = watchReattach({ caps: { inTmux: true }, onLost: () => undefined, env, pollMs: 60 });
    try {
      await settle();
      expect(calls()).toBe(1); // the first ask
      for (let i = 0; i < 20; i++) {
        watch.input();
        vi.advanceTimersByTime(50);
      }
      await settle();
      expect(calls(), 'no poll while input arrives every 50 ms').toBe(1);
      vi.advanceTimersByTime(130);
      await settle();
      expect(calls(), 'polls again once quiet').toBeGreaterThan(1);
    } finally {
      watch.stop();
      vi.useRealTimers();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * bench/tui.ts — the lighttable's speed, against peers measured in the same run.
 *
 * 1. Key press → frame written (images included), thumbnails in the memory cache, a 6×4 grid,
 *    for each protocol: a cursor move (same page) and a page turn (new thumbnails to encode).
 *    Peer: a bare Ink app redrawing one line on the same fake terminal (Ink's own floor).
 *    Target: below 16 ms.
 * 2. Launch → first full grid on a 10,000-image library with a warm disk cache (memory cache
 *    file not loaded, so every thumbnail comes from the disk backend). Peer: the I/O floor —
 *    one page query plus reading the 24 thumbnail files. Target: below 300 ms.
 */
import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { readFile } from 'node:fs/promises';
import React, { useState } from 'react';
import { render, Text, useInput } from 'ink';
import sharp from 'sharp';
import { defaultPreferences, type Preferences } from '../src/config/preferences.js';
import { MipmapCache } from '../src/cache/mipmap-cache.js';
import { importFolders } from '../src/db/import.js';
import { Library } from '../src/db/library.js';
import { testCaps, PROTOCOLS, type Protocol } from '../src/render/index.js';
import { realServices } from '../src/tui/adapters.js';
import { App } from '../src/tui/components/App.js';
import { createGraphicsLayer } from '../src/tui/graphics-layer.js';
import { KeypressProvider } from '../src/tui/hooks/use-keypress.js';
import { LighttableStore } from '../src/tui/store.js';
import { FakeTtyStdin } from '../test/helpers/fake-tty.js';

const COLUMNS = 120;
const ROWS = 40;

class TtyOut extends EventEmitter {
  isTTY = true;
  columns = COLUMNS;
  rows = ROWS;
  bytes = 0;
  write = (chunk: string | Uint8Array) => {
    this.bytes += chunk.length;
    return true;
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const p90 = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length * 0.9)]!;
};
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(pred: () => boolean, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error('bench: timed out');
    await new Promise((r) => setTimeout(r, 1));
  }
}

async function makeFiles(dir: string, distinct: number, total: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const sources: string[] = [];
  for (let i = 0; i < distinct; i++) {
    const file = path.join(dir, `img-${String(i).padStart(5, '0')}.jpg`);
    const hue = (i * 47) % 360;
    const [r, g, b] = [Math.abs(Math.sin(hue)) * 255, Math.abs(Math.cos(hue)) * 255, (hue / 360) * 255].map(Math.round);
    await sharp({ create: { width: 900, height: 600, channels: 3, background: { r: r!, g: g!, b: b! }, noise: { type: 'gaussian', mean: 100, sigma: 40 } } })
      .jpeg({ quality: 80 })
      .toFile(file);
    sources.push(file);
  }
  for (let i = distinct; i < total; i++) {
    await copyFile(sources[i % distinct]!, path.join(dir, `img-${String(i).padStart(5, '0')}.jpg`));
  }
}

function allReady(store: LighttableStore): boolean {
  const snap = store.getSnapshot();
  return snap.layout.slots.every((s) => {
    const rec = snap.records.get(s.index);
    if (!rec) return true;
    const v = [...snap.thumbs.entries()].find(([k]) => k.startsWith(`${rec.id}@`))?.[1];
    return v?.status === 'ready' && !v.standIn;
  });
}

async function openStore(lib: Library, prefs: Preferences, protocol: Protocol, root: string, loadCacheFile: boolean) {
  const cache = await MipmapCache.open({
    libraryPath: lib.file,
    prefs,
    loadCacheFile,
    saveCacheFile: false,
    diskDir: path.join(root, 'mipmaps.d'),
    cacheFile: path.join(root, 'mipmaps.cache'),
  });
  const { services, renderers } = realServices({ library: lib, cache, caps: testCaps(protocol, { cellPx: { width: 10, height: 20 } }), prefs });
  services.savePreferences = async () => {};
  const stdout = new TtyOut();
  const stdin = new FakeTtyStdin();
  let painted = 0;
  let waiters: ((t: number) => void)[] = [];
  const store = new LighttableStore(services, { columns: COLUMNS, rows: ROWS, thumbsPerRow: 6 });
  const layer = createGraphicsLayer({ stdout: stdout as unknown as NodeJS.WriteStream, store, onPainted: () => {
    painted++;
    const t = performance.now();
    const w = waiters;
    waiters = [];
    for (const resolve of w) resolve(t);
  } });
  const ink = render(
    React.createElement(KeypressProvider, null, React.createElement(App, { store })),
    { stdout: layer.stdout, stdin: stdin as unknown as NodeJS.ReadStream, exitOnCtrlC: false, patchConsole: false },
  );
  return {
    store,
    stdin,
    stdout,
    painted: () => painted,
    /** Resolves with the time of the next write of image bytes after a frame. */
    nextPaint: () => new Promise<number>((resolve) => waiters.push(resolve)),
    async close() {
      ink.unmount();
      layer.dispose();
      await store.close();
      await Promise.all(renderers.map((r) => r.close()));
    },
  };
}

async function keyToFrame(lib: Library, root: string): Promise<void> {
  const prefs = { ...defaultPreferences(), cacheSizeMB: 1024 };
  // Peer: bare Ink, one line redrawn per key.
  const peerTimes: number[] = [];
  {
    const stdout = new TtyOut();
    const stdin = new FakeTtyStdin();
    let frames = 0;
    const realWrite = stdout.write;
    stdout.write = (c) => {
      if (c === '\x1b[?2026l') frames++;
      return realWrite(c);
    };
    function Counter() {
      const [n, setN] = useState(0);
      useInput(() => setN((x) => x + 1));
      return React.createElement(Text, null, `key presses: ${n}`);
    }
    const ink = render(React.createElement(Counter), { stdout: stdout as never, stdin: stdin as never, exitOnCtrlC: false, patchConsole: false });
    await pause(100);
    for (let i = 0; i < 40; i++) {
      let done!: (t: number) => void;
      const framed = new Promise<number>((r) => (done = r));
      stdout.write = (c) => {
        if (c === '\x1b[?2026l') done(performance.now());
        return realWrite(c);
      };
      const t0 = performance.now();
      stdin.write('l');
      peerTimes.push((await framed) - t0);
      await pause(40); // past Ink's 33 ms render throttle, so each key meets a leading edge
    }
    ink.unmount();
  }
  const peer = median(peerTimes);
  console.log(`bare Ink one-line redraw (peer): median ${peer.toFixed(2)} ms, p90 ${p90(peerTimes).toFixed(2)} ms`);

  for (const protocol of (process.env.TT_BENCH_PROTOCOLS?.split(",") as Protocol[] | undefined) ?? PROTOCOLS) {
    const s = await openStore(lib, prefs, protocol, root, false);
    // Warm: every page we will visit is in the memory cache (the grid requests them) and encoded once.
    await until(() => allReady(s.store));
    for (let p = 0; p < 6; p++) {
      s.stdin.write('\x1b[6~');
      await until(() => allReady(s.store));
    }
    s.stdin.write('\x1b[H');
    await until(() => allReady(s.store));
    await pause(100);
    const move: number[] = [];
    for (let i = 0; i < 30; i++) {
      const painted = s.nextPaint();
      const t0 = performance.now();
      s.stdin.write(i % 2 ? 'h' : 'l');
      move.push((await painted) - t0);
      await pause(40);
    }
    // Page turns onto pages whose JPEGs are in memory but not yet encoded at this box.
    const page: number[] = [];
    const pageCold: number[] = [];
    for (let i = 0; i < 12; i++) {
      const t0 = performance.now();
      s.stdin.write(i % 2 ? '\x1b[5~' : '\x1b[6~');
      await until(() => allReady(s.store));
      const before = s.painted();
      await until(() => s.painted() > before || allReady(s.store));
      page.push(performance.now() - t0);
      await pause(60);
    }
    // Pages never encoded at this box: their JPEGs are put in the memory cache first, then
    // each page turn pays request → encode → paint.
    const snap = s.store.getSnapshot();
    const level = snap.layout.slots[0]!.level;
    const perPage = snap.layout.slots.length;
    const far = 12;
    for (let p = far; p < far + 4; p++) {
      for (const rec of lib.page({ sort: 'taken' }, p * perPage, perPage)) await s.store.services.cache.get(rec, level);
    }
    for (let p = 0; p < far - 1; p++) {
      s.stdin.write('\x1b[6~');
      await until(() => allReady(s.store));
    }
    await pause(60);
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      s.stdin.write('\x1b[6~');
      await until(() => allReady(s.store));
      pageCold.push(performance.now() - t0);
      await pause(60);
    }
    // A photographer looks at a page before turning it: meanwhile the next page is encoded.
    const pageLooked: number[] = [];
    for (let p = far + 4; p < far + 8; p++) {
      for (const rec of lib.page({ sort: 'taken' }, p * perPage, perPage)) await s.store.services.cache.get(rec, level);
    }
    for (let i = 0; i < 3; i++) {
      await pause(1500);
      const t0 = performance.now();
      s.stdin.write('\x1b[6~');
      await until(() => allReady(s.store));
      pageLooked.push(performance.now() - t0);
    }
    console.log(
      `${protocol.padEnd(6)} key→frame+images: move median ${median(move).toFixed(2)} ms (p90 ${p90(move).toFixed(2)}, ×${(median(move) / peer).toFixed(1)} bare Ink); ` +
        `page turn (encoded before) median ${median(page).toFixed(1)} ms; page turn needing encodes median ${median(pageCold).toFixed(1)} ms, after 1.5 s on the page (next page encoded meanwhile) median ${median(pageLooked).toFixed(1)} ms`,
    );
    await s.close();
  }
}

async function launch(lib: Library, root: string, count: number): Promise<void> {
  const prefs = { ...defaultPreferences() };
  // Warm the disk backend for the first pages (what the first grid shows) at the grid's level.
  {
    const s = await openStore(lib, prefs, 'blocks', root, false);
    await until(() => allReady(s.store));
    await s.close();
  }
  // Peer: the I/O floor — one page query and reading the 24 thumbnail files.
  const peerTimes: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const l = Library.open(lib.file);
    const page = l.page({ sort: 'taken' }, 0, 24);
    await Promise.all(page.map((r) => readFile(path.join(root, 'mipmaps.d', '1', `${r.id}.jpg`)).catch(() => readFile(path.join(root, 'mipmaps.d', '0', `${r.id}.jpg`)).catch(() => null))));
    l.close();
    peerTimes.push(performance.now() - t0);
  }
  const peer = median(peerTimes);
  console.log(`page query + read 24 thumbnail files (peer): median ${peer.toFixed(1)} ms`);
  for (const protocol of ['blocks', 'kitty', 'sixel'] as const) {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const l = Library.open(lib.file);
      const s = await openStore(l, prefs, protocol, root, false);
      await until(() => allReady(s.store));
      const before = s.painted();
      await until(() => s.painted() > before || s.stdout.bytes > 0);
      times.push(performance.now() - t0);
      await s.close();
      l.close();
    }
    console.log(
      `${protocol.padEnd(6)} launch→first full grid, ${count} images, warm disk cache: median ${median(times).toFixed(0)} ms (×${(median(times) / peer).toFixed(1)} the I/O floor)`,
    );
  }
}

async function main() {
  const root = await mkdtemp(path.join(os.tmpdir(), 'termtable-bench-tui-'));
  try {
    const count = Number(process.env.TT_BENCH_IMAGES ?? 10_000);
    const t0 = performance.now();
    await makeFiles(path.join(root, 'photos'), 60, count);
    const lib = Library.open(path.join(root, 'library.db'));
    await importFolders(lib, [path.join(root, 'photos')]);
    console.log(`setup: ${lib.count({})} images imported in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await keyToFrame(lib, root);
    if (!process.env.TT_BENCH_SKIP_LAUNCH) await launch(lib, root, lib.count({}));
    lib.close();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

// Measure what users run: React's production build (the binary sets NODE_ENV the same way).
if (process.env.NODE_ENV !== 'production') {
  const run = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  process.exitCode = run.status ?? 1;
} else {
  await main();
}

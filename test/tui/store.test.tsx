import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPreferences } from '../../src/config/preferences.js';
import type { ImageRecord } from '../../src/db/types.js';
import { testCaps } from '../../src/render/index.js';
import type { Library } from '../../src/db/library.js';
import type { CachePort, GraphicsPort, LibraryPort, LighttableServices } from '../../src/tui/services.js';
import { LighttableStore } from '../../src/tui/store.js';
import { makeCollection, makeStore, removeDir, renderApp, type Harness } from './fixture.js';

/** A library of `total` images that exist only as arithmetic, counting what is asked of it. */
function virtualLibrary(total: number) {
  const calls = { page: 0, maxLimit: 0, count: 0 };
  const record = (i: number): ImageRecord => ({
    id: i + 1,
    path: `/virtual/img-${i}.jpg`,
    filmRoll: '/virtual',
    filmRollId: 1,
    filename: `img-${i}.jpg`,
    fileSize: 1000,
    mtime: 1,
    width: 300,
    height: 200,
    orientation: 1,
    rotation: 0,
    maker: null,
    model: null,
    lens: null,
    exposureTime: null,
    fNumber: null,
    iso: null,
    focalLength: null,
    takenAt: null,
    rating: 0,
    rejected: false,
    labels: [],
    importedAt: '2025-01-01T00:00:00Z',
  });
  const port: LibraryPort = {
    count: () => (calls.count++, total),
    page: (_q, offset, limit) => {
      calls.page++;
      calls.maxLimit = Math.max(calls.maxLimit, limit);
      const out: ImageRecord[] = [];
      for (let i = offset; i < Math.min(total, offset + limit); i++) out.push(record(i));
      return out;
    },
    indexOf: (_q, id) => (id >= 1 && id <= total ? id - 1 : -1),
    get: (id) => (id >= 1 && id <= total ? record(id - 1) : undefined),
    filmRolls: () => [{ id: 1, path: '/virtual', imageCount: total }],
    rotate: () => undefined,
    remove: () => 0,
    applyCulling: async () => ({ errors: [] }),
    pairNames: () => new Map(),
    readOnlyReason: () => null,
    resyncSidecars: async () => false,
    undo: async () => undefined,
    redo: async () => undefined,
  };
  return { port, calls };
}

function services(library: LibraryPort): { services: LighttableServices; requested: Set<number>; aborted: Set<number> } {
  const requested = new Set<number>();
  const aborted = new Set<number>();
  const cache: CachePort = {
    // Never answers: every thumbnail stays pending, so we see exactly what is requested and cancelled.
    get: (subject, _level, opts) =>
      new Promise((_resolve, reject) => {
        requested.add(subject.id);
        opts?.signal?.addEventListener('abort', () => {
          aborted.add(subject.id);
          reject(new DOMException('aborted', 'AbortError'));
        });
      }),
    bestEffort: () => undefined,
    retryFailed: () => undefined,
    generateMissing: async () => undefined,
    setPreferences: () => undefined,
    notices: () => [],
    describeStats: () => [],
    averageEntryBytes: () => undefined,
    close: async () => undefined,
    closeSync: () => undefined,
  };
  const graphics: GraphicsPort = {
    caps: testCaps('kitty', { cellPx: { width: 10, height: 20 } }),
    inTree: false,
    encode: () => Promise.reject(new Error('not used')),
    skull: (_i, box) => Array.from({ length: box.rows }, () => ' '.repeat(box.cols)),
    frameUnits: () => ({ before: '', units: [] }),
    abandon: () => undefined,
    replaceAll: () => undefined,
    invalidate: () => undefined,
    clearAll: () => '',
  };
  return {
    services: { library, cache, graphics, prefs: defaultPreferences(), savePreferences: async () => {}, prefsFile: '/dev/null' },
    requested,
    aborted,
  };
}

describe('large libraries', () => {
  it('100,000 images: only the visible page is queried and requested (the next waits for it); scrolling away cancels', async () => {
    const { port, calls } = virtualLibrary(100_000);
    const { services: svc, requested, aborted } = services(port);
    const store = new LighttableStore(svc, { columns: 120, rows: 40 });
    const perPage = store.getSnapshot().layout.slots.length;
    expect(perPage).toBe(24);
    expect(calls.maxLimit).toBeLessThanOrEqual(perPage);
    // This page only: the next page is fetched once the visible slots are (they never are here).
    expect(requested.size).toBe(perPage);
    await store.run('grid.end');
    const snap = store.getSnapshot();
    expect(snap.state.cursor).toBe(99_999);
    expect(snap.current?.filename).toBe('img-99999.jpg');
    expect(calls.maxLimit).toBeLessThanOrEqual(perPage);
    // Everything requested for the first page was cancelled when it left the screen.
    for (let id = 1; id <= perPage; id++) expect(aborted.has(id)).toBe(true);
    for (let i = 0; i < 50; i++) await store.run('grid.pageUp');
    expect(calls.maxLimit).toBeLessThanOrEqual(perPage);
    expect(store.getSnapshot().records.size).toBeLessThanOrEqual(perPage + 1);
    await store.close();
  });
});

describe('rendering through the graphics layer (kitty, real encoder and painter)', () => {
  let root: string;
  let library: Library;
  let h: Harness;
  beforeAll(async () => {
    ({ root, library } = await makeCollection(40));
    h = await makeStore(library, root, { protocol: 'kitty' });
  });
  afterAll(async () => {
    await h.close();
    library.close();
    await removeDir(root);
  });

  it('transmits once, places by id after frames, deletes stale placements, reflows on resize', async () => {
    const app = renderApp(h.store, 120, 40);
    try {
      await app.waitForImages();
      await app.waitFor(() => true);
      let bytes = '';
      const drain = () => (bytes += app.screenBytes());
      await app.waitFor(() => (drain(), (bytes.match(/a=p,/g) ?? []).length >= 20), 'placements');
      expect(bytes).toMatch(/\x1b_G[^\x1b]*a=t[^\x1b]*q=2/); // pixels sent under an id, replies off
      expect(bytes).toMatch(/\x1b7\x1b\[\d+;\d+H\x1b_G[^\x1b]*a=p,i=\d+/); // placed at a cell, cursor saved
      // Next page: the old placements are deleted, new ones placed.
      bytes = '';
      await app.press('\x1b[6~');
      await app.waitForImages();
      await app.waitFor(() => (drain(), /a=d/.test(bytes) && /a=p,/.test(bytes)), 'delete + place');
      // Resize: the grid reflows to the new width.
      app.resize(60, 30);
      await app.waitFor((f) => f.split('\n')[1]!.replace(/\x1b\[[0-9;]*m/g, '').trimEnd().length <= 60, 'reflow to 60 columns');
      expect(h.store.getSnapshot().state.perRow).toBeLessThanOrEqual(6);
      expect(h.store.getSnapshot().state.columns).toBe(60);
      // Exit: every image removed.
      expect(h.store.graphics.clearAll()).toMatch(/a=d,d=A|a=d/);
    } finally {
      app.unmount();
    }
  });
});

describe('empty and tiny', () => {
  it('an empty library says how to import; a tiny terminal says it is too small', async () => {
    const { port } = virtualLibrary(0);
    const { services: svc } = services(port);
    const store = new LighttableStore(svc, { columns: 120, rows: 40 });
    const app = renderApp(store, 120, 40);
    try {
      await app.waitFor((f) => f.includes('No images here.') && f.includes('termtable ~/Pictures'), 'empty state');
      await app.press('j', 'x', 'w', '3'); // nothing to move to, view or rate: no crash
      app.resize(20, 8);
      await app.waitFor((f) => f.includes('terminal too small'), 'too small');
    } finally {
      app.unmount();
      await store.close();
    }
  });
});

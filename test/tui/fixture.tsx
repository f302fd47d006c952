import { EventEmitter } from 'node:events';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { render } from 'ink';
import { defaultPreferences, type Preferences } from '../../src/config/preferences.js';
import { MipmapCache } from '../../src/cache/mipmap-cache.js';
import { importFolders } from '../../src/db/import.js';
import { Library } from '../../src/db/library.js';
import { testCaps, type Protocol } from '../../src/render/index.js';
import { realServices } from '../../src/tui/adapters.js';
import type { Renderer } from '../../src/render/renderer.js';
import { App } from '../../src/tui/components/App.js';
import { KeypressProvider } from '../../src/tui/hooks/use-keypress.js';
import { LighttableStore } from '../../src/tui/store.js';
import { createGraphicsLayer } from '../../src/tui/graphics-layer.js';
import { FakeTtyStdin } from '../helpers/fake-tty.js';

/** A temp folder of photos synthesised with sharp: varied colours, one portrait, one corrupt file, one deleted after import. */
export async function makeCollection(count = 8): Promise<{ root: string; photos: string; library: Library; deleted: string; corrupt: string }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'termtable-tui-'));
  const photos = path.join(root, 'photos');
  const colours = ['#d33', '#3a3', '#33d', '#dd3', '#3dd', '#d3d', '#888', '#f80', '#08f', '#8f0', '#f08', '#0f8'];
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const portrait = i === 1;
    const file = path.join(photos, `img-${String(i).padStart(3, '0')}.jpg`);
    const img = sharp({ create: { width: portrait ? 200 : 300, height: portrait ? 300 : 200, channels: 3, background: colours[i % colours.length]! } });
    await import('node:fs/promises').then((fs) => fs.mkdir(photos, { recursive: true }));
    await img.jpeg().toFile(file);
    files.push(file);
  }
  const corrupt = path.join(photos, 'zz-corrupt.jpg');
  await writeFile(corrupt, Buffer.from('this is not a JPEG at all'));
  const deleted = path.join(photos, 'zz-gone.jpg');
  await sharp({ create: { width: 60, height: 40, channels: 3, background: '#fff' } }).jpeg().toFile(deleted);
  const library = Library.open(path.join(root, 'data', 'library.db'));
  await importFolders(library, [photos]);
  await unlink(deleted);
  return { root, photos, library, deleted, corrupt };
}

export interface Harness {
  store: LighttableStore;
  cache: MipmapCache;
  prefsFile: string;
  /** The services' renderers (the last is current), for what they count. */
  renderers: readonly Renderer[];
  close(): Promise<void>;
}

export async function makeStore(
  library: Library,
  root: string,
  opts: { protocol?: Protocol; columns?: number; rows?: number; prefs?: Partial<Preferences>; onQuit?: () => void } = {},
): Promise<Harness> {
  const prefs = { ...defaultPreferences(), concurrency: 2, ...opts.prefs };
  const cache = await MipmapCache.open({
    libraryPath: library.file,
    prefs,
    diskDir: path.join(root, 'cache', 'mipmaps.d'),
    cacheFile: path.join(root, 'cache', 'mipmaps.cache'),
  });
  const prefsFile = path.join(root, 'config', 'config.json');
  const { services, renderers } = realServices({ library, cache, caps: testCaps(opts.protocol ?? 'blocks'), prefs });
  const { savePreferences } = await import('../../src/config/preferences.js');
  services.savePreferences = (p) => savePreferences(p, prefsFile);
  services.prefsFile = prefsFile;
  const store = new LighttableStore(services, {
    columns: opts.columns ?? 120,
    rows: opts.rows ?? 40,
    ...(opts.onQuit ? { onQuit: opts.onQuit } : {}),
  });
  return {
    store,
    cache,
    prefsFile,
    renderers,
    async close() {
      await store.close();
      await Promise.all(renderers.map((r) => r.close()));
    },
  };
}

class FakeStdout extends EventEmitter {
  frames: string[] = [];
  isTTY = false;
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write = (chunk: string) => {
    this.frames.push(chunk);
    return true;
  };
}

/**
 * Ink with a stdout of a chosen size and a stdin to type into; frames polled, never slept on.
 * Ink writes through the real graphics layer: `lastFrame()` is Ink's last frame, `screenBytes()`
 * everything the terminal received (frames and the images painted after them).
 */
export function renderApp(store: LighttableStore, columns = 120, rows = 40) {
  const stdout = new FakeStdout(columns, rows);
  const stdin = new FakeTtyStdin();
  const layer = createGraphicsLayer({ stdout: stdout as never, store, idlePaintMs: 5 });
  const frames: string[] = [];
  const inkOut = new Proxy(layer.stdout, {
    get(target, prop, receiver) {
      if (prop === 'write') {
        return (chunk: string, ...rest: unknown[]) => {
          frames.push(chunk);
          return (target.write as (...a: unknown[]) => boolean)(chunk, ...rest);
        };
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
  const ink = render(
    <KeypressProvider>
      <App store={store} />
    </KeypressProvider>,
    { stdout: inkOut as never, stdin: stdin as never, debug: true, exitOnCtrlC: false, patchConsole: false },
  );
  const lastFrame = () => frames.at(-1) ?? '';
  // Generous: a loaded 2-core machine (CI beside other work) can take seconds per frame. Under
  // the test timeout (60 s), so that a failure shows the last frame.
  const waitFor = async (pred: (frame: string) => boolean, what = 'frame', timeoutMs = 45_000): Promise<string> => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const f = lastFrame();
      if (pred(f)) return f;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last frame:\n${f}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return {
    stdout,
    lastFrame,
    /** How many frames Ink has rendered so far. */
    frameCount: () => frames.length,
    /** Everything written to the terminal since the last call (or the start). */
    screenBytes() {
      const all = stdout.frames.join('');
      stdout.frames = [];
      return all;
    },
    /** Sends raw key bytes, one event per call (as a terminal would). */
    async press(...keys: string[]) {
      for (const k of keys) {
        stdin.write(k);
        // Ink holds a lone ESC for one turn of the event loop to tell it from Alt+key.
        if (k === '\x1b') await new Promise((r) => setImmediate(r));
      }
    },
    waitFor,
    /** Waits until every slot on screen shows its image (not a placeholder or stand-in), written to the terminal. */
    waitForImages: async (timeoutMs = 60_000) => {
      const frame = await waitFor(() => {
        const snap = store.getSnapshot();
        return [...snap.thumbs.values()].every((v) => v.status === 'failed' || (v.status === 'ready' && !v.standIn));
      }, 'every thumbnail', timeoutMs);
      await layer.whenIdle();
      return frame;
    },
    /** Resolves once the graphics layer has written everything the store wants now. */
    painted: () => layer.whenIdle(),
    /** What a re-attach, a resume or a focus-in in tmux does: everything is sent again. */
    redrawAll: () => layer.redrawAll(),
    resize(c: number, r: number) {
      stdout.columns = c;
      stdout.rows = r;
      stdout.emit('resize');
    },
    unmount: () => {
      ink.unmount();
      layer.dispose();
    },
  };
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

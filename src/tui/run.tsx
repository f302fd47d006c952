import { render } from 'ink';
import type { Preferences, ProtocolPref } from '../config/preferences.js';
import { loadPreferences } from '../config/preferences.js';
import { MipmapCache } from '../cache/mipmap-cache.js';
import type { Library } from '../db/library.js';
import type { CollectionQuery } from '../db/types.js';
import { detectTerminal, type Renderer } from '../render/index.js';
import { resolveOverride } from '../render/detect.js';
import { sanitizeText } from '../util/sanitize.js';
import { realServices } from './adapters.js';
import { App } from './components/App.js';
import { createGraphicsLayer } from './graphics-layer.js';
import { KeypressProvider } from './hooks/use-keypress.js';
import { LighttableStore } from './store.js';
import { applyColourLevel } from './theme.js';
import { drainReplies, ENTER_TERMINAL, LEAVE_TERMINAL, setBlockingWrites } from './terminal.js';
import { watchReattach } from './reattach.js';
import { createReprobe, reprobeOnReattach } from './reprobe.js';
import { thumbnailPrefs } from './memory-budget.js';
import { boundHeapGrowth } from './heap-bound.js';
import { BackgroundScoring } from './background-scoring.js';
import { holdProcessWarnings } from './held-warnings.js';
import type { LighttableStart } from './start.js';
import { trace, traceCollections, tracing } from './screen/trace.js';

export interface RunLighttableOptions {
  library: Library;
  /** --protocol flag. @default undefined (preference, then detection) */
  protocol?: ProtocolPref;
  /** @default process.stdin */
  stdin?: NodeJS.ReadStream;
  /** @default process.stdout */
  stdout?: NodeJS.WriteStream;
  /** Preferences to use instead of the config file (tests). @default loaded from config.json */
  prefs?: Preferences;
  /** The collection to open on (`termtable DIR` opens DIR's film roll). @default all film rolls, by capture time */
  query?: CollectionQuery;
  /**
   * The preferences and the terminal probe, started before this module was loaded (start.ts,
   * from src/cli/lighttable.ts). @default loaded and probed here
   */
  start?: LighttableStart;
}

/**
 * Runs the lighttable until the user quits. Initialises in dependency order (preferences,
 * terminal detection before Ink takes stdin, cache, store, graphics layer, Ink) and always
 * restores the terminal and saves the cache file: on quit, Ctrl-C, SIGTERM/SIGHUP and on
 * an uncaught exception.
 */
export interface LighttableExit {
  /** The signal that ended it, when one did (the caller exits 128 + its number). */
  signal?: NodeJS.Signals;
}

export async function runLighttable(opts: RunLighttableOptions): Promise<LighttableExit> {
  // The JS heap stays near its live size: the picture caches' byte bounds are then what RSS costs.
  boundHeapGrowth();
  const warnings = holdProcessWarnings();
  const stdin = opts.stdin ?? process.stdin;
  const stdout = opts.stdout ?? process.stdout;
  const loaded = opts.start?.loaded ?? (opts.prefs ? { prefs: opts.prefs } : await loadPreferences());
  const prefs = loaded.prefs;
  const detection =
    opts.start?.detection ??
    (await detectTerminal({
      input: stdin as never,
      output: stdout,
      ...(opts.protocol ? { flag: opts.protocol } : {}),
      preference: prefs.protocol,
    }));
  traceCollections();
  if (tracing) trace('run', `prefs and probe ready ${performance.now().toFixed(0)} ms after the process started`);
  // The cache's share of the memory bound; encoded pictures get the rest (memory-budget.ts).
  // Focus scores for images without one: every thumbnail job measures, the rest are walked at low priority.
  let liveStore: LighttableStore | undefined;
  const scoring = new BackgroundScoring(opts.library, () => liveStore?.getSnapshot().prefs ?? prefs);
  const cache = await MipmapCache.open({ libraryPath: opts.library.file, prefs: thumbnailPrefs(prefs), makeThumbnails: scoring.maker });
  // Replaced when a different terminal re-attaches (reprobe.ts); capsFor reads it then.
  let detectedCaps = detection.caps;
  // Text colour follows what was detected, not chalk's TERM allow-list (TERM=mlterm had none).
  applyColourLevel(detectedCaps);
  const { services, renderers } = realServices({
    library: opts.library,
    cache,
    caps: detectedCaps,
    prefs,
    ...(loaded.warning ? { prefsWarning: loaded.warning } : {}),
    capsFor: (pref) => ({
      ...detectedCaps,
      protocol: pref === 'auto' ? detectedCaps.protocol : pref === 'blocks' ? 'blocks' : pref,
      kittyPlaceholders: pref === 'auto' || pref === 'kitty' ? detectedCaps.kittyPlaceholders : false,
    }),
  });

  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const store = new LighttableStore(services, {
    columns: stdout.columns || 80,
    rows: stdout.rows || 24,
    onQuit: () => resolveDone(),
    ...(opts.query ? { query: opts.query } : {}),
  });
  liveStore = store;
  scoring.start({ whenIdle: () => store.idle(), onScored: () => store.dataChanged() });
  const layer = createGraphicsLayer({ stdout, store, ackPacing: Boolean(stdout.isTTY && stdin.isTTY), idleRttMs: detection.rttMs });

  let restored = false;
  const restoreTerminal = () => {
    if (restored) return;
    restored = true;
    layer.dispose();
    try {
      // Blocking again, so what is left is written before the process goes on.
      setBlockingWrites(stdout, true);
      stdout.write(layer.clearAll() + LEAVE_TERMINAL);
    } catch {
      // The terminal may already be gone (SIGHUP); nothing left to restore.
    }
  };

  stdout.write(ENTER_TERMINAL);
  setBlockingWrites(stdout, false);
  // Ctrl-Z: the terminal goes back to the shell as it was, the process stops; `fg` sends
  // SIGCONT, which restores the modes here and (watchReattach) redraws everything.
  let suspended = false;
  services.suspend = () => {
    suspended = true;
    // The picture being written stops cleanly first (the picture thread writes no more after
    // the terminal is handed back); SIGCONT draws everything again (watchReattach).
    layer.holdPictures();
    layer.settle();
    setBlockingWrites(stdout, true);
    stdout.write(LEAVE_TERMINAL);
    if (stdin.isTTY) stdin.setRawMode(false);
    process.kill(process.pid, 'SIGTSTP');
  };
  const onResume = () => {
    if (!suspended) return;
    suspended = false;
    if (stdin.isTTY) stdin.setRawMode(true);
    stdout.write(ENTER_TERMINAL);
    setBlockingWrites(stdout, false);
  };
  process.on('SIGCONT', onResume);
  const reprobe = createReprobe({
    write: (q) => layer.writeControl(q),
    override: resolveOverride(opts.protocol, process.env, undefined),
    size: () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 }),
  });
  const onReattach = reprobeOnReattach({
    layer,
    store,
    reprobe,
    caps: () => detectedCaps,
    setCaps: (caps) => {
      detectedCaps = caps;
      applyColourLevel(caps);
    },
  });
  const reattach = watchReattach({ caps: detectedCaps, onLost: () => layer.redrawAll(), onReattach });
  // Ink's debug mode writes each frame whole and unthrottled into the layer, which owns the
  // terminal: it writes only the cells that changed (Ink's own modes rewrite every line, and its
  // incrementalRendering shifted rows inside multi-line cells in tmux).
  const ink = render(
    <KeypressProvider
      onInput={(raw) => {
        reattach.input();
        reprobe.input(raw);
      }}
      onReports={(r) => {
        for (let i = 0; i < r.dsr; i++) layer.answered();
        if (r.focusIn) reattach.focusIn();
      }}
    >
      <App store={store} />
    </KeypressProvider>,
    {
      stdout: layer.stdout,
      stdin,
      exitOnCtrlC: false,
      patchConsole: false,
      debug: true,
      // Ink's own time for a frame (React's commit to the frame's text) in the timeline.
      ...(tracing ? { onRender: ({ renderTime }: { renderTime: number }) => trace('ink-frame', `${renderTime.toFixed(1)} ms`) } : {}),
    },
  );
  if (tracing) trace('run', `first frame rendered ${performance.now().toFixed(0)} ms after the process started`);

  const exit: LighttableExit = {};
  const onSignal = (signal: NodeJS.Signals) => {
    exit.signal = signal;
    resolveDone();
  };
  const onCrash = (err: unknown) => {
    try {
      ink.unmount();
    } catch {
      // already unmounted
    }
    restoreTerminal();
    warnings.release();
    try {
      cache.closeSync();
    } catch {
      // best effort: the disk backend already holds every thumbnail made
    }
    process.stderr.write(`termtable: ${sanitizeText(err instanceof Error ? (err.stack ?? err.message) : String(err))}\n`);
    process.exit(1);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  process.on('SIGINT', onSignal);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  try {
    await done;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    process.off('SIGINT', onSignal);
    ink.unmount();
    reattach.stop();
    process.off('SIGCONT', onResume);
    const lateAnswers = detection.timedOut || layer.busy;
    restoreTerminal();
    // Answers still on the link must not reach the shell as typed text.
    await drainReplies(stdin, stdout, lateAnswers ? 2000 : 300);
    try {
      if (stdin.isTTY) stdin.setRawMode(false);
    } catch {
      // gone
    }
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    warnings.release();
    await scoring.close();
    await store.close();
    await Promise.all(renderers.map((r: Renderer) => r.close()));
  }
  return exit;
}

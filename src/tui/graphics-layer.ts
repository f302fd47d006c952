import type { PaintUnit } from '../render/painter.js';
import type { CellRect, Placement } from '../render/types.js';
import { AckWindow } from './screen/ack-window.js';
import { foregroundBegin, foregroundEnd } from './screen/foreground.js';
import { blankBeneath, pictureMasks, type PictureMask } from './screen/picture-masks.js';
import { PictureThread } from './screen/picture-thread.js';
import { TerminalWriter } from './screen/terminal-writer.js';
import { TextScreen } from './screen/text-screen.js';
import { trace, tracing } from './screen/trace.js';
import type { LighttableStore } from './store.js';

/**
 * Everything the lighttable writes to the terminal goes through here. Ink renders in its debug
 * mode into a proxy of stdout, so each write is one whole frame and nothing reaches the
 * terminal from Ink directly; the layer turns the newest frame into a cell diff (text-screen.ts)
 * that never touches a picture's cells, asks the painter for the pictures that are new or
 * changed, and hands both to the writer (terminal-writer.ts), which paces pictures to the link
 * and drops those no longer on screen.
 *
 * Ink 6.8's onRender fires before the frame is written and useStdout().write redraws the
 * frame, so neither can place images; owning the stream can.
 */

export interface GraphicsLayerOptions {
  /** The real output stream. */
  stdout: NodeJS.WriteStream;
  store: LighttableStore;
  /** Called when everything queued has been written (benchmarks measure key → last byte). */
  onPainted?: () => void;
  /** Pace pictures by DSR answers (a real terminal that answers them). @default false */
  ackPacing?: boolean;
  /** The link's round trip measured by the start-up probe (sizes the pacing window). */
  idleRttMs?: number | null;
  /** Paint after a store update that no Ink frame followed (a picture arriving). @default 10 */
  idlePaintMs?: number;
  /** Write big pictures from a thread of their own (screen/picture-thread.ts) when stdout is a TTY. @default true */
  pictureThread?: boolean;
}

export interface GraphicsLayer {
  /** The stream to give Ink's render() (with `debug: true`). */
  stdout: NodeJS.WriteStream;
  /** Writes now what the store wants on screen. */
  paintNow(): void;
  /** The terminal may have lost everything (re-attach, resume, focus back): draw it all again. */
  redrawAll(): void;
  /**
   * Stops sending pictures (the one in flight is ended cleanly) until redrawAll(): the terminal
   * is being asked what it is, and pictures in the wrong protocol would be bytes for nothing.
   */
  holdPictures(): void;
  /**
   * Waits (blocking, at most 2 s) until the picture thread has stopped writing, so that the
   * terminal can be written to directly (Ctrl-Z). Use after holdPictures().
   */
  settle(): void;
  /** Bytes for the terminal itself (queries), written between pictures. */
  writeControl(bytes: string): void;
  /** The terminal answered a DSR mark (see ack-window.ts). */
  answered(): void;
  /** Whether picture bytes are still queued. */
  readonly busy: boolean;
  /** Resolves once everything the store wants now has been written (tests, benchmarks). */
  whenIdle(): Promise<void>;
  /** Bytes that remove every image, plus whatever text was queued (for the exit path). */
  clearAll(): string;
  dispose(): void;
}

export function createGraphicsLayer(opts: GraphicsLayerOptions): GraphicsLayer {
  const real = opts.stdout;
  const realWrite = real.write.bind(real) as (chunk: string | Uint8Array) => boolean;
  const { store } = opts;
  const idlePaintMs = opts.idlePaintMs ?? 10;
  const screen = new TextScreen(real.columns || 80, real.rows || 24);
  let frameLines: string[] = [];
  /** Per slot, the picture last handed over and the cells it covers. */
  let shownMasks = new Map<string, PictureMask>();
  /** Cells of pictures wiped that no new picture was drawn over yet (picture-masks.ts). */
  let wiped: CellRect[] = [];
  // Whatever the terminal shows after a resize or a resume, each picture starts on blank cells.
  const wholeScreen = (): CellRect => ({ col: 0, row: 0, cols: screen.columns, rows: screen.rows });
  let disposed = false;
  let held = false;
  let flushQueued = false;
  let idleTimer: NodeJS.Timeout | null = null;
  let wantedCache: { snapshot: unknown; bySlot: Map<string, Placement>; ids: Set<number>; aheadIds: Set<number> } | null = null;
  /**
   * Pictures of the frame are queued: a neighbour's transfer ahead (see flush) gives way to
   * them. And whether neighbours were held back while the writer was busy (sent once it is idle).
   */
  let foreground = false;
  let aheadDue = false;
  let idleWaiters: (() => void)[] = [];
  /** The state of the last snapshot whose pictures were written ahead of its frame (see subscribe). */
  let ledState: unknown = null;
  const thread = opts.pictureThread === false ? null : PictureThread.open(real);
  // Pictures a burst of page turns holds back are still wanted: not settled until they are written.
  const settled = () => !flushQueued && !idleTimer && !writer.busy && !store.pictureWork().held;
  const painted = () => {
    foreground = false;
    // Handed to the stream is not written yet: a whole sixel is one write through tmux.
    if (!real.writableNeedDrain) foregroundEnd();
    if (aheadDue) {
      aheadDue = false;
      queueFlush();
    }
    opts.onPainted?.();
    if (!settled()) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  };

  const current = () => {
    const snapshot = store.getSnapshot();
    if (wantedCache?.snapshot !== snapshot) {
      const bySlot = new Map<string, Placement>();
      const ids = new Set<number>();
      for (const p of store.placements()) {
        bySlot.set(p.key, p);
        if (p.image.imageId !== null) ids.add(p.image.imageId);
      }
      const aheadIds = new Set<number>();
      for (const img of store.pictureWork().ahead) if (img.imageId !== null) aheadIds.add(img.imageId);
      wantedCache = { snapshot, bySlot, ids, aheadIds };
    }
    return wantedCache;
  };

  const writer = new TerminalWriter({
    sink: { write: (d) => realWrite(d), once: (e, l) => real.once(e, l) },
    sync: Boolean(real.isTTY),
    ...(opts.ackPacing ? { flow: new AckWindow(opts.idleRttMs ? { idleRttMs: opts.idleRttMs } : {}) } : {}),
    thread,
    wanted(unit: PaintUnit) {
      const { bySlot, ids, aheadIds } = current();
      if (unit.kind === 'transmit') {
        if (unit.imageId === null) return false;
        return ids.has(unit.imageId) || (unit.ahead === true && !foreground && aheadIds.has(unit.imageId));
      }
      const p = bySlot.get(unit.slot);
      return p !== undefined && p.image.key === unit.imageKey;
    },
    abandoned(unit: PaintUnit) {
      store.graphics.abandon(unit);
      // A picture cut short may have left part of itself: the text there is written again.
      if (unit.kind === 'place') {
        screen.forget(unit.rect);
        shownMasks.delete(unit.slot);
      }
      queueFlush();
    },
    onIdle: () => painted(),
  });

  /**
   * `picturesFirst`: a key changed the view and its frame is still to be rendered: the pictures
   * it brings are written now (from the picture thread, while Ink renders), the text diff with
   * the frame. The picture rects are known from the store's layout, not from the frame.
   */
  const flush = (picturesFirst = false) => {
    if (!picturesFirst) flushQueued = false;
    if (disposed) return;
    const placements = store.placements();
    // Pictures that left, moved or were replaced: their cells show the frame's text again.
    const { masks, rewrite } = pictureMasks(shownMasks, placements);
    for (const rect of rewrite) screen.forget(rect);
    shownMasks = masks;
    // In a burst of page turns no picture is written until the keys settle (the pipeline's hold,
    // which asks for a flush when it ends): the text goes at once, the old pictures stay
    // under it meanwhile. The neighbours go only onto an idle link: a key's own pictures never
    // queue behind them.
    const work = store.pictureWork();
    const paused = held || work.held;
    // Ahead of a frame only its own pictures: the neighbours follow with the frame.
    const ahead = paused || writer.busy || picturesFirst ? [] : work.ahead;
    if (!paused && (writer.busy || picturesFirst) && work.ahead.length > 0) aheadDue = true;
    const { before, units } = paused ? { before: '', units: [] } : store.graphics.frameUnits(placements, ahead);
    // Sixel and iTerm2 pixels stay until something is written over them (a re-attach may change the protocol).
    const { protocol } = store.graphics.caps;
    wiped = protocol === 'sixel' || protocol === 'iterm2' ? blankBeneath(units, [...wiped, ...rewrite]) : [];
    if (units.some((u) => !u.ahead)) foreground = true;
    // Work ahead waits only while a frame's own pictures are written (screen/foreground.ts).
    if (!foreground) foregroundEnd();
    const text = picturesFirst ? '' : screen.diff(frameLines, [...masks.values()].map((m) => m.rect));
    if (tracing) trace('flush', `${picturesFirst ? 'pictures first ' : ''}placements ${placements.length} units ${units.length} text ${text.length}${held ? ' (pictures held)' : work.held ? ' (burst hold)' : ''}`);
    writer.submit(store.takePendingBytes() + before, text, units, picturesFirst);
    if (!writer.busy) painted();
  };

  function queueFlush() {
    if (flushQueued || disposed) return;
    flushQueued = true;
    setImmediate(flush);
  }

  const cancelIdle = () => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = null;
  };

  const write = (chunk: string | Uint8Array): boolean => {
    if (disposed) return true;
    // Ink in debug mode: each write is a whole frame.
    frameLines = (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')).split('\n');
    if (tracing) trace('frame', String(frameLines.length));
    // Work ahead that would start before the flush waits for it (see flush).
    foregroundBegin();
    cancelIdle();
    queueFlush();
    return true;
  };

  const proxy = new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'write') return write;
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });

  const onResize = () => {
    // Everything moved: every cell is written again and every picture placed again.
    screen.invalidate(real.columns || screen.columns, real.rows || screen.rows);
    shownMasks.clear();
    wiped = [wholeScreen()];
    writer.dropPictures();
    store.graphics.replaceAll();
    queueFlush();
  };
  real.on('resize', onResize);

  // A store update that changes only pixels (a thumbnail arrived) produces no Ink frame.
  const unsubscribe = store.subscribe(() => {
    wantedCache = null;
    if (disposed) return;
    // A new state (a key): this listener runs before React's (the layer subscribes before Ink
    // mounts the App), which renders the frame at once (a legacy root renders an external
    // store's update synchronously), so the pictures it brings go first and drain meanwhile.
    const { state } = store.getSnapshot();
    if (state !== ledState) {
      ledState = state;
      foregroundBegin();
      flush(true);
    }
    if (idleTimer) return;
    idleTimer = setTimeout(() => {
      idleTimer = null;
      queueFlush();
    }, idlePaintMs);
    idleTimer.unref?.();
  });

  return {
    stdout: proxy,
    paintNow: flush,
    holdPictures() {
      held = true;
      writer.dropPictures();
    },
    settle: () => writer.settle(),
    writeControl: (bytes) => writer.submit(bytes, '', []),
    redrawAll() {
      held = false;
      screen.invalidate(real.columns || screen.columns, real.rows || screen.rows);
      shownMasks.clear();
      wiped = [wholeScreen()];
      writer.dropPictures();
      store.graphics.invalidate();
      queueFlush();
    },
    answered: () => writer.answered(),
    whenIdle() {
      if (settled()) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    get busy() {
      return writer.busy;
    },
    clearAll: () => writer.close() + store.takePendingBytes() + store.graphics.clearAll(),
    dispose() {
      disposed = true;
      writer.settle();
      writer.dropPictures();
      thread?.close();
      foregroundEnd();
      cancelIdle();
      real.off('resize', onResize);
      unsubscribe();
    },
  };
}

import type { LighttableStore } from './store.js';

/**
 * The one writer of out-of-band image bytes. Ink is handed a proxy of the real stdout;
 * each frame Ink writes is bracketed by the painter's bytes: `before` (erase stale images)
 * ahead of it and `after` (place the wanted ones, cursor saved and restored) behind it.
 * Ink 6.8's onRender fires before the frame is written and useStdout().write redraws the
 * frame, so neither can place images; wrapping the stream can.
 *
 * On a TTY, Ink wraps every frame in synchronised-output markers (DEC 2026) written as
 * separate chunks, so the images go inside the same atomic update. Elsewhere (tests, CI)
 * the images follow the frame on the next turn of the event loop. Snapshots that change
 * only pixels (a thumbnail arriving where a blank box already was) produce no Ink frame,
 * so the layer also paints after store updates that no frame followed.
 */

const BSU = '\x1b[?2026h';
const ESU = '\x1b[?2026l';
const CLEAR_SCREEN = '\x1b[2J';

export interface GraphicsLayerOptions {
  /** The real output stream. */
  stdout: NodeJS.WriteStream;
  store: LighttableStore;
  /** Called after every write of image bytes (benchmarks measure key → frame + images). @default undefined */
  onPainted?: () => void;
  /** Wait after a store update before painting without a frame (Ink's own frame usually comes first). @default 40 */
  idlePaintMs?: number;
}

export interface GraphicsLayer {
  /** The stream to give Ink's render(). */
  stdout: NodeJS.WriteStream;
  /** Paints now what the store wants on screen (outside any frame). */
  paintNow(): void;
  /** Bytes that remove every image (for the exit path). */
  clearAll(): string;
  dispose(): void;
}

export function createGraphicsLayer(opts: GraphicsLayerOptions): GraphicsLayer {
  const real = opts.stdout;
  const realWrite = real.write.bind(real) as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
  const idlePaintMs = opts.idlePaintMs ?? 40;
  let pendingAfter: string | null = null;
  let inFrame = false;
  let afterTimer: NodeJS.Immediate | null = null;
  let idleTimer: NodeJS.Timeout | null = null;
  let disposed = false;

  const frameBytes = () => {
    const { graphics } = opts.store;
    const extra = opts.store.takePendingBytes();
    const { before, after } = graphics.frame(opts.store.placements());
    return { before: extra + before, after };
  };

  const cancelIdle = () => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = null;
  };

  const flushAfter = () => {
    afterTimer = null;
    if (pendingAfter) realWrite(pendingAfter);
    pendingAfter = null;
    opts.onPainted?.();
  };

  const write = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    if (disposed || typeof chunk !== 'string') return realWrite(chunk, ...rest);
    if (chunk.includes(CLEAR_SCREEN)) opts.store.graphics.invalidate();
    if (chunk === BSU) {
      cancelIdle();
      inFrame = true;
      const { before, after } = frameBytes();
      pendingAfter = after;
      return realWrite(BSU + before, ...rest);
    }
    if (chunk === ESU && inFrame) {
      inFrame = false;
      const after = pendingAfter ?? '';
      pendingAfter = null;
      const ok = realWrite(after + ESU, ...rest);
      opts.onPainted?.();
      return ok;
    }
    if (inFrame) return realWrite(chunk, ...rest);
    // Not synchronised (not a TTY): bracket this burst of writes ourselves.
    cancelIdle();
    if (afterTimer === null) {
      const { before, after } = frameBytes();
      pendingAfter = after;
      afterTimer = setImmediate(flushAfter);
      return realWrite(before + chunk, ...rest);
    }
    return realWrite(chunk, ...rest);
  };

  const proxy = new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'write') return write;
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });

  const paintNow = () => {
    cancelIdle();
    if (disposed) return;
    const { before, after } = frameBytes();
    if (before || after) {
      realWrite(real.isTTY ? BSU + before + after + ESU : before + after);
      opts.onPainted?.();
    }
  };

  const unsubscribe = opts.store.subscribe(() => {
    if (disposed || idleTimer) return;
    idleTimer = setTimeout(paintNow, idlePaintMs);
    idleTimer.unref?.();
  });

  return {
    stdout: proxy,
    paintNow,
    clearAll: () => opts.store.takePendingBytes() + opts.store.graphics.clearAll(),
    dispose() {
      disposed = true;
      cancelIdle();
      if (afterTimer) clearImmediate(afterTimer);
      unsubscribe();
    },
  };
}

import type { Preferences } from '../config/preferences.js';
import { COLOR_LABELS, type CollectionQuery, type CullingChange, type ImageRecord } from '../db/types.js';
import { LEVEL_SIZES, type Level, type ThumbCause, type Thumb, type ThumbResult } from '../cache/types.js';
import type { CellPx, Placement, RenderedImage } from '../render/types.js';
import { sanitizeText } from '../util/sanitize.js';
import type { Action } from './keymap.js';
import { computeGrid, DEFAULT_CELL_PX, fitImage } from './layout.js';
import type { GenerationProgress, GraphicsPort, LighttableServices } from './services.js';
import { describeFilter, parseFilter, withFilter } from './state/filter.js';
import {
  hasSelection,
  initialState,
  nextSort,
  reduce,
  type LighttableState,
  type Move,
  type StateAction,
} from './state/lighttable.js';
import { PREF_ROWS } from './state/prefs.js';
import { viewLayout, type ScreenSlot, type ViewLayout } from './state/view-layout.js';

/** What a slot shows: nothing yet, a skull, or an encoded picture. */
export type ThumbView =
  | { status: 'pending' }
  | { status: 'failed'; cause: ThumbCause; detail: string }
  | {
      status: 'ready';
      image: RenderedImage;
      offline: boolean;
      standIn: boolean;
      /** Drawn as text inside the tree (kitty placeholders); otherwise painted over blank cells. */
      inTree: boolean;
    };

export interface LighttableSnapshot {
  state: LighttableState;
  layout: ViewLayout;
  /** Records of the slots on screen, by collection index. */
  records: ReadonlyMap<number, ImageRecord>;
  /** Records of the culling view, by id. */
  cullingRecords: ReadonlyMap<number, ImageRecord>;
  /** The image under the cursor. */
  current: ImageRecord | undefined;
  /** What each slot shows, by slot key (see slotKey). */
  thumbs: ReadonlyMap<string, ThumbView>;
  generation: (GenerationProgress & { running: boolean }) | null;
  prefs: Preferences;
  filmRolls: readonly { id: number; path: string; imageCount: number }[];
  quit: boolean;
}

/** Slot identity: the image and the box it is drawn in. */
export function slotKey(id: number, slot: ScreenSlot): string {
  return `${id}@${slot.slot.image.cols}x${slot.slot.image.rows}`;
}

const RENDER_CACHE_MAX = 600;

export interface StoreOptions {
  columns: number;
  rows: number;
  /** Called once when the user quits (q, Ctrl-C). */
  onQuit?: () => void;
  /** Thumbnails per row at start. @default 6 */
  thumbsPerRow?: number;
  query?: CollectionQuery;
}

/**
 * The lighttable's controller: holds the reducer state, runs the effects around it
 * (library queries for the visible page only, culling writes, thumbnail requests with
 * cancellation) and publishes immutable snapshots for useSyncExternalStore.
 */
export class LighttableStore {
  readonly services: LighttableServices;
  #state: LighttableState;
  #layout!: ViewLayout;
  #records = new Map<number, ImageRecord>();
  #cullingRecords = new Map<number, ImageRecord>();
  #windowKey = '';
  #dataVersion = 0;
  #listeners = new Set<() => void>();
  #snapshot!: LighttableSnapshot;
  #notifyQueued = false;
  #rendered = new Map<string, RenderedImage>();
  #failed = new Map<number, { cause: ThumbCause; detail: string }>();
  #encoding = new Map<string, Promise<void>>();
  #requests = new Map<string, AbortController>();
  #generation: (GenerationProgress & { running: boolean }) | null = null;
  #generationAbort: AbortController | null = null;
  #prefs: Preferences;
  #filmRolls: { id: number; path: string; imageCount: number }[] = [];
  #quit = false;
  #onQuit: (() => void) | undefined;
  #closed = false;

  constructor(services: LighttableServices, opts: StoreOptions) {
    this.services = services;
    this.#prefs = services.prefs;
    this.#onQuit = opts.onQuit;
    const query = opts.query ?? { sort: 'taken' };
    this.#state = initialState({
      columns: opts.columns,
      rows: opts.rows,
      total: services.library.count(query),
      query,
      ...(opts.thumbsPerRow !== undefined ? { thumbsPerRow: opts.thumbsPerRow } : {}),
    });
    if (services.prefsWarning) this.#state = { ...this.#state, message: sanitizeText(services.prefsWarning) };
    this.#relayout();
    this.#refresh();
  }

  get graphics(): GraphicsPort {
    return this.services.graphics;
  }

  get cellPx(): CellPx {
    return this.services.graphics.caps.cellPx ?? DEFAULT_CELL_PX;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  getSnapshot = (): LighttableSnapshot => this.#snapshot;

  // ── inputs ─────────────────────────────────────────────────────────────────────────

  resize(columns: number, rows: number): void {
    if (columns === this.#state.columns && rows === this.#state.rows) return;
    this.#state = { ...this.#state, columns, rows };
    this.#relayout();
    this.#refresh();
  }

  /** Shows an unexpected error from an action in the status bar (the app keeps running). */
  report(err: unknown): void {
    this.#message(`error: ${sanitizeText(err instanceof Error ? err.message : String(err))}`);
  }

  /** Text typed into an open prompt. */
  typeText(text: string): void {
    const o = this.#state.overlay;
    if (o?.kind !== 'prompt') return;
    this.#apply({ type: 'overlay', overlay: { ...o, text: o.text + text } });
  }

  /** Runs one keymap action. Returns once any library write it caused is done. */
  async run(action: Action): Promise<void> {
    if (this.#closed) return;
    const s = this.#state;
    if (action.startsWith('grid.') && action !== 'grid.fewerPerRow' && action !== 'grid.morePerRow') {
      this.#apply({ type: 'move', move: action.slice(5) as Move });
      return;
    }
    if (action.startsWith('image.rate.')) return this.#cull({ rating: Number(action.slice(11)) });
    if (action.startsWith('image.label.')) {
      const label = COLOR_LABELS.find((l) => l === action.slice(12));
      if (label) return this.#cull({ toggleLabels: [label] });
      return;
    }
    switch (action) {
      case 'grid.fewerPerRow':
      case 'grid.morePerRow': {
        const delta = action === 'grid.fewerPerRow' ? -1 : 1;
        this.#state = reduce(s, { type: 'setPerRow', thumbsPerRow: s.perRow + delta });
        this.#relayout();
        this.#refresh();
        return;
      }
      case 'image.reject':
        return this.#cull({ toggleReject: true });
      case 'image.rotateCw':
      case 'image.rotateCcw': {
        const ids = this.#targets();
        if (!ids.length) return;
        this.services.library.rotate(ids, action === 'image.rotateCw' ? 1 : -1);
        for (const id of ids) this.#failed.delete(id);
        this.#dataChanged();
        return;
      }
      case 'image.remove': {
        const ids = this.#targets();
        if (!ids.length) return;
        const what = ids.length === 1 ? sanitizeText(this.#recordById(ids[0]!)?.filename ?? 'this image') : `${ids.length} images`;
        this.#apply({
          type: 'overlay',
          overlay: { kind: 'confirm', ids, question: `Remove ${what} from the library? The files stay on disk. [y/N]` },
        });
        return;
      }
      case 'selection.toggle': {
        const cur = this.#snapshot.current;
        if (cur) this.#apply({ type: 'selection.toggle', id: cur.id });
        return;
      }
      case 'selection.all':
        return this.#apply({ type: 'selection.all' });
      case 'selection.clear':
        return this.#apply({ type: 'selection.clear' });
      case 'collection.filter':
        return this.#apply({ type: 'overlay', overlay: { kind: 'prompt', purpose: 'filter', text: describeFilter(s.query) } });
      case 'collection.sort':
        return this.#setQuery({ ...s.query, sort: nextSort(s.query.sort) });
      case 'collection.filmRoll': {
        this.#filmRolls = this.services.library.filmRolls();
        const i = this.#filmRolls.findIndex((r) => r.path === s.query.filmRoll);
        this.#apply({ type: 'overlay', overlay: { kind: 'filmroll', index: i + 1 } });
        return;
      }
      case 'thumbs.generate':
        this.#generate();
        return;
      case 'thumbs.retryFailed': {
        await this.services.cache.retryFailed();
        this.#failed.clear();
        this.#message('retrying failed thumbnails');
        this.#syncThumbs(true);
        return;
      }
      case 'thumbs.cancel':
        if (this.#generationAbort) {
          this.#generationAbort.abort();
          this.#message('background generation cancelled');
        }
        return;
      case 'view.preview':
        if (s.total > 0) this.#apply({ type: 'view', view: 'preview' });
        return;
      case 'view.culling':
        return this.#enterCulling();
      case 'view.back': {
        // Leaving culling puts the grid cursor on the image that had the cursor there.
        const focusId = s.view === 'culling' ? s.culling.ids[s.culling.focus] : undefined;
        this.#apply({ type: 'view', view: 'grid' });
        if (focusId !== undefined) {
          const idx = this.services.library.indexOf(this.#state.query, focusId);
          if (idx >= 0) this.#apply({ type: 'setTotal', total: this.#state.total, cursor: idx });
        }
        return;
      }
      case 'prefs.open':
        return this.#apply({ type: 'overlay', overlay: { kind: 'prefs', index: 0 } });
      case 'help.open':
        return this.#apply({ type: 'overlay', overlay: { kind: 'help' } });
      case 'app.quit':
      case 'app.interrupt':
        this.#quit = true;
        this.#publish();
        this.#onQuit?.();
        return;
      case 'pane.up':
      case 'pane.down':
        return this.#paneMove(action === 'pane.up' ? -1 : 1);
      case 'pane.decrease':
      case 'pane.increase':
        return this.#paneStep(action === 'pane.decrease' ? -1 : 1);
      case 'pane.choose':
        return this.#paneChoose();
      case 'pane.close':
        return this.#apply({ type: 'overlay', overlay: null });
      case 'confirm.yes':
        return this.#confirmRemove();
      case 'confirm.no':
        return this.#apply({ type: 'overlay', overlay: null });
      case 'prompt.submit':
        return this.#submitPrompt();
      case 'prompt.cancel': {
        const back = s.overlay?.kind === 'prompt' && s.overlay.purpose === 'monitorProfile';
        return this.#apply({ type: 'overlay', overlay: back ? { kind: 'prefs', index: 4 } : null });
      }
      case 'prompt.backspace': {
        const o = s.overlay;
        if (o?.kind === 'prompt') this.#apply({ type: 'overlay', overlay: { ...o, text: o.text.slice(0, -1) } });
        return;
      }
      default:
        return;
    }
  }

  /** Bytes placing the out-of-band images of the current snapshot (graphics layer, after each frame). */
  placements(): Placement[] {
    const snap = this.#snapshot;
    const st = snap.state;
    if (this.services.graphics.inTree) return [];
    if (st.overlay && st.overlay.kind !== 'prompt' && st.overlay.kind !== 'confirm') return [];
    const out: Placement[] = [];
    for (const slot of snap.layout.slots) {
      const rec = this.#slotRecord(slot);
      if (!rec) continue;
      const view = snap.thumbs.get(slotKey(rec.id, slot));
      if (view?.status !== 'ready') continue;
      out.push({ key: `${slot.role}:${rec.id}`, rect: slot.slot.image, image: view.image });
    }
    return out;
  }

  /** Stops background work and saves the cache (the caller restores the terminal). */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#writes;
    this.#closed = true;
    this.#generationAbort?.abort();
    this.#prefetchEncodes.abort();
    for (const c of this.#requests.values()) c.abort();
    this.#requests.clear();
    await this.services.cache.close();
  }

  // ── effects ────────────────────────────────────────────────────────────────────────

  #apply(action: StateAction): void {
    const before = this.#state;
    this.#state = reduce(before, action);
    if (this.#state.view !== before.view || this.#state.culling !== before.culling) this.#relayout();
    else this.#layout = viewLayout(this.#state, this.cellPx);
    this.#refresh();
  }

  #message(text: string | null): void {
    this.#state = reduce(this.#state, { type: 'message', text });
    this.#publish();
  }

  #relayout(): void {
    const grid = computeGrid({ columns: this.#state.columns, rows: this.#state.rows, thumbsPerRow: this.#state.thumbsPerRow, cellPx: this.cellPx });
    this.#state = reduce(this.#state, {
      type: 'resize',
      columns: this.#state.columns,
      rows: this.#state.rows,
      perRow: grid.perRow,
      rowsVisible: grid.rowsVisible,
    });
    this.#layout = viewLayout(this.#state, this.cellPx);
  }

  /** Loads the records the view needs (one indexed page query) and requests their thumbnails. */
  #refresh(): void {
    const { window } = this.#layout;
    const key = `${this.#dataVersion}|${JSON.stringify(this.#state.query)}|${window.offset}|${window.limit}|${this.#state.culling.ids.join(',')}`;
    if (key !== this.#windowKey) {
      this.#windowKey = key;
      this.#records.clear();
      const rows = window.limit > 0 ? this.services.library.page(this.#state.query, window.offset, window.limit) : [];
      rows.forEach((r, i) => this.#records.set(window.offset + i, r));
      this.#cullingRecords.clear();
      for (const id of this.#state.culling.ids) {
        const r = this.services.library.get(id);
        if (r) this.#cullingRecords.set(id, r);
      }
    }
    if (!this.#records.has(this.#state.cursor) && this.#state.total > 0) {
      const r = this.services.library.page(this.#state.query, this.#state.cursor, 1)[0];
      if (r) this.#records.set(this.#state.cursor, r);
    }
    this.#syncThumbs(false);
    this.#publish();
  }

  #recordById(id: number): ImageRecord | undefined {
    for (const r of this.#records.values()) if (r.id === id) return r;
    return this.#cullingRecords.get(id) ?? this.services.library.get(id);
  }

  #slotRecord(slot: ScreenSlot): ImageRecord | undefined {
    return slot.id !== undefined ? this.#cullingRecords.get(slot.id) : this.#records.get(slot.index);
  }

  #renderKey(rec: ImageRecord, level: Level, slot: ScreenSlot): string {
    return `${rec.id}:${level}:${rec.mtime}:${rec.fileSize}:${rec.rotation}@${slot.slot.image.cols}x${slot.slot.image.rows}`;
  }

  /**
   * Makes every visible slot show the best it can right now (memory cache, synchronously),
   * requests what is missing at 'visible' priority, the next page at 'prefetch', and aborts
   * requests for images that are no longer wanted.
   */
  #syncThumbs(force: boolean): void {
    const cache = this.services.cache;
    const wanted = new Set<string>();
    const onScreen = new Set<string>();
    for (const slot of this.#layout.slots) {
      const rec = this.#slotRecord(slot);
      if (!rec || slot.slot.image.cols <= 0 || slot.slot.image.rows <= 0) continue;
      const rkey = this.#renderKey(rec, slot.level, slot);
      const reqKey = `v:${rec.id}:${slot.level}:${rec.rotation}`;
      onScreen.add(reqKey);
      if (this.#rendered.has(rkey)) {
        // Touch for LRU order.
        const img = this.#rendered.get(rkey)!;
        this.#rendered.delete(rkey);
        this.#rendered.set(rkey, img);
        if (this.#verified.has(reqKey)) continue;
      } else {
        if (this.#failed.has(rec.id) && !force) continue;
        const standIn = cache.bestEffort(rec, slot.level);
        if (standIn?.ok) this.#encode(rec, slot, standIn, standIn.level === slot.level ? rkey : `${rkey}~${standIn.level}`);
        if (standIn && !standIn.ok && standIn.level === slot.level && !force) {
          this.#failed.set(rec.id, { cause: standIn.cause, detail: standIn.detail });
          continue;
        }
      }
      // Even a memory hit is confirmed once while the image is on screen: only get() looks at
      // the file, and a file changed on disk (remade) or gone offline (kept, marked) must show.
      wanted.add(reqKey);
      if (this.#requests.has(reqKey)) continue;
      const ctrl = new AbortController();
      this.#requests.set(reqKey, ctrl);
      // Confirming what is already drawn must not hold back the next page's encodes.
      if (this.#rendered.has(rkey) || this.#encoding.has(rkey)) this.#confirming.add(reqKey);
      cache
        .get(rec, slot.level, { priority: 'visible', signal: ctrl.signal })
        .then(
          (res) => {
            if (ctrl.signal.aborted || this.#closed) return;
            this.#verified.add(reqKey);
            this.#gotThumb(rec, slot, rkey, res);
          },
          (err: unknown) => {
            if (ctrl.signal.aborted || this.#closed) return;
            this.#failed.set(rec.id, { cause: 'unsupported', detail: err instanceof Error ? err.message : String(err) });
            this.#publishSoon();
          },
        )
        .finally(() => {
          if (this.#requests.get(reqKey) === ctrl) {
            this.#requests.delete(reqKey);
            this.#confirming.delete(reqKey);
          }
          this.#drainAfterVisible();
        });
    }
    // Scrolled away: confirmed again when it comes back.
    for (const key of this.#verified) if (!onScreen.has(key)) this.#verified.delete(key);
    // The next page, so paging forward is instant; no encoding, only the cache warms up.
    const pf = this.#layout.prefetch;
    const pfKey = pf ? `${this.#windowKey}>${pf.offset}` : '';
    if (pfKey !== this.#prefetchKey) {
      this.#prefetchKey = pfKey;
      this.#prefetchEncodes.abort();
      this.#prefetchEncodes = new AbortController();
    }
    const encodeCtrl = this.#prefetchEncodes;
    if (pf) {
      const gridSlot = this.#layout.slots[0];
      const level = gridSlot?.level ?? 0;
      const next = this.services.library.page(this.#state.query, pf.offset, pf.limit);
      for (const rec of next) {
        const reqKey = `p:${rec.id}:${level}:${rec.rotation}`;
        wanted.add(reqKey);
        if (this.#requests.has(reqKey)) continue;
        const mem = cache.bestEffort(rec, level);
        if (mem?.level === level) {
          if (mem.ok && gridSlot) {
            this.#afterVisible(() => {
              if (!encodeCtrl.signal.aborted && !this.#closed) {
                this.#encode(rec, gridSlot, mem, this.#renderKey(rec, level, gridSlot), encodeCtrl.signal);
              }
            });
          }
          continue;
        }
        const ctrl = new AbortController();
        this.#requests.set(reqKey, ctrl);
        cache
          .get(rec, level, { priority: 'prefetch', signal: ctrl.signal })
          .then((res) => {
            // Encode the next page ahead too (sixel encoding is the slow step of a page turn);
            // aborted with the request when the page is no longer next.
            if (res.ok && gridSlot) {
              this.#afterVisible(() => {
                if (!encodeCtrl.signal.aborted && !this.#closed) {
                  this.#encode(rec, gridSlot, res, this.#renderKey(rec, level, gridSlot), encodeCtrl.signal);
                }
              });
            }
          })
          .catch(() => undefined)
          .finally(() => {
            if (this.#requests.get(reqKey) === ctrl) this.#requests.delete(reqKey);
          });
      }
    }
    // Scrolling away cancels the work for what left the screen.
    for (const [key, ctrl] of this.#requests) {
      if (!wanted.has(key)) {
        ctrl.abort();
        this.#requests.delete(key);
        this.#confirming.delete(key);
      }
    }
  }

  #gotThumb(rec: ImageRecord, slot: ScreenSlot, rkey: string, res: ThumbResult): void {
    if (!res.ok) {
      this.#failed.set(rec.id, { cause: res.cause, detail: res.detail });
      this.#publishSoon();
      return;
    }
    this.#failed.delete(rec.id);
    const key = res.level === slot.level ? rkey : `${rkey}~${res.level}`;
    // Already drawn from the same thumbnail: nothing to do. Drawn from one that turned out
    // stale or is now offline: draw again.
    // What get() answered is what the slot must show; an encode of a memory stand-in still in
    // flight is redone with it when it finishes (see #encode).
    this.#latest.set(key, res);
    const shown = this.#shownJpeg.get(key);
    if (shown !== undefined && (shown !== res.jpeg || Boolean(res.offline) !== this.#offline.has(key))) {
      this.#rendered.delete(key);
    }
    this.#encode(rec, slot, res, key);
  }

  /** The thumbnail get() last answered for a render key, when it differs from a stand-in. */
  #latest = new Map<string, Thumb>();

  /** A number per distinct thumbnail buffer: the renderer's cache key tells a remade one apart. */
  #jpegSerial(jpeg: Buffer): number {
    let n = this.#jpegSerials.get(jpeg);
    if (n === undefined) {
      n = ++this.#lastJpegSerial;
      this.#jpegSerials.set(jpeg, n);
    }
    return n;
  }

  #verified = new Set<string>();
  #shownJpeg = new Map<string, Buffer>();
  #jpegSerials = new WeakMap<Buffer, number>();
  #lastJpegSerial = 0;

  #encode(rec: ImageRecord, slot: ScreenSlot, thumb: ThumbResult & { ok: true }, rkey: string, signal?: AbortSignal): void {
    if (this.#rendered.has(rkey) || this.#encoding.has(rkey)) return;
    const box = { cols: slot.slot.image.cols, rows: slot.slot.image.rows };
    const input = {
      key: `${rec.id}:${thumb.level}:${rec.rotation}#${this.#jpegSerial(thumb.jpeg)}${thumb.offline ? ':off' : ''}`,
      data: thumb.jpeg,
      width: thumb.width,
      height: thumb.height,
    };
    const job = this.services.graphics
      .encode(input, box, signal)
      .then(
        (image) => {
          this.#rendered.set(rkey, image);
          this.#shownJpeg.set(rkey, thumb.jpeg);
          if (thumb.offline) this.#offline.add(rkey);
          else this.#offline.delete(rkey);

          while (this.#rendered.size > RENDER_CACHE_MAX) {
            const oldest = this.#rendered.keys().next().value;
            if (oldest === undefined) break;
            this.#rendered.delete(oldest);
            this.#offline.delete(oldest);
            this.#shownJpeg.delete(oldest);
          }
          this.#publishSoon();
        },
        (err: unknown) => {
          if (signal?.aborted || (err instanceof Error && err.name === 'AbortError')) {
            // A next-page encode cancelled by a page turn (or a visible request that joined
            // it): if that image is on screen now, request it again once every settle
            // callback of the cancelled job has run.
            setImmediate(() => {
              if (!this.#closed) {
                this.#syncThumbs(false);
                this.#publishSoon();
              }
            });
            return;
          }
          this.#failed.set(rec.id, { cause: 'unsupported', detail: `cannot draw: ${err instanceof Error ? err.message : String(err)}` });
          this.#publishSoon();
        },
      )
      .finally(() => {
        if (this.#encoding.get(rkey) === job) this.#encoding.delete(rkey);
        this.#visibleEncoding.delete(rkey);
        // get() answered while a memory stand-in was being encoded, with something else (the
        // file was remade, or is offline now): draw that instead.
        const latest = this.#latest.get(rkey);
        if (latest && !this.#closed && this.#rendered.has(rkey)) {
          this.#latest.delete(rkey);
          if (latest.jpeg !== this.#shownJpeg.get(rkey) || Boolean(latest.offline) !== this.#offline.has(rkey)) {
            this.#rendered.delete(rkey);
            this.#encode(rec, slot, latest, rkey);
          }
        }
        this.#drainAfterVisible();
      });
    this.#encoding.set(rkey, job);
    // Encodes without a signal are for the screen; the next page's carry the prefetch signal.
    if (!signal) this.#visibleEncoding.add(rkey);
  }

  /**
   * Runs next-page work once nothing on screen is still being fetched or encoded: the sixel
   * workers are first-come first-served, so a next-page encode started alongside would make
   * the visible page wait for it (launch took twice as long).
   */
  #afterVisible(work: () => void): void {
    if (this.#visibleBusy()) this.#deferred.push(work);
    else work();
  }

  #visibleBusy(): boolean {
    if (this.#visibleEncoding.size > 0) return true;
    for (const key of this.#requests.keys()) if (key.startsWith('v:') && !this.#confirming.has(key)) return true;
    return false;
  }

  /** Visible requests that only confirm a picture already drawn or being drawn. */
  #confirming = new Set<string>();

  #drainAfterVisible(): void {
    if (this.#deferred.length === 0 || this.#visibleBusy()) return;
    const work = this.#deferred;
    this.#deferred = [];
    for (const w of work) w();
  }

  #visibleEncoding = new Set<string>();
  #deferred: (() => void)[] = [];

  #offline = new Set<string>();
  #pendingBytes = '';
  /** Encodes of the next page, aborted when that page stops being next. */
  #prefetchEncodes = new AbortController();
  #prefetchKey = '';

  /** Out-of-band bytes the store needs written once (removing the old protocol's images). */
  takePendingBytes(): string {
    const bytes = this.#pendingBytes;
    this.#pendingBytes = '';
    return bytes;
  }

  /** Resolves when every encode started so far has finished (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.#encoding.size) await Promise.all([...this.#encoding.values()]);
  }

  #thumbViews(): Map<string, ThumbView> {
    const views = new Map<string, ThumbView>();
    const inTree = this.services.graphics.inTree;
    for (const slot of this.#layout.slots) {
      const rec = this.#slotRecord(slot);
      if (!rec) continue;
      const key = slotKey(rec.id, slot);
      const rkey = this.#renderKey(rec, slot.level, slot);
      const exact = this.#rendered.get(rkey);
      const failed = this.#failed.get(rec.id);
      if (exact) {
        views.set(key, { status: 'ready', image: exact, offline: this.#offline.has(rkey), standIn: false, inTree });
        continue;
      }
      if (failed) {
        views.set(key, { status: 'failed', ...failed });
        continue;
      }
      // A smaller level already encoded stands in until the right one arrives.
      let standIn: string | undefined;
      for (let l = 4; l >= 0; l--) {
        const k = `${rkey}~${l}`;
        if (this.#rendered.has(k)) {
          standIn = k;
          break;
        }
      }
      const img = standIn ? this.#rendered.get(standIn) : undefined;
      views.set(key, img ? { status: 'ready', image: img, offline: this.#offline.has(standIn!), standIn: true, inTree } : { status: 'pending' });
    }
    return views;
  }

  #publishSoon(): void {
    if (this.#notifyQueued) return;
    this.#notifyQueued = true;
    queueMicrotask(() => {
      this.#notifyQueued = false;
      this.#publish();
    });
  }

  #publish(): void {
    const st = this.#state;
    this.#snapshot = {
      state: st,
      layout: this.#layout,
      records: new Map(this.#records),
      cullingRecords: new Map(this.#cullingRecords),
      current:
        st.view === 'culling'
          ? this.#cullingRecords.get(st.culling.ids[st.culling.focus] ?? -1)
          : this.#records.get(st.cursor),
      thumbs: this.#thumbViews(),
      generation: this.#generation ? { ...this.#generation } : null,
      prefs: this.#prefs,
      filmRolls: this.#filmRolls,
      quit: this.#quit,
    };
    for (const l of this.#listeners) l();
  }

  /** Images a culling key acts on: the culling focus, else the selection, else the cursor. */
  #targets(): number[] {
    const s = this.#state;
    if (s.view === 'culling') {
      const id = s.culling.ids[s.culling.focus];
      return id === undefined ? [] : [id];
    }
    if (s.view === 'grid' && hasSelection(s)) {
      if (!s.selection.all) return [...s.selection.ids];
      const ids: number[] = [];
      for (let off = 0; off < s.total; off += 5000) {
        for (const r of this.services.library.page(s.query, off, 5000)) ids.push(r.id);
      }
      return ids;
    }
    const cur = this.#records.get(s.cursor);
    return cur ? [cur.id] : [];
  }

  /** Culling writes run one after another, in key order: a sidecar never ends up older than the library. */
  #writes: Promise<void> = Promise.resolve();

  #cull(change: CullingChange): Promise<void> {
    const ids = this.#targets();
    if (!ids.length) return Promise.resolve();
    const next = this.#writes.then(() => this.#cullNow(ids, change));
    this.#writes = next;
    return next;
  }

  async #cullNow(ids: number[], change: CullingChange): Promise<void> {
    if (this.#closed) return;
    try {
      const { errors } = await this.services.library.applyCulling(ids, change);
      this.#dataChanged();
      if (errors.length) {
        const first = errors[0]!;
        this.#message(`XMP not written for ${errors.length} file(s): ${sanitizeText(first.path)}: ${sanitizeText(first.message)}`);
      }
    } catch (err) {
      this.#message(`could not save: ${sanitizeText(err instanceof Error ? err.message : String(err))}`);
    }
  }

  /** After a write: recount (a filter may now exclude images) and keep the cursor on its image. */
  #dataChanged(): void {
    this.#dataVersion++;
    const s = this.#state;
    const curId = this.#records.get(s.cursor)?.id;
    const total = this.services.library.count(s.query);
    let cursor = s.cursor;
    if (curId !== undefined) {
      const idx = this.services.library.indexOf(s.query, curId);
      if (idx >= 0) cursor = idx;
    }
    this.#state = reduce(s, { type: 'setTotal', total, cursor: Math.min(cursor, Math.max(0, total - 1)) });
    this.#layout = viewLayout(this.#state, this.cellPx);
    this.#refresh();
  }

  #setQuery(query: CollectionQuery): void {
    const curId = this.#records.get(this.#state.cursor)?.id;
    const total = this.services.library.count(query);
    const idx = curId === undefined ? -1 : this.services.library.indexOf(query, curId);
    this.#dataVersion++;
    this.#apply({ type: 'setQuery', query, total, cursor: Math.max(0, idx) });
  }

  #enterCulling(): void {
    const s = this.#state;
    if (s.total === 0) return;
    let ids: number[];
    if (hasSelection(s) && !s.selection.all && s.selection.ids.size >= 2) {
      ids = [...s.selection.ids].slice(0, 8);
    } else {
      // This image and the next (darktable's default of two).
      const rows = this.services.library.page(s.query, s.cursor, 2);
      ids = rows.map((r) => r.id);
    }
    this.#apply({ type: 'view', view: 'culling', culling: ids });
  }

  #paneMove(delta: number): void {
    const o = this.#state.overlay;
    if (o?.kind === 'prefs') {
      const index = (o.index + delta + PREF_ROWS.length) % PREF_ROWS.length;
      this.#apply({ type: 'overlay', overlay: { kind: 'prefs', index } });
    } else if (o?.kind === 'filmroll') {
      const n = this.#filmRolls.length + 1;
      this.#apply({ type: 'overlay', overlay: { kind: 'filmroll', index: (o.index + delta + n) % n } });
    }
  }

  #paneStep(delta: 1 | -1): void {
    const o = this.#state.overlay;
    if (o?.kind === 'filmroll') return this.#paneMove(delta);
    if (o?.kind !== 'prefs') return;
    const row = PREF_ROWS[o.index];
    if (!row?.step) return;
    this.#setPrefs(row.step(this.#prefs, delta));
  }

  #paneChoose(): void {
    const o = this.#state.overlay;
    if (o?.kind === 'filmroll') {
      const roll = o.index === 0 ? undefined : this.#filmRolls[o.index - 1];
      const { filmRoll: _f, ...rest } = this.#state.query;
      this.#apply({ type: 'overlay', overlay: null });
      this.#setQuery(roll ? { ...rest, filmRoll: roll.path } : rest);
      return;
    }
    if (o?.kind !== 'prefs') return;
    const row = PREF_ROWS[o.index];
    if (row?.text) {
      this.#apply({ type: 'overlay', overlay: { kind: 'prompt', purpose: 'monitorProfile', text: this.#prefs.monitorProfile ?? '' } });
    } else if (row?.step) {
      this.#setPrefs(row.step(this.#prefs, 1));
    }
  }

  #setPrefs(prefs: Preferences): void {
    const before = this.#prefs;
    this.#prefs = prefs;
    this.services.cache.setPreferences(prefs);
    if (prefs.protocol !== before.protocol && this.services.switchProtocol) {
      this.#pendingBytes += this.services.graphics.clearAll();
      this.services.switchProtocol(prefs.protocol);
      this.#rendered.clear();
      this.#offline.clear();
      this.#shownJpeg.clear();
      this.#verified.clear();
    }
    if (prefs.thumbnailSource !== before.thumbnailSource || prefs.colorManagement !== before.colorManagement || prefs.monitorProfile !== before.monitorProfile) {
      this.#rendered.clear();
      this.#failed.clear();
      this.#shownJpeg.clear();
      this.#verified.clear();
    }
    // Saves run in order, so the file always ends with the last change.
    this.#writes = this.#writes.then(() => this.services.savePreferences(prefs)).then(
      () => this.#message('preferences saved'),
      (err: unknown) => this.#message(`preferences not saved: ${sanitizeText(err instanceof Error ? err.message : String(err))}`),
    );
    this.#syncThumbs(false);
    this.#publish();
  }

  #submitPrompt(): void {
    const o = this.#state.overlay;
    if (o?.kind !== 'prompt') return;
    if (o.purpose === 'monitorProfile') {
      this.#apply({ type: 'overlay', overlay: { kind: 'prefs', index: 4 } });
      this.#setPrefs({ ...this.#prefs, monitorProfile: o.text.trim() || null });
      return;
    }
    this.#apply({ type: 'overlay', overlay: null });
    this.#setQuery(withFilter(this.#state.query, parseFilter(o.text)));
    if (this.#state.total === 0) this.#message('no image matches this filter (/ to change it)');
  }

  async #confirmRemove(): Promise<void> {
    const o = this.#state.overlay;
    if (o?.kind !== 'confirm') return;
    this.#apply({ type: 'overlay', overlay: null });
    const n = this.services.library.remove(o.ids);
    this.#state = reduce(this.#state, { type: 'selection.clear' });
    if (this.#state.view === 'culling') this.#state = reduce(this.#state, { type: 'view', view: 'grid' });
    this.#relayout();
    this.#dataChanged();
    this.#message(`removed ${n} image${n === 1 ? '' : 's'} from the library (files kept)`);
  }

  #generate(): void {
    if (this.#generationAbort && !this.#generationAbort.signal.aborted) {
      this.#message('generation already running (Esc cancels)');
      return;
    }
    const ctrl = new AbortController();
    this.#generationAbort = ctrl;
    const { library } = this.services;
    const query = this.#state.query;
    const total = library.count(query);
    const maxLevel = (this.#layout.slots.find((s) => s.role === 'thumb')?.level ?? 1) as Level;
    // Lazily, a thousand at a time: 100,000 records are never held at once.
    function* subjects() {
      for (let off = 0; off < total; off += 1000) yield* library.page(query, off, 1000);
    }
    this.#generation = { done: 0, total, failed: 0, running: true };
    this.#publish();
    this.services.cache
      .generateMissing({
        subjects: subjects(),
        minLevel: 0,
        maxLevel,
        signal: ctrl.signal,
        onProgress: (p) => {
          this.#generation = { done: p.done, failed: p.failed, total, running: true };
          this.#publishSoon();
        },
      })
      .then(
        () => {
          if (this.#generation) this.#generation = { ...this.#generation, running: false };
          if (!ctrl.signal.aborted) this.#message(`thumbnails generated up to mip${maxLevel} (${LEVEL_SIZES[maxLevel]} px)`);
          this.#syncThumbs(false);
          this.#publish();
        },
        (err: unknown) => {
          if (this.#generation) this.#generation = { ...this.#generation, running: false };
          if (!ctrl.signal.aborted) this.#message(`generation failed: ${sanitizeText(err instanceof Error ? err.message : String(err))}`);
          else this.#publish();
        },
      )
      .finally(() => {
        if (this.#generationAbort === ctrl) this.#generationAbort = null;
      });
  }
}

/**
 * From "this slot shows image N at box B" to a picture ready for the terminal: one entry per
 * wanted slot, in the explicit states of slot-state.ts; fetches through the mipmap cache (its
 * queue orders them by priority and aborts them), encodes through one EncodeQueue (visible,
 * then neighbours, then the next page). Slots that leave are cancelled in one place (want()).
 * Encoded pictures are kept by the renderer's byte-bounded cache, not here: an entry holds the
 * picture of a slot on screen only while it is wanted.
 */
import type { Level, Thumb, ThumbCause, ThumbResult } from '../../cache/types.js';
import type { ImageRecord } from '../../db/types.js';
import type { CellBox, RenderedImage } from '../../render/types.js';
import type { CachePort, GraphicsPort } from '../services.js';
import { EncodeQueue, type Priority } from './encode-queue.js';
import { PageBurst } from './page-burst.js';
import { applyOverlay, type PixelOverlay } from './pixel-overlay.js';
import { failedState, FETCHING, isBusy, slotNext, type SlotEvent, type SlotState } from './slot-state.js';

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

export interface SlotRequest {
  /** The slot's pixels: image, level, file identity, rotation and box (see pixelKey). */
  key: string;
  /** Where views() reports it (the store's slotKey); only visible slots are reported. */
  viewKey: string;
  rec: ImageRecord;
  level: Level;
  box: CellBox;
  priority: Priority;
  /** Painted into the pixels before encoding (the clipping indicator); part of `key`. */
  overlay?: PixelOverlay;
  /** Pixels from elsewhere than the mipmap cache (the loupe's crops); its failures are not remembered for the image. */
  fetch?: (signal: AbortSignal) => Promise<ThumbResult>;
}

export interface ThumbPipelineDeps {
  cache: CachePort;
  /** The current graphics port (the protocol can change in the preferences pane). */
  graphics: () => GraphicsPort;
  /** A visible slot's view changed. */
  onChange: () => void;
  /**
   * Pictures may be due with no slot's view changed: a neighbour's picture was encoded (see
   * ahead()), or a burst's hold ended (see holding).
   */
  onPictures?: () => void;
  /** Encodes at once. @default 4 */
  concurrency?: number;
}

interface Entry {
  req: SlotRequest;
  state: SlotState;
  ctrl: AbortController;
}

/** Failures remembered by image id (a skull stays a skull while scrolling), at most this many. */
const MAX_FAILURES = 10_000;

function isAbort(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}

/** The identity of a slot's pixels. */
export function pixelKey(rec: ImageRecord, level: Level, box: CellBox, overlay?: PixelOverlay): string {
  return `${rec.id}:${level}:${rec.mtime}:${rec.fileSize}:${rec.rotation}@${box.cols}x${box.rows}${overlay ? `+${overlay}` : ''}`;
}

export class ThumbPipeline {
  readonly #deps: ThumbPipelineDeps;
  readonly #queue: EncodeQueue;
  #entries = new Map<string, Entry>();
  #failures = new Map<number, { cause: ThumbCause; detail: string }>();
  #fetches = new Set<Promise<unknown>>();
  /** Work ahead waiting for the visible slots' fetches (see want()). */
  #deferred: { req: SlotRequest; force: boolean }[] = [];
  #jpegSerials = new WeakMap<Buffer, number>();
  #lastSerial = 0;
  #closed = false;
  /** The visible slots of the last want(), and when the last page turn came (burst detection). */
  readonly #burst: PageBurst;
  /** The keys of the last want(), most important first (ahead() follows it). */
  #order: string[] = [];

  constructor(deps: ThumbPipelineDeps) {
    this.#deps = deps;
    this.#queue = new EncodeQueue({
      ...(deps.concurrency !== undefined ? { concurrency: deps.concurrency } : {}),
      visibleBusy: () => this.#visibleWaiting(),
      onHoldEnd: () => this.#deps.onPictures?.(),
    });
    this.#burst = new PageBurst((ms) => this.#queue.hold(ms));
  }

  /**
   * The slots wanted now, most important first. Work for slots no longer wanted is cancelled;
   * `force` retries slots that failed (G).
   */
  want(requests: readonly SlotRequest[], options: { force?: boolean } = {}): void {
    if (this.#closed) return;
    this.#deferred = [];
    this.#order = requests.map((r) => r.key);
    this.#burst.saw(requests.filter((r) => r.priority === 'visible').map((r) => r.key));
    const keys = new Set(requests.map((r) => r.key));
    // A slot whose overlay was toggled keeps showing its old picture until the new one is encoded.
    const leaving = new Map<string, SlotState['shown']>();
    for (const [key, e] of this.#entries) {
      if (!keys.has(key)) {
        if (e.state.shown && e.req.priority === 'visible') leaving.set(e.req.viewKey, { ...e.state.shown, standIn: true });
        e.ctrl.abort();
        this.#entries.delete(key);
      }
    }
    this.#queue.retain((jobKey) => this.#entries.has(jobKey.slice(0, jobKey.indexOf('|'))));
    for (const req of requests) {
      const e = this.#entries.get(req.key);
      if (e && !(options.force && e.state.phase.kind === 'failed')) {
        if (e.req.priority !== req.priority) this.#promote(e, req);
        else e.req = req;
        continue;
      }
      // Work ahead (the preview's neighbours, the next page) starts once the visible slots are
      // fetched: started together, a neighbour's 24 MP decode took half of a 2-core machine
      // from the image being opened (visible ones come first in requests).
      if (!e && req.priority !== 'visible' && !req.fetch && this.#visibleFetching()) {
        this.#deferred.push({ req, force: options.force ?? false });
        continue;
      }
      if (e) e.ctrl.abort();
      if (req.fetch) this.#startOwn(req);
      else this.#start(req, options.force ?? false);
      const fresh = this.#entries.get(req.key);
      const before = req.priority === 'visible' ? leaving.get(req.viewKey) : undefined;
      if (fresh && before && fresh.state.shown === null && fresh.state.phase.kind === 'fetching') fresh.state = { ...fresh.state, shown: before };
    }
    this.#queue.pump();
  }

  /**
   * Whether a burst of page turns holds encodes back: its pages' pictures, already encoded or
   * not, are not written either (the graphics layer asks), so a page passed in the burst costs
   * the link nothing. Half-blocks at 10 Mbit, whose pages are prefetched and encoded, wrote
   * 1.3-1.5 pages beyond the final one in 5 x PgDn.
   */
  get holding(): boolean {
    return this.#queue.held;
  }

  /** What each visible slot shows, by view key. */
  views(): Map<string, ThumbView> {
    const views = new Map<string, ThumbView>();
    const inTree = this.#deps.graphics().inTree;
    for (const { req, state } of this.#entries.values()) {
      if (req.priority !== 'visible') continue;
      const { phase, shown } = state;
      if (phase.kind === 'failed') views.set(req.viewKey, { status: 'failed', cause: phase.cause, detail: phase.detail });
      else if (shown) views.set(req.viewKey, { status: 'ready', image: shown.image, offline: shown.offline, standIn: shown.standIn, inTree });
      else views.set(req.viewKey, { status: 'pending' });
    }
    return views;
  }

  /**
   * The encoded pictures of the preview's neighbours, nearest first: a terminal that keeps
   * pictures (kitty) is sent them while the link is idle, so the next image is only placed.
   */
  ahead(): RenderedImage[] {
    const out: RenderedImage[] = [];
    for (const key of this.#order) {
      const e = this.#entries.get(key);
      const shown = e?.state.shown;
      if (e?.req.priority === 'neighbour' && shown && !shown.standIn && !shown.offline) out.push(shown.image);
    }
    return out;
  }

  /** Forget remembered failures (G retries them; a thumbnail-source change may cure them). */
  forgetFailures(ids?: readonly number[]): void {
    if (!ids) this.#failures.clear();
    else for (const id of ids) this.#failures.delete(id);
  }

  /** Drop every entry (the protocol or the thumbnails' source changed): the next want() starts over. */
  reset(): void {
    this.#deferred = [];
    for (const e of this.#entries.values()) e.ctrl.abort();
    this.#entries.clear();
    this.#queue.clear();
  }

  /** Resolves when no fetch or encode is in flight (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.#fetches.size > 0 || this.#queue.size > 0) {
      await Promise.all([...this.#fetches, this.#queue.idle()]);
    }
  }

  close(): void {
    this.#closed = true;
    this.reset();
  }

  #start(req: SlotRequest, force: boolean): void {
    const { cache } = this.#deps;
    const ctrl = new AbortController();
    const known = this.#failures.get(req.rec.id);
    if (known && !force) {
      this.#entries.set(req.key, { req, state: failedState(known.cause, known.detail), ctrl });
      return;
    }
    const memory = cache.bestEffort(req.rec, req.level);
    if (memory && !memory.ok && memory.level === req.level && !force) {
      this.#fail(req.rec.id, memory.cause, memory.detail);
      this.#entries.set(req.key, { req, state: failedState(memory.cause, memory.detail), ctrl });
      return;
    }
    const entry: Entry = { req, state: FETCHING, ctrl };
    this.#entries.set(req.key, entry);
    // Draw what memory has at once; get() below still looks at the file (remade, offline).
    // A smaller level standing in is encoded only for a slot on screen: for the preview's
    // neighbours it was a box-sized encode each (300-700 ms of kitty PNG on a loaded 2-core
    // machine) racing the shown image's decode, and rarely shown. One that comes on screen
    // still fetching gets its stand-in then (#promote starts it again).
    const standIn = memory?.ok === true && memory.level !== req.level;
    if (memory?.ok && (!standIn || req.priority === 'visible')) this.#encode(entry, memory, { provisional: true, standIn });
    this.#track(entry, cache.get(req.rec, req.level, { priority: req.priority === 'visible' ? 'visible' : 'prefetch', signal: ctrl.signal }));
  }

  /** A request with a fetch of its own (a loupe crop). */
  #startOwn(req: SlotRequest): void {
    const ctrl = new AbortController();
    const entry: Entry = { req, state: FETCHING, ctrl };
    this.#entries.set(req.key, entry);
    this.#track(entry, req.fetch!(ctrl.signal));
  }

  /** Follows an entry's fetch to its result (a failure is a skull, unless the entry was cancelled). */
  #track(entry: Entry, fetching: Promise<ThumbResult>): void {
    const { req, ctrl } = entry;
    const fetch = fetching
      .then(
        (result) => this.#fetched(entry, result),
        (err: unknown) => {
          if (ctrl.signal.aborted) return;
          this.#fetched(entry, { ok: false, id: req.rec.id, level: req.level, cause: 'unsupported', detail: err instanceof Error ? err.message : String(err) });
        },
      )
      .finally(() => {
        this.#fetches.delete(fetch);
        this.#startDeferred();
        this.#queue.pump();
      });
    this.#fetches.add(fetch);
  }

  /**
   * A slot changed priority (a next-page or neighbour slot came on screen): its queued encodes
   * move with it, and a fetch still queued at prefetch priority is asked again at visible.
   */
  #promote(entry: Entry, req: SlotRequest): void {
    const wasVisible = entry.req.priority === 'visible';
    entry.req = req;
    const prefix = `${req.key}|`;
    this.#queue.reprioritize((k) => k.startsWith(prefix), req.priority);
    if (!wasVisible && req.priority === 'visible' && entry.state.phase.kind === 'fetching') {
      entry.ctrl.abort();
      this.#entries.delete(req.key);
      this.#start(req, false);
      const fresh = this.#entries.get(req.key);
      if (fresh && entry.state.shown) fresh.state = { ...fresh.state, shown: entry.state.shown };
    }
  }

  #fetched(entry: Entry, result: ThumbResult): void {
    if (entry.ctrl.signal.aborted || this.#closed) return;
    // A loupe crop that fails says so in its slot: the image's thumbnails are not to blame.
    if (!entry.req.fetch) {
      if (result.ok) this.#failures.delete(entry.req.rec.id);
      else this.#fail(entry.req.rec.id, result.cause, result.detail);
    }
    this.#dispatch(entry, { type: 'fetched', result });
  }

  #dispatch(entry: Entry, event: SlotEvent): void {
    if (this.#entries.get(entry.req.key) !== entry) return;
    const before = entry.state;
    const { state, effects } = slotNext(before, event);
    entry.state = state;
    for (const fx of effects) this.#encode(entry, fx.thumb, { provisional: false, standIn: false });
    if (state.phase.kind === 'failed' && before.phase.kind !== 'failed' && !entry.req.fetch) {
      this.#fail(entry.req.rec.id, state.phase.cause, state.phase.detail);
    }
    if (entry.req.priority === 'visible' && (state.shown !== before.shown || state.phase.kind !== before.phase.kind)) {
      this.#deps.onChange();
    } else if (entry.req.priority === 'neighbour' && state.shown !== before.shown) {
      this.#deps.onPictures?.();
    }
  }

  /** Queues the encode of `thumb` for the entry: the answer to get() (final) or memory's copy (provisional). */
  #encode(entry: Entry, thumb: Thumb, how: { provisional: boolean; standIn: boolean }): void {
    const { provisional, standIn } = how;
    const { req } = entry;
    const input = {
      key: `${req.rec.id}:${thumb.level}:${req.rec.rotation}#${this.#serial(thumb.jpeg)}${thumb.offline ? ':off' : ''}${req.overlay ? `+${req.overlay}` : ''}`,
      data: thumb.jpeg,
      width: thumb.width,
      height: thumb.height,
    };
    this.#queue.push({
      key: `${req.key}|${input.key}`,
      priority: req.priority,
      run: async () => {
        if (this.#entries.get(req.key) !== entry) return;
        const { signal } = entry.ctrl;
        try {
          const data = req.overlay ? await applyOverlay(req.overlay, thumb.jpeg) : thumb.jpeg;
          signal.throwIfAborted();
          const graphics = this.#deps.graphics();
          const encode = () => graphics.encode({ ...input, data }, req.box, signal);
          // The renderer shares one in-flight encode between callers of the same pixels: one
          // aborted by a slot that left (page down, then straight back up) is not this slot's
          // abort, so it is asked again (the aborted one has left the renderer by then).
          const image = await encode().catch((err: unknown) => {
            if (isAbort(err) && !signal.aborted) return encode();
            throw err;
          });
          this.#dispatch(entry, provisional ? { type: 'provisional', image, thumb, standIn } : { type: 'encoded', image, thumb });
        } catch (err) {
          if (isAbort(err) || signal.aborted) return;
          if (!provisional) this.#dispatch(entry, { type: 'encodeFailed', thumb, message: err instanceof Error ? err.message : String(err) });
        }
      },
    });
  }

  #fail(id: number, cause: ThumbCause, detail: string): void {
    this.#failures.delete(id);
    this.#failures.set(id, { cause, detail });
    while (this.#failures.size > MAX_FAILURES) {
      const oldest = this.#failures.keys().next().value;
      if (oldest === undefined) break;
      this.#failures.delete(oldest);
    }
  }

  #visibleFetching(): boolean {
    for (const { req, state } of this.#entries.values()) if (req.priority === 'visible' && state.phase.kind === 'fetching') return true;
    return false;
  }

  #startDeferred(): void {
    if (this.#closed || this.#deferred.length === 0 || this.#visibleFetching()) return;
    const waiting = this.#deferred;
    this.#deferred = [];
    for (const { req, force } of waiting) if (!this.#entries.has(req.key)) this.#start(req, force);
  }

  /** Visible slots with nothing to show yet: lower-priority encodes wait for them. */
  #visibleWaiting(): boolean {
    for (const { req, state } of this.#entries.values()) {
      if (req.priority === 'visible' && isBusy(state) && (state.shown === null || state.phase.kind === 'encoding')) return true;
    }
    return false;
  }

  /** A number per distinct thumbnail buffer: the renderer's cache key tells a remade one apart. */
  #serial(jpeg: Buffer): number {
    let n = this.#jpegSerials.get(jpeg);
    if (n === undefined) {
      n = ++this.#lastSerial;
      this.#jpegSerials.set(jpeg, n);
    }
    return n;
  }
}

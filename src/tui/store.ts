import type { CollectionQuery, ImageRecord } from '../db/types.js';
import type { CellPx, Placement, RenderedImage } from '../render/types.js';
import { sanitizeText } from '../util/sanitize.js';
import type { Action } from './keymap.js';
import { computeGrid, DEFAULT_CELL_PX } from './layout.js';
import { snapshotPlacements } from './pipeline/placements.js';
import { slotKey } from './pipeline/slot-key.js';
import { ThumbPipeline } from './pipeline/thumb-pipeline.js';
import { wantedSlots } from './pipeline/wanted-slots.js';
import type { GraphicsPort, LighttableServices } from './services.js';
import { initialState, reduce, type LighttableState, type StateAction } from './state/lighttable.js';
import { viewLayout, type ScreenSlot, type ViewLayout } from './state/view-layout.js';
import { closeFileEffects, runAction } from './store/actions.js';
import { CullingEffects } from './store/culling.js';
import { ExposureEffects } from './store/exposure.js';
import { GenerationEffects } from './store/generation.js';
import type { StoreHost } from './store/host.js';
import { LoupeEffects } from './store/loupe.js';
import { PageRecords } from './store/page-records.js';
import { PreferenceEffects } from './store/preferences.js';
import { StackEffects } from './store/stacks.js';
import { PublishQueue, RenderedView } from './store/rendered-view.js';
import { standingNotices, type LighttableSnapshot, type StoreOptions } from './store/types.js';
import { backToGrid, enterCulling } from './store/views.js';
import { withScope } from './state/film-roll-choices.js';

export type { ThumbView } from './pipeline/thumb-pipeline.js';
export { slotKey } from './pipeline/slot-key.js';
export type { LighttableSnapshot, StoreOptions } from './store/types.js';

/** Images preloaded each way around the one shown in the full preview. */
const PRELOAD_NEIGHBOURS = 2;

/**
 * The lighttable's controller: holds the reducer state, turns keymap actions into state changes
 * and effects (culling, preferences and generation live in src/tui/store/, thumbnails in the
 * pipeline), queries the library for the visible page only, and publishes immutable snapshots
 * for useSyncExternalStore.
 */
export class LighttableStore implements StoreHost {
  readonly services: LighttableServices;
  #state: LighttableState;
  #layout!: ViewLayout;
  readonly #page: PageRecords;
  #listeners = new Set<() => void>();
  #snapshot!: LighttableSnapshot;
  readonly #publishing = new PublishQueue((picturesOnly) => this.publish(picturesOnly));
  readonly #rendered = new RenderedView();
  #quit = false;
  #onQuit: (() => void) | undefined;
  #closed = false;
  #pendingBytes = '';
  #filmRolls: { id: number; path: string; imageCount: number }[] = [];
  /** Library and preference writes, one after another in key order. */
  #writes: Promise<void> = Promise.resolve();
  readonly #pipeline: ThumbPipeline;
  readonly #culling: CullingEffects;
  readonly #prefs: PreferenceEffects;
  readonly #generation: GenerationEffects;
  readonly #exposure: ExposureEffects;
  readonly #stacks: StackEffects;
  /** Zoom and pan of the preview and culling view (public for tests: the crops it asked for). */
  readonly loupe: LoupeEffects;

  constructor(services: LighttableServices, opts: StoreOptions) {
    this.services = services;
    this.#page = new PageRecords(services.library);
    this.#onQuit = opts.onQuit;
    this.#pipeline = new ThumbPipeline({
      cache: services.cache,
      graphics: () => this.services.graphics,
      onChange: () => this.publishSoon(true),
      // No new snapshot: only the graphics layer (pictureWork()) cares.
      onPictures: () => this.#listeners.forEach((l) => l()),
    });
    this.#culling = new CullingEffects(this);
    this.#generation = new GenerationEffects(this);
    this.#exposure = new ExposureEffects(this);
    this.#stacks = new StackEffects(this, (q) => this.#setQuery(q));
    this.loupe = new LoupeEffects(this);
    this.#prefs = new PreferenceEffects(this, {
      protocolChanged: () => {
        this.#pendingBytes += this.services.graphics.clearAll();
        this.services.switchProtocol?.(this.#prefs.prefs.protocol);
        this.#pipeline.reset();
      },
      pixelsChanged: () => {
        this.#pipeline.reset();
        this.#pipeline.forgetFailures();
      },
      setQueryFromFilter: (q) => this.#setQuery(q),
      filmRolls: () => this.#filmRolls,
      setScope: (scope) => this.#setQuery(withScope(this.#state.query, scope)),
    });
    // Bursts show as one thumbnail per stack until expanded (e, ctrl+e). Only where there are
    // stacks: the library rebuilds a collapsed collection after every rating (175 ms at 100,000 images).
    const query = { ...(services.library.hasStacks?.() !== false ? { collapseStacks: true } : {}), ...(opts.query ?? { sort: 'taken' }) };
    this.#state = initialState({
      columns: opts.columns,
      rows: opts.rows,
      total: services.library.count(query),
      query,
      ...(opts.thumbsPerRow !== undefined ? { thumbsPerRow: opts.thumbsPerRow } : {}),
    });
    if (services.prefsWarning) this.#state = { ...this.#state, message: sanitizeText(services.prefsWarning) };
    this.relayout();
    this.#refresh();
  }

  get graphics(): GraphicsPort {
    return this.services.graphics;
  }

  get cellPx(): CellPx {
    return this.services.graphics.caps.cellPx ?? DEFAULT_CELL_PX;
  }

  get state(): LighttableState {
    return this.#state;
  }

  get layout(): ViewLayout {
    return this.#layout;
  }

  get closed(): boolean {
    return this.#closed;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  getSnapshot = (): LighttableSnapshot => this.#snapshot;

  /** The snapshot for Ink: the last one whose text differs (getSnapshot() has the newest pictures). */
  getView = (): LighttableSnapshot => this.#rendered.current(this.#snapshot);

  // ── inputs ─────────────────────────────────────────────────────────────────────────

  resize(columns: number, rows: number): void {
    if (columns === this.#state.columns && rows === this.#state.rows) return;
    this.#state = { ...this.#state, columns, rows };
    this.relayout();
    this.#refresh();
  }

  /** Shows an unexpected error from an action in the status bar (the app keeps running). */
  report(err: unknown): void {
    this.message(`error: ${sanitizeText(err instanceof Error ? err.message : String(err))}`);
  }

  /** Text typed into an open prompt. */
  typeText(text: string): void {
    const o = this.#state.overlay;
    if (o?.kind !== 'prompt') return;
    this.apply({ type: 'overlay', overlay: { ...o, text: o.text + text } });
  }

  /** Runs one keymap action. Returns once any library write it caused is done. */
  async run(action: Action): Promise<void> {
    if (this.#closed) return;
    await runAction(
      {
        host: this,
        culling: this.#culling,
        prefs: this.#prefs,
        generation: this.#generation,
        exposure: this.#exposure,
        stacks: this.#stacks,
        loupe: this.loupe,
        setQuery: (q) => this.#setQuery(q),
        setPerRow: (n) => {
          this.#state = reduce(this.#state, { type: 'setPerRow', thumbsPerRow: n });
          this.relayout();
          this.#refresh();
        },
        loadFilmRolls: () => (this.#filmRolls = this.services.library.filmRolls()),
        retryFailed: async () => {
          await this.services.cache.retryFailed();
          this.#pipeline.forgetFailures();
          this.message('retrying failed thumbnails');
          this.syncThumbs(true);
        },
        enterCulling: () => enterCulling(this, this.#stacks),
        back: () => backToGrid(this),
        current: () => this.#snapshot.current,
        quit: () => {
          this.#quit = true;
          this.publish();
          this.#onQuit?.();
        },
      },
      action,
    );
  }

  /** The out-of-band pictures of the current snapshot (the graphics layer writes them). */
  placements(): Placement[] {
    return snapshotPlacements(this.#snapshot, this.services.graphics.inTree);
  }

  /** The preview's neighbours encoded, to send ahead to a terminal that keeps pictures; whether a burst of page turns holds pictures back. */
  pictureWork(): { ahead: RenderedImage[]; held: boolean } {
    return { ahead: this.#state.overlay === null && !this.services.graphics.inTree ? this.#pipeline.ahead() : [], held: this.#pipeline.holding };
  }

  /**
   * Another kind of terminal is attached (a tmux re-attach, src/tui/reprobe.ts): the old
   * protocol's pictures are removed, the graphics port is made again for the new caps (the
   * caller's capsFor reads them), and the layout follows the new cell size.
   */
  terminalChanged(): void {
    this.#pendingBytes += this.services.graphics.clearAll();
    this.services.switchProtocol?.(this.#prefs.prefs.protocol);
    this.#pipeline.reset();
    this.relayout();
    this.#refresh();
  }

  /** Out-of-band bytes the store needs written once (removing the old protocol's images). */
  takePendingBytes(): string {
    const bytes = this.#pendingBytes;
    this.#pendingBytes = '';
    return bytes;
  }

  /** Resolves when every library and preference write queued so far is done (tests). */
  settled(): Promise<void> {
    return this.#writes;
  }

  /** Resolves when every thumbnail fetch and encode started so far has finished (tests, benchmarks). */
  idle(): Promise<void> {
    return this.#pipeline.idle();
  }

  /** Stops background work and saves the cache (the caller restores the terminal). */
  async close(): Promise<void> {
    if (this.#closed) return;
    await closeFileEffects(this); // a running export stops after its current file
    await this.#writes;
    this.#closed = true;
    this.#generation.close();
    this.#prefs.close();
    this.loupe.close();
    this.#pipeline.close();
    await this.services.cache.close();
  }

  // ── StoreHost ──────────────────────────────────────────────────────────────────────

  apply(action: StateAction): void {
    const before = this.#state;
    this.#state = reduce(before, action);
    if (this.#state.view !== before.view || this.#state.culling !== before.culling) this.relayout();
    else this.#layout = viewLayout(this.#state, this.cellPx);
    this.#refresh();
  }

  replaceState(state: LighttableState): void {
    this.#state = state;
  }

  relayout(): void {
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

  message(text: string | null): void {
    this.#state = reduce(this.#state, { type: 'message', text });
    this.publish();
  }

  recordAt(index: number): ImageRecord | undefined {
    return this.#page.records.get(index);
  }

  recordById(id: number): ImageRecord | undefined {
    return this.#page.byId(id);
  }

  enqueueWrite(work: () => Promise<void>): Promise<void> {
    // A write that fails says so and never stops the ones queued after it.
    const next = this.#writes.then(work).catch((err: unknown) => this.report(err));
    this.#writes = next;
    return next;
  }

  forgetFailures(ids?: readonly number[]): void {
    this.#pipeline.forgetFailures(ids);
  }

  dataChanged(): void {
    this.#page.stale();
    const s = this.#state;
    const curId = this.#page.records.get(s.cursor)?.id;
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

  /** Tells the pipeline which slots are wanted now (see wantedSlots). */
  syncThumbs(force: boolean): void {
    const s = this.#state;
    const main = this.#layout.slots.find((sl) => sl.role === 'main');
    const previewing = s.view === 'preview' && main !== undefined && s.overlay === null;
    const from = Math.max(0, s.cursor - PRELOAD_NEIGHBOURS);
    const pf = this.#layout.prefetch;
    const around = previewing ? this.services.library.page(s.query, from, 2 * PRELOAD_NEIGHBOURS + 1) : null;
    const requests = wantedSlots({
      slots: this.#layout.slots,
      recordOf: (slot) => this.#slotRecord(slot),
      neighbours: around ? { from, records: around, cursor: s.cursor } : null,
      nextPage: pf ? this.services.library.page(s.query, pf.offset, pf.limit) : [],
      viewKey: slotKey,
      mainOverlay: this.#exposure.overlay,
    });
    this.#pipeline.want(this.loupe.requests(requests), { force });
    if (around) this.#exposure.ahead(around);
  }

  /** `picturesOnly`: only slot pictures changed (the pipeline), which need no new Ink frame. */
  publishSoon(picturesOnly = false): void {
    this.#publishing.soon(picturesOnly);
  }

  publish(picturesOnly = false): void {
    const st = this.#state;
    const current = st.view === 'culling' ? this.#page.culling.get(st.culling.ids[st.culling.focus] ?? -1) : this.#page.records.get(st.cursor);
    this.#snapshot = {
      state: st,
      layout: this.#layout,
      records: new Map(this.#page.records),
      cullingRecords: new Map(this.#page.culling),
      pairs: this.#page.pairs,
      current,
      thumbs: this.#pipeline.views(),
      generation: this.#generation.progress ? { ...this.#generation.progress } : null,
      notices: standingNotices(this.services),
      prefs: this.#prefs.prefs,
      exposure: this.#exposure.snapshot(current),
      stacks: this.#stacks.snapshot,
      loupe: this.loupe.status(),
      filmRolls: this.#filmRolls,
      quit: this.#quit,
    };
    this.#rendered.update(this.#snapshot, picturesOnly);
    for (const l of this.#listeners) l();
  }

  // ── internals ──────────────────────────────────────────────────────────────────────

  /** Loads the records the view needs (one indexed page query) and requests their thumbnails. */
  #refresh(): void {
    this.#page.load(this.#state, this.#layout);
    this.syncThumbs(false);
    this.publish();
    this.#resyncShown();
  }

  /** Sidecars of the images shown that another tool changed are read again (in the write queue). */
  #resyncShown(): void {
    const ids = this.#page.toResync();
    if (!ids.length || this.#closed) return;
    void this.enqueueWrite(async () => {
      if (!this.#closed && (await this.services.library.resyncSidecars(ids))) this.dataChanged();
    });
  }

  #slotRecord(slot: ScreenSlot): ImageRecord | undefined {
    return this.#page.forSlot(slot);
  }

  #setQuery(query: CollectionQuery): void {
    // Stacks found since the grid opened (background scoring, g) fold as those there at start did, unless ctrl+e chose.
    if (query.collapseStacks === undefined && this.services.library.hasStacks?.()) query = { ...query, collapseStacks: true };
    const curId = this.#page.records.get(this.#state.cursor)?.id;
    const total = this.services.library.count(query);
    const idx = curId === undefined ? -1 : this.services.library.indexOf(query, curId);
    this.#page.stale();
    this.apply({ type: 'setQuery', query, total, cursor: Math.max(0, idx) });
  }
}

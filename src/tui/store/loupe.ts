import { classifyError } from '../../cache/sources/causes.js';
import type { ThumbResult } from '../../cache/types.js';
import type { ImageRecord } from '../../db/types.js';
import { MAX_IMAGE_PX } from '../../render/geometry.js';
import type { CellBox } from '../../render/types.js';
import type { LoupeAction } from '../keymap.js';
import { renderCrop, type PixelTransform } from '../loupe/crop.js';
import { FullSizeSources, sourceKey } from '../loupe/sources.js';
import { memoryBudget } from '../memory-budget.js';
import { slotKey } from '../pipeline/slot-key.js';
import type { SlotRequest } from '../pipeline/thumb-pipeline.js';
import {
  cropPlan,
  isZoomed,
  loupeStatus,
  pan,
  stepZoom,
  toggleZoom,
  zoomLabel,
  type CropPlan,
  type LoupeGeometry,
  type LoupeState,
  type PanDirection,
  type Size,
} from '../state/loupe.js';
import { uprightTransform } from '../../cache/sources/orientation.js';
import type { ScreenSlot } from '../state/view-layout.js';
import type { StoreHost } from './host.js';

/** A crop asked for, as tests and benchmarks see it. */
export interface CropRequest {
  id: number;
  plan: CropPlan;
  image: Size;
  box: CellBox;
}

/**
 * The loupe of the full preview and the culling view: keys (z, +/-, pans) become loupe states
 * through the pure state/loupe.ts; while zoomed, the large slots' pictures are crops of the
 * full-size source (loupe/sources.ts) cut at the box size (loupe/crop.ts), asked of the same
 * pipeline and EncodeQueue as every picture, at visible priority, so a pan cancels the crop
 * it replaces and a crop for a view left is never written. In the culling view one state
 * drives every image: the same relative point of each is shown.
 */
export class LoupeEffects {
  readonly #host: StoreHost;
  readonly #sources: FullSizeSources;
  /** Every crop asked for, newest last (tests); at most 64. */
  readonly requested: CropRequest[] = [];
  /** Where each source shown came from (kept even when the source was too big to keep). */
  readonly #origins = new Map<string, string>();
  /** Sources of the images zoomed now and of the preview's next image. */
  #wanted: ReadonlySet<string> = new Set();
  /** A step between crop and encode (an exposure overlay may hook here). */
  transform: PixelTransform | undefined;

  constructor(host: StoreHost) {
    this.#host = host;
    this.#sources =
      host.services.fullSize ??
      new FullSizeSources({ maxBytes: memoryBudget(host.services.prefs.cacheSizeMB).loupe, pairMembers: (r) => host.services.library.pairMembers?.(r.id) ?? [] });
  }

  get sources(): FullSizeSources {
    return this.#sources;
  }

  run(action: LoupeAction): void {
    const s = this.#host.state;
    if (s.view !== 'preview' && s.view !== 'culling') return;
    const g = this.#primaryGeometry();
    let next: LoupeState;
    if (action === 'loupe.toggle') next = toggleZoom(s.loupe, g, this.#primaryRecord());
    else if (action === 'loupe.zoomIn' || action === 'loupe.zoomOut') next = stepZoom(s.loupe, action === 'loupe.zoomIn' ? 1 : -1, g);
    else if (action === 'loupe.fit') next = { ...s.loupe, zoom: 'fit' };
    else {
      const fast = action.startsWith('loupe.panFast.');
      next = pan(s.loupe, action.slice(action.lastIndexOf('.') + 1) as PanDirection, fast, g);
    }
    if (next.zoom === s.loupe.zoom && next.cx === s.loupe.cx && next.cy === s.loupe.cy) return;
    this.#host.apply({ type: 'loupe', loupe: next });
  }

  /**
   * The pipeline's requests with the large slots' pictures replaced by crops while zoomed (the
   * rest, filmstrip and neighbours, as they were). Decodes for images no longer zoomed stop.
   */
  requests(base: SlotRequest[]): SlotRequest[] {
    const s = this.#host.state;
    const zoomed = isZoomed(s.loupe) && (s.view === 'preview' || s.view === 'culling') && (s.overlay === null || s.overlay.kind === 'confirm' || s.overlay.kind === 'prompt');
    if (!zoomed) {
      this.#wanted = new Set();
      this.#sources.retain(this.#wanted);
      return base;
    }
    const crops = new Map<string, SlotRequest>();
    for (const slot of this.#host.layout.slots) {
      if (slot.role !== 'main') continue;
      const rec = this.#record(slot);
      if (!rec) continue;
      const box = { cols: slot.slot.image.cols, rows: slot.slot.image.rows };
      if (box.cols <= 0 || box.rows <= 0) continue;
      crops.set(slotKey(rec.id, slot), this.#cropRequest(rec, box, s.loupe));
    }
    const wanted = new Set([...crops.values()].map((r) => sourceKey(r.rec)));
    // The full preview's next image (the first neighbour asked for) is decoded after the one
    // shown, so an auto-advance or → lands on a zoomed picture without waiting for its decode.
    const next = s.view === 'preview' ? base.find((r) => r.priority === 'neighbour')?.rec : undefined;
    if (next && !wanted.has(sourceKey(next))) {
      const key = sourceKey(next);
      wanted.add(key);
      // After the pipeline has asked for the shown image's source: decodes run in that order.
      setImmediate(() => {
        if (this.#wanted.has(key)) this.#sources.get(next).catch(() => undefined); // its own crop reports a failure
      });
    }
    this.#wanted = wanted;
    this.#sources.retain(wanted);
    return base.map((req) => {
      const crop = req.priority === 'visible' ? crops.get(req.viewKey) : undefined;
      if (!crop) return req;
      return { ...crop, viewKey: req.viewKey, ...(req.overlay ? { overlay: req.overlay, key: `${crop.key}+${req.overlay}` } : {}) };
    });
  }

  /** The status bar's text: `100 % · centre · embedded JPEG 6000×4000`, or null at fit. */
  status(): string | null {
    const s = this.#host.state;
    if (!isZoomed(s.loupe) || (s.view !== 'preview' && s.view !== 'culling')) return null;
    const rec = this.#primaryRecord();
    const size = rec ? this.#sources.sizeOf(rec) : undefined;
    const g = size ? this.#geometry(size) : null;
    // The anchor names a point of the image z opened on, not of the one shown since (→, auto-advance).
    const loupe = s.loupe.anchor && s.loupe.anchor.id !== rec?.id ? { ...s.loupe, anchor: undefined } : s.loupe;
    const text = (g && loupeStatus(loupe, g)) ?? zoomLabel(s.loupe.zoom);
    const origin = rec ? this.#origins.get(sourceKey(rec)) : undefined;
    return `${text} · ${origin ?? 'decoding full size…'}`;
  }

  close(): void {
    this.#sources.retain(new Set());
  }

  #cropRequest(rec: ImageRecord, box: CellBox, loupe: LoupeState): SlotRequest {
    const key = `loupe:${sourceKey(rec)}:${loupe.zoom}:${loupe.cx.toFixed(6)}:${loupe.cy.toFixed(6)}@${box.cols}x${box.rows}`;
    return {
      key,
      viewKey: '',
      rec,
      level: 4,
      box,
      priority: 'visible',
      fetch: (signal) => this.#crop(rec, box, loupe, signal),
    };
  }

  async #crop(rec: ImageRecord, box: CellBox, loupe: LoupeState, signal: AbortSignal): Promise<ThumbResult> {
    try {
      const source = await this.#sources.get(rec);
      if (this.#origins.size > 1000) this.#origins.clear();
      this.#origins.set(source.key, source.origin);
      this.#host.publishSoon();
      if (signal.aborted) return { ok: false, id: rec.id, level: 4, cause: 'unsupported', detail: 'aborted' };
      const image = { width: source.width, height: source.height };
      const plan = cropPlan(loupe, { image, box, cellPx: this.#host.cellPx, maxPx: this.#maxPx() });
      this.requested.push({ id: rec.id, plan, image, box });
      if (this.requested.length > 64) this.requested.shift();
      const crop = await renderCrop(source, plan, this.transform);
      return { ok: true, id: rec.id, level: 4, jpeg: crop.png, width: crop.width, height: crop.height, source: 'processed' };
    } catch (err) {
      const { cause, detail } = classifyError(err);
      return { ok: false, id: rec.id, level: 4, cause, detail: `loupe: ${detail}` };
    }
  }

  #record(slot: ScreenSlot): ImageRecord | undefined {
    return slot.id !== undefined ? this.#host.recordById(slot.id) : this.#host.recordAt(slot.index);
  }

  /** The image the pan limits and the status follow: the preview's, or the culling focus. */
  #primaryRecord(): ImageRecord | undefined {
    const s = this.#host.state;
    if (s.view === 'culling') {
      const id = s.culling.ids[s.culling.focus];
      return id === undefined ? undefined : this.#host.recordById(id);
    }
    return this.#host.recordAt(s.cursor);
  }

  #primaryGeometry(): LoupeGeometry | null {
    const rec = this.#primaryRecord();
    if (!rec) return null;
    const size = this.#sources.sizeOf(rec) ?? recordSize(rec);
    return size ? this.#geometry(size) : null;
  }

  #geometry(image: Size): LoupeGeometry | null {
    const s = this.#host.state;
    const id = s.view === 'culling' ? s.culling.ids[s.culling.focus] : undefined;
    const slot = this.#host.layout.slots.find((sl) => sl.role === 'main' && (id === undefined || sl.id === id));
    if (!slot) return null;
    return { image, box: { cols: slot.slot.image.cols, rows: slot.slot.image.rows }, cellPx: this.#host.cellPx, maxPx: this.#maxPx() };
  }

  /** What the terminal draws at most: sixel's reported limit, else the renderer's 4096 px. */
  #maxPx(): Size {
    const caps = this.#host.services.graphics.caps;
    const sixel = caps.protocol === 'sixel' ? caps.sixelMaxPx : null;
    return sixel ? { width: Math.min(sixel.width, MAX_IMAGE_PX), height: Math.min(sixel.height, MAX_IMAGE_PX) } : { width: MAX_IMAGE_PX, height: MAX_IMAGE_PX };
  }
}

/** The library's (EXIF) size turned upright: the pan limits' guess until the source is known. */
function recordSize(rec: ImageRecord): Size | undefined {
  if (!rec.width || !rec.height) return undefined;
  const t = uprightTransform(rec.orientation, rec.rotation);
  return t.rotate === 90 || t.rotate === 270 ? { width: rec.height, height: rec.width } : { width: rec.width, height: rec.height };
}

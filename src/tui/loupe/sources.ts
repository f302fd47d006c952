import { LRUCache } from 'lru-cache';
import { decodeFullSize, planFullSize, type FullSizePlan, type FullSizeSource } from '../../cache/full-size.js';
import type { ImageRecord } from '../../db/types.js';
import type { Size } from '../state/loupe.js';

/**
 * The loupe's full-size sources, decoded once and kept in memory so a pan is only a crop: a
 * least-recently-used cache bounded in bytes of pixels (its share of `cacheSizeMB`, see
 * memory-budget.ts), separate from the thumbnails so a 72 MB 24 MP source never evicts a page
 * of them. One decode runs at a time (a culling view of eight raws decoding at once would hold
 * eight sensors' worth of pixels). A source bigger than the whole share is decoded for the view
 * that asked and not kept (each pan then decodes again: raise cacheSizeMB).
 *
 * For a RAW+JPEG pair the larger of the two sources is used; the JPEG (the camera's rendering,
 * and far quicker) unless the raw's is more than 2 % bigger on its long edge.
 */
export interface FullSizeStats {
  entries: number;
  bytes: number;
  maxBytes: number;
  decoding: number;
}

export interface FullSizeSourcesOptions {
  maxBytes: number;
  /** Every file of the record's RAW+JPEG pair, leader first (none or only itself when alone). */
  pairMembers?: (rec: ImageRecord) => readonly ImageRecord[];
  /** One decode may hold at most this many bytes of pixels. @default 1 GiB */
  decodeMaxBytes?: number;
}

export type LoupeSource = FullSizeSource & { key: string };

interface InFlight {
  promise: Promise<LoupeSource>;
  ctrl: AbortController;
}

/** Plans remembered (cheap, a few numbers each), at most this many. */
const MAX_PLANS = 2000;
/** The raw is used over the pair's JPEG only when its long edge is at least this much bigger. */
const PAIR_MARGIN = 1.02;

/** Identity of a record's pixels: its file and the user's rotation. */
export function sourceKey(rec: ImageRecord): string {
  return `${rec.id}:${rec.mtime}:${rec.fileSize}:${rec.rotation}`;
}

export class FullSizeSources {
  #cache: LRUCache<string, LoupeSource>;
  readonly #pairMembers: (rec: ImageRecord) => readonly ImageRecord[];
  readonly #decodeMaxBytes: number;
  #maxBytes: number;
  #inFlight = new Map<string, InFlight>();
  #plans = new Map<string, { member: ImageRecord; plan: FullSizePlan }>();
  /** Decodes run one after another. */
  #chain: Promise<unknown> = Promise.resolve();

  constructor(opts: FullSizeSourcesOptions) {
    this.#maxBytes = Math.max(1, Math.floor(opts.maxBytes));
    this.#pairMembers = opts.pairMembers ?? (() => []);
    this.#decodeMaxBytes = opts.decodeMaxBytes ?? 1024 ** 3;
    this.#cache = newCache(this.#maxBytes);
  }

  /** A new share of cacheSizeMB: the least recently used sources go until the rest fit. */
  setMaxBytes(maxBytes: number): void {
    const next = Math.max(1, Math.floor(maxBytes));
    if (next === this.#maxBytes) return;
    this.#maxBytes = next;
    // lru-cache fixes maxSize at construction: a new cache, refilled oldest first.
    const keep = [...this.#cache.entries()].reverse();
    this.#cache = newCache(next);
    for (const [k, v] of keep) if (v.pixels.length <= next) this.#cache.set(k, v, { size: v.pixels.length });
  }

  stats(): FullSizeStats {
    return { entries: this.#cache.size, bytes: this.#cache.calculatedSize, maxBytes: this.#maxBytes, decoding: this.#inFlight.size };
  }

  /** The upright size of the record's loupe source once planned (or decoded), else undefined. */
  sizeOf(rec: ImageRecord): Size | undefined {
    const kept = this.#cache.peek(sourceKey(rec));
    if (kept) return { width: kept.width, height: kept.height };
    const p = this.#plans.get(sourceKey(rec))?.plan;
    return p && p.width > 0 && p.height > 0 ? { width: p.width, height: p.height } : undefined;
  }

  /** Kept in memory (a pan will not decode). */
  has(rec: ImageRecord): boolean {
    return this.#cache.has(sourceKey(rec));
  }

  /**
   * The record's full-size source: from memory, from a decode under way, or decoded now. A
   * decode is not stopped by the view that asked moving on (the next pan wants it too); only
   * retain() stops one nobody wants.
   */
  get(rec: ImageRecord): Promise<LoupeSource> {
    const key = sourceKey(rec);
    const kept = this.#cache.get(key);
    if (kept) return Promise.resolve(kept);
    const running = this.#inFlight.get(key);
    if (running) return running.promise;
    const ctrl = new AbortController();
    const promise = this.#decode(rec, key, ctrl.signal).finally(() => {
      if (this.#inFlight.get(key)?.ctrl === ctrl) this.#inFlight.delete(key);
    });
    this.#inFlight.set(key, { promise, ctrl });
    return promise;
  }

  /** Stops decodes whose record is no longer shown zoomed (keys from sourceKey). */
  retain(keys: ReadonlySet<string>): void {
    for (const [key, f] of this.#inFlight) {
      if (keys.has(key)) continue;
      f.ctrl.abort();
      this.#inFlight.delete(key);
    }
  }

  clear(): void {
    this.retain(new Set());
    this.#cache.clear();
  }

  async #decode(rec: ImageRecord, key: string, signal: AbortSignal): Promise<LoupeSource> {
    const turn = this.#chain.then(async () => {
      if (signal.aborted) throw abortError();
      const { member, plan } = await this.#plan(rec, key, signal);
      const src = await decodeFullSize(member, plan, { signal, maxBytes: this.#decodeMaxBytes });
      if (signal.aborted) throw abortError();
      const out: LoupeSource = { ...src, key };
      if (src.pixels.length <= this.#maxBytes) this.#cache.set(key, out, { size: src.pixels.length });
      return out;
    });
    this.#chain = turn.catch(() => undefined);
    return turn;
  }

  /** The pair member with the larger source (or the record itself), and how to decode it. */
  async #plan(rec: ImageRecord, key: string, signal: AbortSignal): Promise<{ member: ImageRecord; plan: FullSizePlan }> {
    const known = this.#plans.get(key);
    if (known) return known;
    const members = this.#pairMembers(rec).filter((m) => m.id !== rec.id);
    let best = { member: rec, plan: await planFullSize(rec, { signal }) };
    for (const m of members) {
      // The pair's other file follows the item's rotation (decisions reach both files).
      const other = { ...m, rotation: rec.rotation };
      try {
        const plan = await planFullSize(other, { signal });
        if (Math.max(plan.width, plan.height) > PAIR_MARGIN * Math.max(best.plan.width, best.plan.height)) best = { member: other, plan };
      } catch {
        // an unreadable member: the other file serves
      }
    }
    this.#plans.set(key, best);
    if (this.#plans.size > MAX_PLANS) this.#plans.delete(this.#plans.keys().next().value!);
    return best;
  }

}

function newCache(maxSize: number): LRUCache<string, LoupeSource> {
  return new LRUCache<string, LoupeSource>({ maxSize, sizeCalculation: (v) => Math.max(1, v.pixels.length) });
}

function abortError(): Error {
  const err = new Error('aborted');
  err.name = 'AbortError';
  return err;
}

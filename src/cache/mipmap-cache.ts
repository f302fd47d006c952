import { stat } from 'node:fs/promises';
import { LRUCache } from 'lru-cache';
import { mipmapCacheFile, mipmapDir } from '../config/paths.js';
import type { Preferences } from '../config/preferences.js';
import { readCacheFile, writeCacheFile, writeCacheFileSync, type CacheFileMeta } from './cache-file.js';
import { DiskCache, type DiskStats } from './disk-cache.js';
import { ByteBudget, estimateDecodeBytes } from './decode-budget.js';
import { DiskHealth, type DiskProblem } from './disk-health.js';
import {
  colorKey,
  deadStillApplies,
  entryKey,
  factsFromStat,
  isFresh,
  prefWantsProcessed,
  toThumb,
  type CachedThumb,
  type DeadEntry,
  type FileFacts,
  type FreshnessNeed,
} from './entry.js';
import { loadDefaultMaker, type MakeThumbnailsResult, type ThumbnailMaker } from './maker.js';
import { WorkQueue } from './queue.js';
import {
  LEVEL_SIZES,
  LEVELS,
  type Level,
  type Priority,
  type Thumb,
  type ThumbFailure,
  type ThumbRequestOptions,
  type ThumbResult,
  type ThumbSubject,
} from './types.js';

/** Bytes an LRU entry costs beyond its JPEG (object, key, facts). */
const ENTRY_OVERHEAD_BYTES = 256;
const entrySize = (entry: CachedThumb): number => entry.jpeg.byteLength + ENTRY_OVERHEAD_BYTES;
/** Progress notifications at most this often (~10/s): React re-renders, Ink caps at 30 fps. */
const NOTIFY_INTERVAL_MS = 100;

export interface MipmapCacheOptions {
  libraryPath: string;
  prefs: Preferences;
  /** Load the memory cache saved by the last run. @default true */
  loadCacheFile?: boolean;
  /** Save the memory cache on close(). Batch commands turn it off: they write the disk backend. @default true */
  saveCacheFile?: boolean;
  /** The decoder. @default makeThumbnails from src/cache/sources */
  makeThumbnails?: ThumbnailMaker;
  /** Disk backend folder. @default mipmapDir(libraryPath) */
  diskDir?: string;
  /** Cache file. @default mipmapCacheFile(libraryPath) */
  cacheFile?: string;
  /** Pixel memory of the decodes in flight, in bytes (estimated from each file's header). @default DECODE_BUDGET_BYTES */
  decodeBudgetBytes?: number;
}

/** Decodes in flight hold at most this much pixel memory (eight 24 MP AVIFs at once took 2.0 GB). */
export const DECODE_BUDGET_BYTES = 512 * 1024 * 1024;

/** Queue progress of the current run (reset when new work arrives after the queue went idle). */
export interface QueueProgress {
  queued: number;
  running: number;
  done: number;
  failed: number;
  /** The disk cache cannot be written (full, read-only): one message for the whole cache. */
  diskProblem: DiskProblem | null;
}

export interface MemoryStats {
  hits: number;
  misses: number;
  evictions: number;
  bytes: number;
  entries: number;
  maxBytes: number;
  deadEntries: number;
  queue: QueueProgress;
}

export interface CacheStats extends MemoryStats {
  disk: { enabled: boolean; dir: string } & DiskStats;
}

export interface GenerateMissingOptions {
  subjects: Iterable<ThumbSubject> | AsyncIterable<ThumbSubject>;
  /** @default 0 */
  minLevel?: Level;
  /** @default 2 */
  maxLevel?: Level;
  /** Forget remembered failures of these images first and try again. @default false */
  retryFailed?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: GenerateProgress) => void;
}

export interface GenerateProgress {
  /** Images looked at so far. */
  seen: number;
  generated: number;
  present: number;
  failed: number;
}

export interface GenerateFailure {
  id: number;
  path: string;
  /** `disk`: made, but the disk cache could not be written (the message says why: ENOSPC, …). */
  cause: ThumbFailure['cause'] | 'disk';
  message: string;
}

export interface GenerateSummary {
  generated: number;
  present: number;
  failed: GenerateFailure[];
  /** True when the signal stopped the run before every image was looked at. */
  aborted: boolean;
}

interface Waiter {
  level: Level;
  resolve: (result: ThumbResult) => void;
  reject: (reason: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

interface Job {
  seq: number;
  subject: ThumbSubject;
  levels: Set<Level>;
  force: boolean;
  started: boolean;
  waiters: Waiter[];
  /** The generateMissing run that queued it (one abort listener per run, not per job). */
  group?: Set<Job>;
}

function inflightKey(id: number, level: Level, force: boolean): string {
  return `${id}:${level}:${force ? 'p' : 'a'}`;
}

async function statFacts(file: string): Promise<FileFacts | null> {
  try {
    const s = await stat(file);
    if (!s.isFile()) return null;
    return factsFromStat(s);
  } catch {
    // ENOENT, EACCES, ENOTDIR, a share gone offline (EIO, ESTALE): all "not there now".
    return null;
  }
}

function failure(id: number, level: Level, dead: Pick<DeadEntry, 'cause' | 'detail'>): ThumbFailure {
  return { ok: false, id, level, cause: dead.cause, detail: dead.detail };
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('aborted', 'AbortError');
}

/**
 * The one way to thumbnails: memory LRU → disk backend → queued generation, with
 * freshness checks against the file, remembered failures, priorities and cancellation.
 * Modelled on darktable's mipmap cache (common/mipmap_cache.c).
 */
export class MipmapCache {
  readonly libraryPath: string;
  readonly cacheFile: string;
  /** Warnings met so far (cache file problems, disk write errors), oldest first. */
  readonly warnings: string[] = [];

  #prefs: Preferences;
  #lru: LRUCache<string, CachedThumb>;
  #disk: DiskCache;
  #dead = new Map<number, DeadEntry>();
  #queue: WorkQueue<number>;
  #jobs = new Map<number, Job>();
  #inflight = new Map<string, Job>();
  #seq = 0;
  #make: ThumbnailMaker | undefined;
  #saveCacheFile: boolean;
  #running = new Set<Promise<void>>();
  #closed = false;
  /** Aborted by close(): running decodes stop (a raw decoder is killed) instead of being waited for. */
  #closing = new AbortController();

  #hits = 0;
  #misses = 0;
  #evictions = 0;
  #done = 0;
  #failed = 0;
  #runEnded = false;

  #listeners = new Set<() => void>();
  #snapshot: QueueProgress = { queued: 0, running: 0, done: 0, failed: 0, diskProblem: null };
  #diskHealth = new DiskHealth();
  #decodeBudget: ByteBudget;
  #swept: Promise<number> | undefined;
  #notifyTimer: NodeJS.Timeout | undefined;
  #lastNotify = 0;

  private constructor(opts: MipmapCacheOptions) {
    this.libraryPath = opts.libraryPath;
    this.#prefs = { ...opts.prefs };
    this.#lru = this.#newLru(this.#prefs.cacheSizeMB);
    this.#disk = new DiskCache(opts.diskDir ?? mipmapDir(opts.libraryPath));
    this.cacheFile = opts.cacheFile ?? mipmapCacheFile(opts.libraryPath);
    this.#queue = new WorkQueue(this.#prefs.concurrency);
    this.#make = opts.makeThumbnails;
    this.#saveCacheFile = opts.saveCacheFile ?? true;
    this.#decodeBudget = new ByteBudget(opts.decodeBudgetBytes ?? DECODE_BUDGET_BYTES);
  }

  /** Opens the cache and loads the file saved by the last run (problems become warnings). */
  static async open(opts: MipmapCacheOptions): Promise<MipmapCache> {
    const cache = new MipmapCache(opts);
    if (opts.loadCacheFile ?? true) {
      // Read only what the bound holds (the file goes most recent first), then set oldest
      // first so the LRU's recency is the saved one.
      const loaded = await readCacheFile(cache.cacheFile, { maxBytes: cache.#lru.maxSize, sizeOf: entrySize });
      if (loaded.warning) cache.warnings.push(loaded.warning);
      for (const entry of loaded.entries.reverse()) cache.#lru.set(entryKey(entry.id, entry.level), entry);
    }
    return cache;
  }

  /**
   * Set while the disk cache cannot be written (a full or read-only disk): the first error
   * since the last good write. Thumbnails are still made and kept in memory. Also in
   * getSnapshot(), so a subscriber (the lighttable's status line) shows it once.
   */
  get diskProblem(): DiskProblem | null {
    return this.#diskHealth.problem;
  }

  get diskDir(): string {
    return this.#disk.dir;
  }

  get preferences(): Readonly<Preferences> {
    return this.#prefs;
  }

  /** Path of a level's disk file (whether or not it exists). */
  diskPath(id: number, level: Level): string {
    return this.#disk.filePath(id, level);
  }

  // ---------------------------------------------------------------- lookups

  /**
   * The thumbnail of one level: from memory, else the disk backend, else made (queued at
   * `priority`). The file is stat'ed every time: a changed size, mtime or rotation means the
   * cached one is stale and is remade; a file now gone returns the cached one marked offline.
   * Rejects only with the signal's abort reason.
   */
  async get(subject: ThumbSubject, level: Level, opts: ThumbRequestOptions = {}): Promise<ThumbResult> {
    const signal = opts.signal;
    signal?.throwIfAborted();
    const force = opts.processed === true;
    const key = entryKey(subject.id, level);
    const facts = await statFacts(subject.path);
    signal?.throwIfAborted();

    if (facts === null) {
      const cached = this.#lru.get(key) ?? (this.#prefs.diskBackend ? await this.#disk.read(subject.id, level) : undefined);
      if (cached) {
        this.#hits++;
        return toThumb(cached, true);
      }
      this.#misses++;
      const dead = await this.#rememberDead(subject, null, 'missing', 'file not found or unreadable');
      return failure(subject.id, level, dead);
    }

    const need = this.#need(subject, level, facts, force);
    const mem = this.#lru.get(key);
    if (mem && isFresh(mem, need)) {
      this.#hits++;
      return toThumb(mem);
    }
    this.#misses++;
    if (this.#prefs.diskBackend) {
      const onDisk = await this.#disk.read(subject.id, level);
      if (onDisk && isFresh(onDisk, need)) {
        this.#lru.set(key, onDisk);
        return toThumb(onDisk);
      }
    }
    const dead = await this.#deadFor(subject.id);
    if (dead && deadStillApplies(dead, facts)) return failure(subject.id, level, dead);

    // Smaller levels missing from memory come from the same decode almost for free, and
    // give bestEffort() stand-ins for the next paint.
    const levels = new Set<Level>([level]);
    // With `processed` (full preview), the smaller embedded-source ones are replaced too,
    // as darktable does when an image is opened in the darkroom.
    for (const l of LEVELS) {
      if (l >= level) break;
      const m = this.#lru.peek(entryKey(subject.id, l));
      if (!m || !isFresh(m, this.#need(subject, l, facts, force))) levels.add(l);
    }
    const [result] = await this.#request(subject, [level], levels, force, opts.priority ?? 'visible', signal);
    return result!;
  }

  /** Synchronous, memory only, no freshness check against the file: for an instant first paint. */
  peek(subject: ThumbSubject, level: Level): ThumbResult | undefined {
    const entry = this.#lru.peek(entryKey(subject.id, level));
    if (entry && entry.rotation === subject.rotation) return toThumb(entry);
    const dead = this.#dead.get(subject.id);
    return dead ? failure(subject.id, level, dead) : undefined;
  }

  /**
   * Synchronous stand-in (darktable's BEST_EFFORT): the requested level if in memory, else
   * the nearest smaller one, else the nearest larger one.
   */
  bestEffort(subject: ThumbSubject, level: Level): Thumb | undefined {
    const order = [level, ...LEVELS.filter((l) => l < level).reverse(), ...LEVELS.filter((l) => l > level)];
    for (const l of order) {
      const entry = this.#lru.peek(entryKey(subject.id, l));
      if (entry && entry.rotation === subject.rotation) return toThumb(entry);
    }
    return undefined;
  }

  // ---------------------------------------------------------------- batch

  /**
   * Makes every missing or stale thumbnail of levels minLevel..maxLevel (one decode per
   * image), in parallel at batch priority; skips what is present and fresh (memory or disk).
   * Remembered failures are reported, not retried, unless `retryFailed`.
   */
  async generateMissing(opts: GenerateMissingOptions): Promise<GenerateSummary> {
    const minLevel = opts.minLevel ?? 0;
    const maxLevel = opts.maxLevel ?? 2;
    const wanted = LEVELS.filter((l) => l >= minLevel && l <= maxLevel);
    const summary: GenerateSummary = { generated: 0, present: 0, failed: [], aborted: false };
    let seen = 0;
    const report = () =>
      opts.onProgress?.({ seen, generated: summary.generated, present: summary.present, failed: summary.failed.length });
    const addFailure = (subject: ThumbSubject, f: { cause: GenerateFailure['cause']; detail: string }) =>
      summary.failed.push({ id: subject.id, path: subject.path, cause: f.cause, message: f.detail });

    // Leftovers of writers killed mid-write (once per cache: a batch run is where they pile up).
    this.#swept ??= this.#disk.sweepStaleTemps().catch(() => 0);
    await this.#swept;
    const pending = new Set<Promise<void>>();
    const group = new Set<Job>();
    const onAbort = () => {
      for (const job of [...group]) if (!job.started) this.#cancelJob(job, opts.signal?.reason);
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    // Enough look-ahead to keep every worker busy while the next images are stat'ed.
    const window = () => Math.max(4, this.#prefs.concurrency * 3);

    for await (const subject of opts.subjects) {
      if (opts.signal?.aborted) {
        summary.aborted = true;
        break;
      }
      seen++;
      const facts = await statFacts(subject.path);
      const missing: Level[] = [];
      for (const level of wanted) {
        if (!(await this.#hasFresh(subject, level, facts))) missing.push(level);
      }
      if (missing.length === 0) {
        summary.present++;
        report();
        continue;
      }
      if (facts === null) {
        addFailure(subject, await this.#rememberDead(subject, null, 'missing', 'file not found or unreadable'));
        report();
        continue;
      }
      if (opts.retryFailed) await this.retryFailed([subject.id]);
      else {
        const dead = await this.#deadFor(subject.id);
        if (dead && deadStillApplies(dead, facts)) {
          addFailure(subject, dead);
          report();
          continue;
        }
      }
      const task = this.#request(subject, missing, new Set(missing), false, 'batch', undefined, group).then(
        (results) => {
          const bad = results.find((r): r is ThumbFailure => !r.ok);
          // Made but not written: on a full disk nothing is there for the next run either.
          const unwritten = this.#diskHealth.take(subject.id);
          if (bad) addFailure(subject, bad);
          else if (unwritten !== undefined) addFailure(subject, { cause: 'disk', detail: `cannot write the disk cache: ${unwritten}` });
          else summary.generated++;
          report();
        },
        () => {
          // aborted: counted by the caller through `aborted`
        },
      );
      pending.add(task);
      void task.finally(() => pending.delete(task));
      while (pending.size >= window()) await Promise.race(pending);
    }
    await Promise.all(pending);
    opts.signal?.removeEventListener('abort', onAbort);
    if (opts.signal?.aborted) summary.aborted = true;
    return summary;
  }

  // ---------------------------------------------------------------- failures

  /** Forgets remembered failures (all, or of these images) so the next look tries again. */
  async retryFailed(ids?: Iterable<number>): Promise<number> {
    let list: number[];
    if (ids) list = [...ids];
    else {
      const onDisk = await this.#disk.listDead();
      list = [...new Set([...this.#dead.keys(), ...onDisk.map((d) => d.id)])];
    }
    let forgotten = 0;
    for (const id of list) {
      const had = this.#dead.delete(id) || (await this.#disk.readDead(id)) !== undefined;
      await this.#disk.removeDead(id);
      if (had) forgotten++;
    }
    if (forgotten) this.#notify();
    return forgotten;
  }

  /** Remembered failures (this process's and those on disk). */
  async failures(): Promise<DeadEntry[]> {
    const byId = new Map<number, DeadEntry>();
    for (const d of await this.#disk.listDead()) byId.set(d.id, d);
    for (const d of this.#dead.values()) byId.set(d.id, d);
    return [...byId.values()].sort((a, b) => a.id - b.id);
  }

  // ---------------------------------------------------------------- queue control

  /**
   * Drops queued on-screen and prefetch work for images not in keepIds (they scrolled
   * away); their requests reject with an AbortError. Batch work is left alone.
   */
  cancelStale(keepIds: ReadonlySet<number>): number {
    const removed = this.#queue.cancelWhere((seq, priority) => {
      const job = this.#jobs.get(seq);
      // A job a batch run also waits for (generateMissing) stays: the batch still wants it.
      return priority !== 'batch' && job !== undefined && job.group === undefined && !keepIds.has(job.subject.id);
    });
    for (const seq of removed) {
      const job = this.#jobs.get(seq);
      if (job) this.#cancelJob(job, new DOMException('scrolled away', 'AbortError'));
    }
    if (removed.length) this.#notify();
    return removed.length;
  }

  // ---------------------------------------------------------------- preferences

  /** Applies new preferences at once (cache size resizes the LRU, evicting to fit). */
  setPreferences(prefs: Preferences): void {
    const old = this.#prefs;
    this.#prefs = { ...prefs };
    if (prefs.cacheSizeMB !== old.cacheSizeMB) {
      const next = this.#newLru(prefs.cacheSizeMB);
      // Least recent first, so the newest survive when the new bound is smaller.
      for (const entry of this.#oldestFirst()) next.set(entryKey(entry.id, entry.level), entry);
      this.#evictions += Math.max(0, this.#lru.size - next.size);
      this.#lru = next;
    }
    if (prefs.concurrency !== old.concurrency) {
      this.#queue.concurrency = prefs.concurrency;
      this.#pump();
    }
    // diskBackend, thumbnailSource and the colour settings are read at each use: a source
    // change makes embedded thumbnails stale where it now wants decoding, a colour change
    // makes every thumbnail made under the old settings stale (isFresh).
  }

  // ---------------------------------------------------------------- stats & progress

  memoryStats(): MemoryStats {
    return {
      hits: this.#hits,
      misses: this.#misses,
      evictions: this.#evictions,
      bytes: this.#lru.calculatedSize,
      entries: this.#lru.size,
      maxBytes: this.#lru.maxSize,
      deadEntries: this.#dead.size,
      queue: this.#progressNow(),
    };
  }

  /** Memory statistics plus the disk backend's file count and size (walks its folders). */
  async stats(): Promise<CacheStats> {
    return {
      ...this.memoryStats(),
      disk: { enabled: this.#prefs.diskBackend, dir: this.#disk.dir, ...(await this.#disk.stats()) },
    };
  }

  /** For React's useSyncExternalStore; notifications are throttled to ~10/s. */
  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  getSnapshot = (): QueueProgress => this.#snapshot;

  // ---------------------------------------------------------------- shutdown

  /**
   * Drops queued work, stops running decodes (what they had written stays: every disk write
   * is whole or absent), then saves the memory cache file. Returns a warning instead of
   * throwing when the file cannot be written.
   */
  async close(): Promise<{ warning?: string }> {
    if (this.#closed) return {};
    this.#closed = true;
    this.#cancelAllQueued();
    this.#closing.abort();
    await Promise.allSettled([...this.#running]);
    clearTimeout(this.#notifyTimer);
    if (!this.#saveCacheFile) return {};
    try {
      await writeCacheFile(this.cacheFile, this.#newestFirst(), this.#meta());
      return {};
    } catch (err) {
      const warning = `cannot save cache file ${this.cacheFile}: ${(err as Error).message}`;
      this.warnings.push(warning);
      return { warning };
    }
  }

  /** For exit handlers: saves the cache file synchronously; running jobs are abandoned. */
  closeSync(): { warning?: string } {
    if (this.#closed) return {};
    this.#closed = true;
    clearTimeout(this.#notifyTimer);
    if (!this.#saveCacheFile) return {};
    try {
      writeCacheFileSync(this.cacheFile, this.#newestFirst(), this.#meta());
      return {};
    } catch (err) {
      const warning = `cannot save cache file ${this.cacheFile}: ${(err as Error).message}`;
      this.warnings.push(warning);
      return { warning };
    }
  }

  // ---------------------------------------------------------------- internals

  #meta(): CacheFileMeta {
    return { hits: this.#hits, misses: this.#misses, evictions: this.#evictions, maxBytes: this.#lru.maxSize, savedAt: Date.now() };
  }

  /** Least recently used first: the order that rebuilds recency when replayed. */
  *#oldestFirst(): Generator<CachedThumb> {
    for (const entry of this.#lru.rvalues()) if (entry) yield entry;
  }

  /** Most recently used first: the cache file's order (see cache-file.ts). */
  *#newestFirst(): Generator<CachedThumb> {
    for (const entry of this.#lru.values()) if (entry) yield entry;
  }

  #newLru(cacheSizeMB: number): LRUCache<string, CachedThumb> {
    return new LRUCache<string, CachedThumb>({
      maxSize: Math.max(1, Math.floor(cacheSizeMB * 1024 * 1024)),
      sizeCalculation: entrySize,
      dispose: (_value, _key, reason) => {
        if (reason === 'evict') this.#evictions++;
      },
    });
  }

  #need(subject: ThumbSubject, level: Level, facts: FileFacts, force: boolean): FreshnessNeed {
    return {
      facts,
      rotation: subject.rotation,
      colorKey: colorKey(this.#prefs.colorManagement, this.#prefs.monitorProfile),
      wantProcessed: force || prefWantsProcessed(this.#prefs.thumbnailSource, level),
      forceProcessed: force,
    };
  }

  /** Present and fresh in memory or on disk (offline counts as present: nothing to make). */
  async #hasFresh(subject: ThumbSubject, level: Level, facts: FileFacts | null): Promise<boolean> {
    const key = entryKey(subject.id, level);
    const mem = this.#lru.peek(key);
    if (facts === null) {
      if (mem) return true;
      return this.#prefs.diskBackend && (await this.#disk.read(subject.id, level)) !== undefined;
    }
    const need = this.#need(subject, level, facts, false);
    if (mem && isFresh(mem, need)) return true;
    if (!this.#prefs.diskBackend) return false;
    const onDisk = await this.#disk.readFacts(subject.id, level);
    if (onDisk === undefined || !isFresh({ ...onDisk, jpeg: Buffer.alloc(0) }, need)) return false;
    // Fresh by its facts: now check it decodes (truncated or garbage files are remade).
    return (await this.#disk.read(subject.id, level)) !== undefined;
  }

  async #deadFor(id: number): Promise<DeadEntry | undefined> {
    const mem = this.#dead.get(id);
    if (mem) return mem;
    // Another process (generate-cache beside the TUI) may have recorded it.
    const onDisk = await this.#disk.readDead(id);
    if (onDisk) this.#dead.set(id, onDisk);
    return onDisk;
  }

  /** Remembers a failure in memory and on disk (awaited: another process may look next). */
  async #rememberDead(
    subject: ThumbSubject,
    facts: FileFacts | null,
    cause: DeadEntry['cause'],
    detail: string,
  ): Promise<DeadEntry> {
    const dead: DeadEntry = {
      id: subject.id,
      cause,
      detail,
      exists: facts !== null,
      fileSize: facts?.fileSize ?? 0,
      mtime: facts?.mtime ?? 0,
      path: subject.path,
    };
    const old = this.#dead.get(subject.id);
    this.#dead.set(subject.id, dead);
    const same =
      old && old.cause === dead.cause && old.detail === dead.detail && old.exists === dead.exists &&
      old.fileSize === dead.fileSize && old.mtime === dead.mtime;
    if (!same) {
      await this.#disk
        .writeDead(dead)
        .catch((err: Error) => this.#warnOnce(`cannot record failure of image ${subject.id}: ${err.message}`));
    }
    return dead;
  }

  /**
   * Joins or creates the job for these levels and waits for the `answer` levels.
   * Rejects with the signal's reason when aborted.
   */
  #request(
    subject: ThumbSubject,
    answer: Level[],
    make: Set<Level>,
    force: boolean,
    priority: Priority,
    signal: AbortSignal | undefined,
    group?: Set<Job>,
  ): Promise<ThumbResult[]> {
    if (this.#closed) return Promise.reject(new Error('mipmap cache is closed'));
    if (this.#queue.idle && this.#runEnded) {
      this.#done = 0;
      this.#failed = 0;
      this.#runEnded = false;
    }
    const jobs = new Set<Job>();
    const promises = answer.map((level) => {
      let job = this.#inflight.get(inflightKey(subject.id, level, force));
      if (!job) {
        job = this.#pendingJobFor(subject.id, force) ?? this.#newJob(subject, force);
        for (const l of make) {
          if (!this.#inflight.has(inflightKey(subject.id, l, force))) {
            job.levels.add(l);
            this.#inflight.set(inflightKey(subject.id, l, force), job);
          }
        }
        job.levels.add(level);
        this.#inflight.set(inflightKey(subject.id, level, force), job);
      }
      jobs.add(job);
      if (group && !job.started && job.waiters.length === 0) {
        job.group = group;
        group.add(job);
      }
      return this.#wait(job, level, signal);
    });
    for (const job of jobs) if (!job.started) this.#queue.enqueue(job.seq, priority);
    this.#pump();
    this.#notify();
    return Promise.all(promises);
  }

  #pendingJobFor(id: number, force: boolean): Job | undefined {
    for (const job of this.#jobs.values()) {
      if (!job.started && job.subject.id === id && job.force === force) return job;
    }
    return undefined;
  }

  #newJob(subject: ThumbSubject, force: boolean): Job {
    const job: Job = { seq: this.#seq++, subject, levels: new Set(), force, started: false, waiters: [] };
    this.#jobs.set(job.seq, job);
    return job;
  }

  #wait(job: Job, level: Level, signal: AbortSignal | undefined): Promise<ThumbResult> {
    return new Promise<ThumbResult>((resolve, reject) => {
      const waiter: Waiter = { level, resolve, reject };
      if (signal) {
        waiter.signal = signal;
        waiter.onAbort = () => {
          const i = job.waiters.indexOf(waiter);
          if (i >= 0) job.waiters.splice(i, 1);
          reject(abortReason(signal));
          // Nobody wants it any more and it has not started: take it out of the queue.
          if (!job.started && job.waiters.length === 0) {
            this.#queue.cancel(job.seq);
            this.#dropJob(job);
            this.#notify();
          }
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      job.waiters.push(waiter);
    });
  }

  /** Takes a queued job out and rejects everyone waiting for it. */
  #cancelJob(job: Job, reason: unknown): void {
    this.#queue.cancel(job.seq);
    this.#dropJob(job);
    for (const w of job.waiters.splice(0)) {
      if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort);
      w.reject(reason ?? new DOMException('aborted', 'AbortError'));
    }
    this.#notify();
  }

  #dropJob(job: Job): void {
    this.#jobs.delete(job.seq);
    job.group?.delete(job);
    for (const l of job.levels) {
      const k = inflightKey(job.subject.id, l, job.force);
      if (this.#inflight.get(k) === job) this.#inflight.delete(k);
    }
  }

  #cancelAllQueued(): void {
    const removed = this.#queue.cancelWhere(() => true);
    for (const seq of removed) {
      const job = this.#jobs.get(seq);
      if (job) this.#cancelJob(job, new DOMException('mipmap cache closed', 'AbortError'));
    }
  }

  #pump(): void {
    for (let seq = this.#queue.take(); seq !== undefined; seq = this.#queue.take()) {
      const job = this.#jobs.get(seq);
      if (!job) {
        this.#queue.finish(seq);
        continue;
      }
      job.started = true;
      const run: Promise<void> = this.#run(job)
        .catch((err: unknown) => this.#warnOnce(`thumbnail job failed: ${(err as Error).message}`))
        .finally(() => {
          this.#running.delete(run);
          this.#queue.finish(seq);
          this.#dropJob(job);
          if (this.#queue.idle) this.#runEnded = true;
          this.#notify();
          if (!this.#closed) this.#pump();
        });
      this.#running.add(run);
    }
  }

  async #run(job: Job): Promise<void> {
    const { subject } = job;
    const levels = [...job.levels].sort((a, b) => a - b);
    const facts = await statFacts(subject.path);
    let result: MakeThumbnailsResult;
    if (facts === null) {
      result = { ok: false, cause: 'missing', detail: 'file not found or unreadable' };
    } else {
      // Decode memory in flight is bounded in bytes, not only by the job count.
      const longEdge = LEVEL_SIZES[levels[levels.length - 1]!];
      const release = await this.#decodeBudget.acquire(await estimateDecodeBytes(subject.path, facts.fileSize, longEdge));
      try {
        this.#make ??= await loadDefaultMaker();
        result = await this.#make(
          { ...subject, fileSize: facts.fileSize, mtime: facts.mtime },
          {
            levels,
            sourcePref: this.#prefs.thumbnailSource,
            forceProcessed: job.force,
            colorManagement: this.#prefs.colorManagement,
            monitorProfile: this.#prefs.monitorProfile,
            signal: this.#closing.signal,
          },
        );
      } catch (err) {
        // The sources layer promises never to throw; if it does, it is still a result.
        result = { ok: false, cause: 'unsupported', detail: err instanceof Error ? err.message : String(err) };
      } finally {
        release();
      }
    }

    if (this.#closing.signal.aborted) {
      // Stopped by close(): not a failure of the file, so nothing is remembered.
      this.#dropJob(job);
      for (const w of job.waiters.splice(0)) w.reject(new DOMException('mipmap cache closed', 'AbortError'));
      return;
    }
    const made = new Map<Level, CachedThumb>();
    if (result.ok && facts !== null) {
      for (const t of result.thumbs) {
        const entry: CachedThumb = {
          id: subject.id,
          level: t.level,
          jpeg: t.jpeg,
          width: t.width,
          height: t.height,
          source: t.source,
          rotation: subject.rotation,
          processedAsked: job.force || prefWantsProcessed(this.#prefs.thumbnailSource, t.level),
          colorKey: colorKey(this.#prefs.colorManagement, this.#prefs.monitorProfile),
          fileSize: facts.fileSize,
          mtime: facts.mtime,
        };
        made.set(t.level, entry);
        this.#lru.set(entryKey(subject.id, t.level), entry);
      }
      // Write-through: with the disk backend on, nothing made in memory is lost at exit.
      if (this.#prefs.diskBackend) {
        const errors = await Promise.all([...made.values()].map((e) => this.#disk.write(e).then(() => null, (err: unknown) => err)));
        const error = errors.find((e) => e !== null);
        if (error === undefined) {
          if (this.#diskHealth.succeeded(subject.id)) this.#notify();
        } else {
          if (this.#diskHealth.failed(subject.id, error)) this.#notify();
          this.#warnOnce(`cannot write the disk cache ${this.#disk.dir}: ${this.#diskHealth.problem?.message}`);
        }
      }
      // Another process may have recorded a failure of this image: it is wrong now.
      if (made.size > 0) {
        this.#dead.delete(subject.id);
        await this.#disk.removeDead(subject.id);
      }
      this.#done++;
    } else if (!result.ok) {
      await this.#rememberDead(subject, facts, result.cause, result.detail);
      this.#failed++;
    }

    // Out of the in-flight map first: a request arriving while the answers are handed out
    // must find the new entries (or start a new job), never join this finished one.
    this.#dropJob(job);
    const waiters = job.waiters.splice(0);
    const answers = await Promise.all(waiters.map((w) => this.#answer(subject, w.level, made, result)));
    waiters.forEach((w, i) => {
      if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort);
      w.resolve(answers[i]!);
    });
  }

  async #answer(
    subject: ThumbSubject,
    level: Level,
    made: Map<Level, CachedThumb>,
    result: MakeThumbnailsResult,
  ): Promise<ThumbResult> {
    const entry = made.get(level);
    if (entry) return toThumb(entry);
    if (!result.ok) {
      if (result.cause === 'missing') {
        // Gone while queued: a thumbnail made earlier is still worth showing.
        const cached =
          this.#lru.peek(entryKey(subject.id, level)) ??
          (this.#prefs.diskBackend ? await this.#disk.read(subject.id, level) : undefined);
        if (cached) return toThumb(cached, true);
      }
      return failure(subject.id, level, result);
    }
    return failure(subject.id, level, { cause: 'unsupported', detail: `no thumbnail made for level ${level}` });
  }

  #progressNow(): QueueProgress {
    const c = this.#queue.counts();
    return { queued: c.queued, running: c.running, done: this.#done, failed: this.#failed, diskProblem: this.#diskHealth.problem };
  }

  #notify(): void {
    if (this.#notifyTimer) return;
    const wait = Math.max(0, this.#lastNotify + NOTIFY_INTERVAL_MS - Date.now());
    this.#notifyTimer = setTimeout(() => {
      this.#notifyTimer = undefined;
      this.#lastNotify = Date.now();
      const now = this.#progressNow();
      const s = this.#snapshot;
      if (
        now.queued === s.queued && now.running === s.running && now.done === s.done && now.failed === s.failed &&
        now.diskProblem === s.diskProblem
      ) {
        return;
      }
      this.#snapshot = now;
      for (const listener of this.#listeners) listener();
    }, wait);
    this.#notifyTimer.unref();
  }

  #warned = new Set<string>();
  #warnOnce(message: string): void {
    if (this.#warned.has(message)) return;
    this.#warned.add(message);
    this.warnings.push(message);
  }
}

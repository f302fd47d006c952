import { LRUCache } from 'lru-cache';
import { mipmapCacheFile, mipmapDir } from '../config/paths.js';
import type { Preferences } from '../config/preferences.js';
import { readCacheFile, saveCacheFile, saveCacheFileSync, type CacheFileMeta } from './cache-file.js';
import {
  DECODE_BUDGET_BYTES,
  type CacheStats,
  type GenerateMissingOptions,
  type GenerateSummary,
  type MemoryStats,
  type MipmapCacheOptions,
  type QueueProgress,
} from './cache-types.js';
import { ByteBudget } from './decode-budget.js';
import { DiskCache } from './disk-cache.js';
import { DiskHealth, type DiskProblem } from './disk-health.js';
import {
  deadStillApplies,
  entryKey,
  isFresh,
  toThumb,
  type CachedThumb,
  type DeadEntry,
  type FileFacts,
  type FreshnessNeed,
} from './entry.js';
import { FailureStore } from './failures.js';
import { hasFresh, needOf } from './freshness.js';
import { generateMissing, type GenerateContext } from './generate.js';
import { failure, runJob, statFacts, type RunContext } from './job-run.js';
import { JobBoard } from './jobs.js';
import { loadDefaultMaker, type ThumbnailMaker } from './maker.js';
import { entrySize, thumbLru } from './memory-lru.js';
import { ProgressNotifier } from './progress-notifier.js';
import { LEVELS, type Level, type Thumb, type ThumbRequestOptions, type ThumbResult, type ThumbSubject } from './types.js';

// The public types live in cache-types.ts; imported from here by the CLI and the TUI.
export type {
  CacheStats,
  GenerateFailure,
  GenerateMissingOptions,
  GenerateProgress,
  GenerateSummary,
  MemoryStats,
  MipmapCacheOptions,
  QueueProgress,
} from './cache-types.js';
export { DECODE_BUDGET_BYTES } from './cache-types.js';

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
  #failures: FailureStore;
  #board: JobBoard;
  #make: ThumbnailMaker | undefined;
  #saveCacheFile: boolean;
  #closed = false;
  /** Aborted by close(): running decodes stop (a raw decoder is killed) instead of being waited for. */
  #closing = new AbortController();

  #hits = 0;
  #misses = 0;
  #evictions = 0;

  #progress = new ProgressNotifier(() => this.#progressNow());
  #diskHealth = new DiskHealth();
  #decodeBudget: ByteBudget;
  #swept: Promise<number> | undefined;
  #generateContext: GenerateContext;
  #warned = new Set<string>();

  private constructor(opts: MipmapCacheOptions) {
    this.libraryPath = opts.libraryPath;
    this.#prefs = { ...opts.prefs };
    this.#lru = this.#newLru(this.#prefs.cacheSizeMB);
    this.#disk = new DiskCache(opts.diskDir ?? mipmapDir(opts.libraryPath), opts.diskOptions);
    this.cacheFile = opts.cacheFile ?? mipmapCacheFile(opts.libraryPath);
    this.#decodeBudget = new ByteBudget(opts.decodeBudgetBytes ?? DECODE_BUDGET_BYTES);
    const warn = (message: string) => this.#warnOnce(message);
    const notify = () => this.#notify();
    this.#failures = new FailureStore(this.#disk, warn);
    const run: RunContext = {
      prefs: () => this.#prefs,
      lru: () => this.#lru,
      disk: this.#disk,
      diskHealth: this.#diskHealth,
      decodeBudget: this.#decodeBudget,
      failures: this.#failures,
      board: undefined as unknown as JobBoard,
      closing: this.#closing.signal,
      maker: async () => (this.#make ??= await loadDefaultMaker()),
      notify,
      warn,
      ...(opts.jobTimeoutMs !== undefined ? { jobTimeoutMs: opts.jobTimeoutMs } : {}),
    };
    this.#board = new JobBoard(this.#prefs.concurrency, { run: (job) => runJob(run, job), notify, warn });
    run.board = this.#board;
    this.#generateContext = {
      prefs: () => this.#prefs,
      board: this.#board,
      failures: this.#failures,
      diskHealth: this.#diskHealth,
      // Leftovers of writers killed mid-write (once per cache: a batch run is where they pile up).
      sweep: () => (this.#swept ??= this.#disk.sweepStaleTemps().catch(() => 0)),
      hasFresh: (subject, level, facts) => this.#hasFresh(subject, level, facts),
      retryFailed: (ids) => this.retryFailed(ids),
      request: (...args) => this.#board.request(...args),
    };
    this.#make = opts.makeThumbnails;
    this.#saveCacheFile = opts.saveCacheFile ?? true;
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
      const dead = await this.#failures.remember(subject, null, 'missing', 'file not found or unreadable');
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
    const dead = await this.#failures.find(subject.id);
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
    const [result] = await this.#board.request(subject, [level], levels, force, opts.priority ?? 'visible', signal);
    return result!;
  }

  /** Synchronous, memory only, no freshness check against the file: for an instant first paint. */
  peek(subject: ThumbSubject, level: Level): ThumbResult | undefined {
    const entry = this.#lru.peek(entryKey(subject.id, level));
    if (entry && entry.rotation === subject.rotation) return toThumb(entry);
    const dead = this.#failures.peek(subject.id);
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
    return generateMissing(this.#generateContext, opts);
  }

  // ---------------------------------------------------------------- failures

  /** Forgets remembered failures (all, or of these images) so the next look tries again. */
  async retryFailed(ids?: Iterable<number>): Promise<number> {
    const forgotten = await this.#failures.retry(ids);
    if (forgotten) this.#notify();
    return forgotten;
  }

  /** Remembered failures (this process's and those on disk). */
  async failures(): Promise<DeadEntry[]> {
    return this.#failures.list();
  }

  // ---------------------------------------------------------------- queue control

  /**
   * Drops queued on-screen and prefetch work for images not in keepIds (they scrolled
   * away); their requests reject with an AbortError. Batch work is left alone.
   */
  cancelStale(keepIds: ReadonlySet<number>): number {
    return this.#board.cancelStale(keepIds);
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
      this.#board.concurrency = prefs.concurrency;
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
      deadEntries: this.#failures.size,
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
  subscribe = (listener: () => void): (() => void) => this.#progress.subscribe(listener);

  getSnapshot = (): QueueProgress => this.#progress.getSnapshot();

  // ---------------------------------------------------------------- shutdown

  /**
   * Drops queued work, stops running decodes (what they had written stays: every disk write
   * is whole or absent), then saves the memory cache file. Returns a warning instead of
   * throwing when the file cannot be written.
   */
  async close(): Promise<{ warning?: string }> {
    if (this.#closed) return {};
    this.#closed = true;
    this.#board.closed = true;
    this.#board.cancelAllQueued();
    this.#closing.abort();
    await Promise.allSettled([...this.#board.running]);
    this.#progress.stop();
    if (!this.#saveCacheFile) return {};
    return this.#saved(await saveCacheFile(this.cacheFile, this.#newestFirst(), this.#meta()));
  }

  /** For exit handlers: saves the cache file synchronously; running jobs are abandoned. */
  closeSync(): { warning?: string } {
    if (this.#closed) return {};
    this.#closed = true;
    this.#board.closed = true;
    this.#progress.stop();
    if (!this.#saveCacheFile) return {};
    return this.#saved(saveCacheFileSync(this.cacheFile, this.#newestFirst(), this.#meta()));
  }

  // ---------------------------------------------------------------- internals

  #saved(saved: { warning?: string }): { warning?: string } {
    if (saved.warning) this.warnings.push(saved.warning);
    return saved;
  }

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
    return thumbLru(cacheSizeMB, () => this.#evictions++);
  }

  #need(subject: ThumbSubject, level: Level, facts: FileFacts, force: boolean): FreshnessNeed {
    return needOf(this.#prefs, subject, level, facts, force);
  }

  #hasFresh(subject: ThumbSubject, level: Level, facts: FileFacts | null): Promise<boolean> {
    return hasFresh({ prefs: this.#prefs, lru: this.#lru, disk: this.#disk }, subject, level, facts);
  }

  #progressNow(): QueueProgress {
    const c = this.#board.queue.counts();
    return { queued: c.queued, running: c.running, done: this.#board.done, failed: this.#board.failed, diskProblem: this.#diskHealth.problem };
  }

  #notify(): void {
    this.#progress.notify();
  }

  #warnOnce(message: string): void {
    if (this.#warned.has(message)) return;
    this.#warned.add(message);
    this.warnings.push(message);
  }
}

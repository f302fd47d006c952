import { stat } from 'node:fs/promises';
import type { LRUCache } from 'lru-cache';
import type { Preferences } from '../config/preferences.js';
import type { ByteBudget } from './decode-budget.js';
import { estimateDecodeBytes } from './decode-budget.js';
import type { DiskCache } from './disk-cache.js';
import type { DiskHealth } from './disk-health.js';
import { colorKey, entryKey, factsFromStat, prefWantsProcessed, toThumb, type CachedThumb, type DeadEntry, type FileFacts } from './entry.js';
import type { FailureStore } from './failures.js';
import type { Job, JobBoard } from './jobs.js';
import type { MakeThumbnailsResult, ThumbnailMaker } from './maker.js';
import { LEVEL_SIZES, type Level, type ThumbFailure, type ThumbResult, type ThumbSubject } from './types.js';

/*
 * Running one thumbnail job: stat the file, decode under the byte budget, put what was made
 * in memory and (write-through) on disk, remember or forget the failure, and answer every
 * waiter of every level.
 */

/** What a job needs of the cache it runs in. */
export interface RunContext {
  prefs: () => Readonly<Preferences>;
  lru: () => LRUCache<string, CachedThumb>;
  disk: DiskCache;
  diskHealth: DiskHealth;
  decodeBudget: ByteBudget;
  failures: FailureStore;
  board: JobBoard;
  /** Aborted by close(): running decodes stop instead of being waited for. */
  closing: AbortSignal;
  maker: () => Promise<ThumbnailMaker>;
  notify: () => void;
  warn: (message: string) => void;
  /** The per-file time budget of a job. @default JOB_TIMEOUT_MS */
  jobTimeoutMs?: number;
}

/**
 * No file's own work (its header read for the byte budget, then its decode) may hold a queue
 * slot longer than this: the job is given up as `unsupported` and the queue goes on. Above
 * the sources layer's own 120 s (makeThumbnails), so that one normally answers first; this
 * one also covers the header read and a maker that does not keep its promise.
 */
export const JOB_TIMEOUT_MS = 150_000;

/** The per-file budget ran out. */
class JobTimeout extends Error {
  override name = 'JobTimeout';
}

/**
 * `work` or JobTimeout after `ms`. The work is not stopped by this (a libvips or wasm call
 * cannot be interrupted from here): the caller aborts what listens to a signal, and the slot
 * is given back to the queue either way.
 */
function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new JobTimeout(`gave up after ${Math.round(ms / 100) / 10} s ${what}`)), ms);
  });
  work.catch(() => undefined); // a late failure of abandoned work is not an unhandled rejection
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export async function statFacts(file: string): Promise<FileFacts | null> {
  try {
    const s = await stat(file);
    if (!s.isFile()) return null;
    return factsFromStat(s);
  } catch {
    // ENOENT, EACCES, ENOTDIR, a share gone offline (EIO, ESTALE): all "not there now".
    return null;
  }
}

export function failure(id: number, level: Level, dead: Pick<DeadEntry, 'cause' | 'detail'>): ThumbFailure {
  return { ok: false, id, level, cause: dead.cause, detail: dead.detail };
}

export async function runJob(ctx: RunContext, job: Job): Promise<void> {
  const { subject } = job;
  const levels = [...job.levels].sort((a, b) => a - b);
  const facts = await statFacts(subject.path);
  let result: MakeThumbnailsResult;
  if (facts === null) {
    result = { ok: false, cause: 'missing', detail: 'file not found or unreadable' };
  } else {
    result = await makeWithin(ctx, job, levels, facts);
  }

  if (ctx.closing.aborted) {
    // Stopped by close(): not a failure of the file, so nothing is remembered.
    ctx.board.dropJob(job);
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
        processedAsked: job.force || prefWantsProcessed(ctx.prefs().thumbnailSource, t.level),
        colorKey: colorKey(ctx.prefs().colorManagement, ctx.prefs().monitorProfile),
        fileSize: facts.fileSize,
        mtime: facts.mtime,
      };
      made.set(t.level, entry);
    }
    // Another process may have recorded a failure of this image: it is wrong now. Forgotten
    // while the files are written (both are done before anyone is answered): a file-system
    // round trip less between this job and its slot's next file.
    const forgotten = made.size > 0 ? ctx.failures.forget(subject.id) : undefined;
    // Write-through: with the disk backend on, nothing made in memory is lost at exit.
    let onDisk = false;
    if (ctx.prefs().diskBackend) {
      const errors = await Promise.all([...made.values()].map((e) => ctx.disk.write(e).then(() => null, (err: unknown) => err)));
      const error = errors.find((e) => e !== null);
      if (error === undefined) {
        onDisk = true;
        if (ctx.diskHealth.succeeded(subject.id)) ctx.notify();
      } else {
        if (ctx.diskHealth.failed(subject.id, error)) ctx.notify();
        ctx.warn(`cannot write the disk cache ${ctx.disk.dir}: ${ctx.diskHealth.problem?.message}`);
      }
    }
    if (keepInMemory(job, onDisk)) for (const [level, entry] of made) ctx.lru().set(entryKey(subject.id, level), entry);
    await forgotten;
    ctx.board.done++;
  } else if (!result.ok) {
    await ctx.failures.remember(subject, facts, result.cause, result.detail);
    ctx.board.failed++;
  }

  // Out of the in-flight map first: a request arriving while the answers are handed out
  // must find the new entries (or start a new job), never join this finished one.
  ctx.board.dropJob(job);
  const waiters = job.waiters.splice(0);
  const answers = await Promise.all(waiters.map((w) => answer(ctx, subject, w.level, made, result)));
  waiters.forEach((w, i) => {
    if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort);
    w.resolve(answers[i]!);
  });
}

/**
 * Whether a made thumbnail goes into the memory LRU. What only a batch run (`g`,
 * generateMissing) asked for and is safely on disk is not kept: a run over thousands of images
 * would fill the LRU with thumbnails nobody is looking at, evicting the ones on screen, and
 * the turnover of JPEG buffers made on libvips's threads (each with its own malloc arena) made
 * the lighttable's RSS grow through the whole run (bench/generation.ts). A request from the
 * grid joining the job keeps it, and so does a failed disk write (memory is then all there is).
 */
function keepInMemory(job: Job, onDisk: boolean): boolean {
  return job.group === undefined || job.wanted === true || !onDisk;
}

/**
 * Decodes one file under its time budget (the wait for the byte budget is not counted: that
 * is other files' time). A job past its budget aborts what listens (a raw decoder is killed,
 * a HEIC worker dropped) and becomes a failure of this file alone.
 */
async function makeWithin(ctx: RunContext, job: Job, levels: Level[], facts: FileFacts): Promise<MakeThumbnailsResult> {
  const { subject } = job;
  const budgetMs = ctx.jobTimeoutMs ?? JOB_TIMEOUT_MS;
  const stop = new AbortController();
  const started = Date.now();
  let release = () => {};
  try {
    // Decode memory in flight is bounded in bytes, not only by the job count.
    const longEdge = LEVEL_SIZES[levels[levels.length - 1]!];
    const bytes = await within(estimateDecodeBytes(subject.path, facts.fileSize, longEdge), budgetMs, 'reading the header');
    release = await ctx.decodeBudget.acquire(bytes);
    const make = await ctx.maker();
    const made = make(
      { ...subject, fileSize: facts.fileSize, mtime: facts.mtime },
      {
        levels,
        sourcePref: ctx.prefs().thumbnailSource,
        forceProcessed: job.force,
        colorManagement: ctx.prefs().colorManagement,
        monitorProfile: ctx.prefs().monitorProfile,
        signal: AbortSignal.any([ctx.closing, stop.signal]),
      },
    );
    return await within(made, Math.max(1, budgetMs - (Date.now() - started)), 'decoding');
  } catch (err) {
    if (err instanceof JobTimeout) {
      stop.abort();
      return { ok: false, cause: 'unsupported', detail: `${err.message}: over the per-file time budget` };
    }
    // The sources layer promises never to throw; if it does, it is still a result.
    return { ok: false, cause: 'unsupported', detail: err instanceof Error ? err.message : String(err) };
  } finally {
    release();
  }
}

async function answer(
  ctx: RunContext,
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
        ctx.lru().peek(entryKey(subject.id, level)) ??
        (ctx.prefs().diskBackend ? await ctx.disk.read(subject.id, level) : undefined);
      if (cached) return toThumb(cached, true);
    }
    return failure(subject.id, level, result);
  }
  return failure(subject.id, level, { cause: 'unsupported', detail: `no thumbnail made for level ${level}` });
}

import type { Preferences } from '../config/preferences.js';
import type { GenerateFailure, GenerateMissingOptions, GenerateSummary } from './cache-types.js';
import type { DiskHealth } from './disk-health.js';
import { deadStillApplies, type FileFacts } from './entry.js';
import type { FailureStore } from './failures.js';
import type { Job, JobBoard } from './jobs.js';
import { statFacts } from './job-run.js';
import { LEVELS, type Level, type Priority, type ThumbFailure, type ThumbResult, type ThumbSubject } from './types.js';

/** What a batch run needs of the cache. */
export interface GenerateContext {
  prefs: () => Readonly<Preferences>;
  board: JobBoard;
  failures: FailureStore;
  diskHealth: DiskHealth;
  /** Removes temp files of dead writers; once per cache. */
  sweep: () => Promise<number>;
  hasFresh: (subject: ThumbSubject, level: Level, facts: FileFacts | null) => Promise<boolean>;
  retryFailed: (ids: Iterable<number>) => Promise<number>;
  request: (
    subject: ThumbSubject,
    answer: Level[],
    make: Set<Level>,
    force: boolean,
    priority: Priority,
    signal: AbortSignal | undefined,
    group?: Set<Job>,
  ) => Promise<ThumbResult[]>;
}

/** Images whose presence is checked ahead of the one being handled. */
const CHECK_AHEAD = 8;

/**
 * `fn` of each item, in order, with up to `ahead` of them started before their turn. Stops
 * pulling items once `signal` is aborted (what was started still settles). A source that has
 * nothing yet (an import's IdFeed between two batches) never holds back an item already
 * started: waiting for the next item while the first was ready left one job running while
 * the import read its next batch.
 */
export async function* lookAhead<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  ahead: number,
  fn: (item: T) => Promise<R>,
  signal: AbortSignal | undefined,
): AsyncGenerator<R> {
  const started: Promise<R>[] = [];
  const iterator = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
  const ready = Symbol('ready');
  let pulling: Promise<IteratorResult<T>> | undefined;
  let done = false;
  try {
    for (;;) {
      while (!done && started.length < ahead && !signal?.aborted) {
        pulling ??= Promise.resolve(iterator.next());
        const first = started[0];
        const next = first ? await Promise.race([pulling, first.then(() => ready, () => ready)]) : await pulling;
        if (typeof next === 'symbol') break; // the pull stays pending for the next turn
        pulling = undefined;
        if (next.done) done = true;
        else {
          const p = fn(next.value);
          p.catch(() => undefined); // seen when its turn comes
          started.push(p);
        }
      }
      const first = started.shift();
      if (first === undefined) return;
      yield await first;
    }
  } finally {
    // With a pull still pending, return() would queue behind it (an async generator runs one
    // step at a time): the source ends it itself.
    if (!done) {
      if (pulling) void pulling.then(() => iterator.return?.()).catch(() => undefined);
      else await iterator.return?.();
    }
  }
}

export function wantedLevels(minLevel: Level, maxLevel: Level): Level[] {
  return LEVELS.filter((l) => l >= minLevel && l <= maxLevel);
}

/** One image's file facts and the levels of `wanted` it lacks (missing or stale). */
export interface Presence {
  subject: ThumbSubject;
  facts: FileFacts | null;
  missing: Level[];
}

export function presenceCheck(hasFresh: GenerateContext['hasFresh'], wanted: readonly Level[]): (subject: ThumbSubject) => Promise<Presence> {
  return async (subject) => {
    const facts = await statFacts(subject.path);
    const fresh = await Promise.all(wanted.map((level) => hasFresh(subject, level, facts)));
    return { subject, facts, missing: wanted.filter((_, i) => !fresh[i]) };
  };
}

/**
 * The subjects that lack one of the checked levels, in order, checked a few ahead; the ones
 * complete are only counted (onPresent). A batch run hands what this yields to the mipmap
 * cache, so over a complete cache it never loads the cache's job board, memory LRU and
 * decoders: there this check is the whole run (generate-cache).
 */
export async function* lacking(
  subjects: Iterable<ThumbSubject> | AsyncIterable<ThumbSubject>,
  check: (subject: ThumbSubject) => Promise<Presence>,
  signal: AbortSignal | undefined,
  onPresent: () => void,
): AsyncGenerator<ThumbSubject> {
  for await (const { subject, missing } of lookAhead(subjects, CHECK_AHEAD, check, signal)) {
    if (signal?.aborted) return;
    if (missing.length === 0) onPresent();
    else yield subject;
  }
}

/**
 * Makes every missing or stale thumbnail of levels minLevel..maxLevel (one decode per
 * image), in parallel at batch priority; skips what is present and fresh (memory or disk).
 * Remembered failures are reported, not retried, unless `retryFailed`.
 */
export async function generateMissing(ctx: GenerateContext, opts: GenerateMissingOptions): Promise<GenerateSummary> {
  const minLevel = opts.minLevel ?? 0;
  const maxLevel = opts.maxLevel ?? 2;
  const wanted = wantedLevels(minLevel, maxLevel);
  const summary: GenerateSummary = { generated: 0, present: 0, failed: [], aborted: false };
  let seen = 0;
  const report = () =>
    opts.onProgress?.({ seen, generated: summary.generated, present: summary.present, failed: summary.failed.length });
  const addFailure = (subject: ThumbSubject, f: { cause: GenerateFailure['cause']; detail: string }) =>
    summary.failed.push({ id: subject.id, path: subject.path, cause: f.cause, message: f.detail });

  // Leftovers of writers killed mid-write (once per cache: a batch run is where they pile up).
  await ctx.sweep();
  const pending = new Set<Promise<void>>();
  const group = new Set<Job>();
  const onAbort = () => {
    for (const job of [...group]) if (!job.started) ctx.board.cancelJob(job, opts.signal?.reason);
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  // Enough look-ahead to keep every worker busy while the next images are stat'ed.
  const window = () => Math.max(4, ctx.prefs().concurrency * 3);

  // What is missing of each image, looked at a few images ahead: the stat and the reads of
  // one image wait on the file system, and with nothing to make these checks are the run.
  const check = presenceCheck(ctx.hasFresh, wanted);
  for await (const { subject, facts, missing } of lookAhead(opts.subjects, CHECK_AHEAD, check, opts.signal)) {
    if (opts.signal?.aborted) {
      summary.aborted = true;
      break;
    }
    seen++;
    if (missing.length === 0) {
      summary.present++;
      report();
      continue;
    }
    if (facts === null) {
      addFailure(subject, await ctx.failures.remember(subject, null, 'missing', 'file not found or unreadable'));
      report();
      continue;
    }
    if (opts.retryFailed) await ctx.retryFailed([subject.id]);
    else {
      const dead = await ctx.failures.find(subject.id);
      if (dead && deadStillApplies(dead, facts)) {
        addFailure(subject, dead);
        report();
        continue;
      }
    }
    const task = ctx.request(subject, missing, new Set(missing), false, 'batch', undefined, group).then(
      (results) => {
        const bad = results.find((r): r is ThumbFailure => !r.ok);
        // Made but not written: on a full disk nothing is there for the next run either.
        const unwritten = ctx.diskHealth.take(subject.id);
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

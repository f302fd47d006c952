import type { Command } from 'commander';
import type { AnalysisRecorder } from '../analysis/recorder.js';
import { DiskCache } from '../cache/disk-cache.js';
import { hasFresh } from '../cache/freshness.js';
import { lacking, presenceCheck, wantedLevels } from '../cache/generate.js';
import type { GenerateSummary } from '../cache/mipmap-cache.js';
import { subjectFromRecord } from '../cache/subject.js';
import { CAUSE_LABELS, MAX_LEVEL, type Level, type ThumbSubject } from '../cache/types.js';
import type { Preferences } from '../config/preferences.js';
import { mipmapDir } from '../config/paths.js';
import { unanalysedIds } from '../db/library-analysis.js';
import type { Library } from '../db/library.js';
import { sanitizeText, terminalSafeJson } from '../util/sanitize.js';
import { intArg, libraryPathFrom, UsageError, type CommandContext } from './common.js';
import { BATCH_DISK, batchPreferences, openExistingLibrary } from './batch.js';
import { thumbnailProgressBar, type ProgressBar } from './progress.js';

interface GenerateCacheOptions {
  minMip: number;
  maxMip: number;
  minImgid?: number;
  maxImgid?: number;
  retryFailed?: boolean;
  json?: boolean;
}

function printSummary(summary: GenerateSummary, json: boolean): void {
  if (json) {
    const { generated, present, failed } = summary;
    process.stdout.write(`${terminalSafeJson({ generated, present, failed })}\n`);
    return;
  }
  for (const f of summary.failed) {
    process.stderr.write(
      `termtable: image ${f.id} ${sanitizeText(f.path)}: ${f.cause === 'disk' ? 'not saved' : CAUSE_LABELS[f.cause]}: ${sanitizeText(f.message)}\n`,
    );
  }
  process.stdout.write(
    `generated ${summary.generated}, already present ${summary.present}, failed ${summary.failed.length}` +
      `${summary.aborted ? ' (interrupted)' : ''}\n`,
  );
}

async function* prepend<T>(first: T, rest: AsyncIterable<T>): AsyncGenerator<T> {
  yield first;
  yield* rest;
}

/**
 * The focus-score recorder, made on first need: a run over a complete, measured library
 * never loads it (nor the AF-point readers and the stacking it brings).
 */
function lazyRecorder(lib: Library, prefs: Preferences): { get(): Promise<AnalysisRecorder>; made(): AnalysisRecorder | undefined } {
  let recorder: Promise<AnalysisRecorder> | undefined;
  let ready: AnalysisRecorder | undefined;
  return {
    get: () =>
      (recorder ??= import('../analysis/recorder.js').then(({ AnalysisRecorder }) => (ready = new AnalysisRecorder(lib, prefs)))),
    made: () => ready,
  };
}

export function registerGenerateCache(program: Command, ctx: CommandContext): void {
  program
    .command('generate-cache')
    .description('make every missing thumbnail of the library in one go, in parallel (like darktable-generate-cache)')
    .option('--min-mip <n>', 'smallest level to make, 0-4 (0 = 128 px … 4 = 2048 px)', intArg(0, MAX_LEVEL), 0)
    .option('--max-mip <n>', 'largest level to make, 0-4', intArg(0, MAX_LEVEL), 2)
    .option('--min-imgid <n>', 'first image id', intArg(1, Number.MAX_SAFE_INTEGER))
    .option('--max-imgid <n>', 'last image id', intArg(1, Number.MAX_SAFE_INTEGER))
    .option('--retry-failed', 'try again images whose thumbnails failed before (otherwise remembered failures are only reported)')
    .option('--json', 'print one JSON summary object: {"generated":N,"present":N,"failed":[{"id","path","cause","message"}]}')
    .addHelpText(
      'after',
      '\nThumbnails go to the disk cache ($XDG_CACHE_HOME/termtable/mipmaps-<hash>.d/<level>/<id>.jpg),\n' +
        'which it fills whatever the disk-backend preference says. Safe to run while the TUI is open,\n' +
        'in several processes at once (split with --min-imgid/--max-imgid), and again after an interruption.\n' +
        'A thumbnail counts as present only if it decodes; one that cannot be written (full disk) is a\n' +
        'failure with cause "disk". Every image also gets its focus score and dHash (images whose\n' +
        'thumbnails already existed are decoded once for it), and burst stacks are recomputed.\n' +
        'Exit status: 0 when every thumbnail exists, 1 when some could not be\n' +
        'made or saved (they are listed).\n\n' +
        'Examples:\n  termtable generate-cache\n  termtable generate-cache --max-mip 3 --min-imgid 1 --max-imgid 50000 --json',
    )
    .action(async (opts: GenerateCacheOptions, cmd: Command) => {
      if (opts.minMip > opts.maxMip) throw new UsageError(`--min-mip ${opts.minMip} is above --max-mip ${opts.maxMip}`);
      if (opts.minImgid !== undefined && opts.maxImgid !== undefined && opts.minImgid > opts.maxImgid) {
        throw new UsageError(`--min-imgid ${opts.minImgid} is above --max-imgid ${opts.maxImgid}`);
      }
      const libraryPath = libraryPathFrom(cmd);
      const lib = openExistingLibrary(libraryPath);
      // The disk backend is the record of what exists here; memory only needs to hold a few
      // jobs' results, so a batch over a huge library stays small.
      const prefs = await batchPreferences();
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const range = { minId: opts.minImgid, maxId: opts.maxImgid };
      const bar = opts.json ? undefined : thumbnailProgressBar(lib.countRange(range));
      // Every job also measures focus and dHash of what it decoded (src/analysis/recorder.ts).
      const recorder = lazyRecorder(lib, prefs);
      let cache: import('../cache/mipmap-cache.js').MipmapCache | undefined;
      try {
        // What is there is checked on disk first, the mipmap cache (job board, LRU, decoders)
        // opened only at the first image that lacks a thumbnail: with nothing to make, that
        // check is the whole run. Temp files of killed writers go first, whatever is found.
        const disk = new DiskCache(mipmapDir(libraryPath), BATCH_DISK);
        await disk.sweepStaleTemps().catch(() => 0);
        const wanted = wantedLevels(opts.minMip as Level, opts.maxMip as Level);
        // A new batch process holds nothing in memory: only the disk can have it.
        const tiers = { prefs, disk, lru: { peek: () => undefined } };
        const check = presenceCheck((subject, level, facts) => hasFresh(tiers, subject, level, facts), wanted);
        let present = 0;
        const toMake = lacking(
          (function* () {
            for (const r of lib.iterate(range)) yield subjectFromRecord(r);
          })(),
          check,
          abort.signal,
          () => {
            present++;
            bar?.update(present, 0);
          },
        );
        const first = await toMake.next();
        let summary: GenerateSummary = { generated: 0, present: 0, failed: [], aborted: false };
        if (!first.done) {
          const { MipmapCache } = await import('../cache/mipmap-cache.js');
          const { maker } = await recorder.get();
          // The saved memory cache belongs to the TUI: a batch run neither loads nor overwrites it.
          cache = await MipmapCache.open({
            libraryPath,
            prefs,
            loadCacheFile: false,
            saveCacheFile: false,
            makeThumbnails: maker,
            diskOptions: BATCH_DISK,
          });
          summary = await cache.generateMissing({
            subjects: prepend<ThumbSubject>(first.value, toMake),
            minLevel: opts.minMip as Level,
            maxLevel: opts.maxMip as Level,
            retryFailed: opts.retryFailed === true,
            signal: abort.signal,
            onProgress: (p) => bar?.update(present + p.generated + p.present + p.failed, p.failed),
          });
        }
        summary.present += present;
        if (abort.signal.aborted) summary.aborted = true;
        bar?.stop();
        // Images whose thumbnails were already there: measured from one decode each.
        const skip = new Set(summary.failed.map((f) => f.id));
        let focusBar: ProgressBar | undefined;
        if (!summary.aborted && unanalysedIds(lib, range).some((id) => !skip.has(id))) {
          await (await recorder.get()).backfill({
            ...range,
            ...prefs,
            signal: abort.signal,
            skip,
            onProgress: (started, total) => {
              focusBar ??= opts.json ? undefined : thumbnailProgressBar(total, 'focus scores');
              focusBar?.update(started, 0);
            },
          });
        }
        focusBar?.stop();
        const made = recorder.made();
        made?.finish();
        for (const e of made?.errors.slice(0, 1) ?? []) process.stderr.write(`termtable: focus scores not saved: ${sanitizeText(e)}\n`);
        for (const w of cache?.warnings ?? []) process.stderr.write(`termtable: ${sanitizeText(w)}\n`);
        printSummary(summary, opts.json === true);
        if (summary.aborted) ctx.setExitCode(130);
        else if (summary.failed.length) ctx.setExitCode(1);
      } finally {
        bar?.stop();
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        await cache?.close();
        lib.close();
      }
    });
}

import type { Command } from 'commander';
import { AnalysisRecorder } from '../analysis/recorder.js';
import { MipmapCache, type GenerateSummary } from '../cache/mipmap-cache.js';
import { subjectFromRecord } from '../cache/subject.js';
import { CAUSE_LABELS, MAX_LEVEL, type Level } from '../cache/types.js';
import { sanitizeText, terminalSafeJson } from '../util/sanitize.js';
import { intArg, libraryPathFrom, UsageError, type CommandContext } from './common.js';
import { batchPreferences, openExistingLibrary } from './batch.js';
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
      // The saved memory cache belongs to the TUI: a batch run neither loads nor overwrites it.
      // Every job also measures focus and dHash of what it decoded (src/analysis/recorder.ts).
      const recorder = new AnalysisRecorder(lib, prefs);
      const cache = await MipmapCache.open({
        libraryPath, prefs, loadCacheFile: false, saveCacheFile: false, makeThumbnails: recorder.maker,
      });
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const range = { minId: opts.minImgid, maxId: opts.maxImgid };
      const bar = opts.json ? undefined : thumbnailProgressBar(lib.countRange(range));
      try {
        const summary = await cache.generateMissing({
          subjects: (function* () {
            for (const r of lib.iterate(range)) yield subjectFromRecord(r);
          })(),
          minLevel: opts.minMip as Level,
          maxLevel: opts.maxMip as Level,
          retryFailed: opts.retryFailed === true,
          signal: abort.signal,
          onProgress: (p) => bar?.update(p.generated + p.present + p.failed, p.failed),
        });
        bar?.stop();
        // Images whose thumbnails were already there: measured from one decode each.
        let focusBar: ProgressBar | undefined;
        if (!summary.aborted) {
          await recorder.backfill({
            ...range,
            ...prefs,
            signal: abort.signal,
            skip: new Set(summary.failed.map((f) => f.id)),
            onProgress: (started, total) => {
              focusBar ??= opts.json ? undefined : thumbnailProgressBar(total, 'focus scores');
              focusBar?.update(started, 0);
            },
          });
        }
        focusBar?.stop();
        recorder.finish();
        for (const e of recorder.errors.slice(0, 1)) process.stderr.write(`termtable: focus scores not saved: ${sanitizeText(e)}\n`);
        for (const w of cache.warnings) process.stderr.write(`termtable: ${sanitizeText(w)}\n`);
        printSummary(summary, opts.json === true);
        if (summary.aborted) ctx.setExitCode(130);
        else if (summary.failed.length) ctx.setExitCode(1);
      } finally {
        bar?.stop();
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        await cache.close();
        lib.close();
      }
    });
}

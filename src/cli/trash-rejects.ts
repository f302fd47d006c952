import { existsSync } from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { Library } from '../db/library.js';
import { trashRejects, type TrashRejectsSummary } from '../files/trash-rejects.js';
import { sanitizeText, terminalSafeJson } from '../util/sanitize.js';
import { libraryPathFrom, UsageError, type CommandContext } from './common.js';

interface TrashRejectsCommandOptions {
  dryRun?: boolean;
  json?: boolean;
}

function printSummary(s: TrashRejectsSummary, opts: TrashRejectsCommandOptions): void {
  if (opts.json) {
    const { images, files, plan, finished, errors, interrupted } = s;
    process.stdout.write(`${terminalSafeJson({ images, files, finished, errors, interrupted, dryRun: opts.dryRun === true, plan })}\n`);
    return;
  }
  for (const p of s.plan) process.stdout.write(`${sanitizeText(p.from)} -> ${sanitizeText(p.to)}\n`);
  for (const e of s.errors) {
    process.stderr.write(`termtable: ${e.path ? `${sanitizeText(e.path)}: ` : ''}${sanitizeText(e.message)}\n`);
  }
  process.stdout.write(
    `${opts.dryRun ? 'would move' : 'moved'} ${s.files} files of ${s.images} rejected images to the trash, ` +
      `errors ${s.errors.length}${s.finished ? `; finished ${s.finished} interrupted steps first` : ''}` +
      `${s.interrupted ? ' (interrupted)' : ''}${opts.dryRun ? ' (dry run: nothing changed)' : ''}\n`,
  );
}

export function registerTrashRejects(program: Command, ctx: CommandContext): void {
  program
    .command('trash-rejects')
    .description('move rejected images (with sidecars and RAW+JPEG partners) to the trash and remove them from the library')
    .option('--dry-run', 'print what would go to the trash; change nothing')
    .option('--json', 'print one JSON summary object instead of text')
    .addHelpText(
      'after',
      '\nThe freedesktop.org Trash: $XDG_DATA_HOME/Trash for files on the home volume, else the\n' +
        "volume's own $topdir/.Trash/$UID or $topdir/.Trash-$UID, each file with a .trashinfo, so the\n" +
        "desktop's trash lists and restores them. Files are renamed into the trash, never deleted.\n" +
        'A pair whose other image is rated and not rejected is left alone and reported.\n' +
        'Killed part-way, the next trash-rejects (or export --move) finishes the job.\n\n' +
        'JSON: {"images":N,"files":N,"finished":N,"errors":[{"path","message"}],"interrupted":BOOL,\n' +
        '       "dryRun":BOOL,"plan":[{"from","to"}]}\n' +
        'Exit status: 0, 1 when some could not be trashed, 130 when interrupted.\n\n' +
        'Examples:\n  termtable trash-rejects --dry-run\n  termtable trash-rejects --json',
    )
    .action(async (opts: TrashRejectsCommandOptions, cmd: Command) => {
      const file = libraryPathFrom(cmd);
      // Not batch.ts's openExistingLibrary: that module loads the thumbnail cache (sharp).
      if (!existsSync(file)) throw new UsageError(`no library at ${file} (import photos first: termtable import DIR)`);
      const lib = Library.open(file);
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const bar =
        process.stderr.isTTY && !opts.json && !opts.dryRun
          ? new cliProgress.SingleBar(
              { stream: process.stderr, format: 'trashing [{bar}] {value}/{total} {file}', hideCursor: true, clearOnComplete: true },
              cliProgress.Presets.shades_classic,
            )
          : undefined;
      let started = false;
      try {
        const summary = await trashRejects(lib, {
          dryRun: opts.dryRun === true,
          signal: abort.signal,
          onProgress: ({ done, total, file: f }) => {
            const name = sanitizeText(path.basename(f)).slice(0, 40);
            if (!started) {
              bar?.start(total, done, { file: name });
              started = true;
            } else bar?.update(done, { file: name });
          },
        });
        if (started) bar?.stop();
        if (summary.ids.length) {
          // As `remove` does: their ids are never asked for again. Loaded only when needed.
          const { forgetThumbnails } = await import('../cache/forget.js');
          try {
            await forgetThumbnails(file, summary.ids);
          } catch (err) {
            summary.errors.push({ path: '', message: `thumbnails not removed: ${(err as Error).message}` });
          }
        }
        printSummary(summary, opts);
        if (summary.interrupted) ctx.setExitCode(130);
        else if (summary.errors.length) ctx.setExitCode(1);
      } finally {
        if (started) bar?.stop();
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        lib.close();
      }
    });
}

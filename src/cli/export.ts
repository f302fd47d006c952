import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { COLOR_LABELS, type ColorLabel } from '../db/types.js';
import { exportPicks, type ExportSummary } from '../files/export.js';
import { sanitizeText, terminalSafeJson } from '../util/sanitize.js';
import { Library } from '../db/library.js';
import { choiceArg, intArg, libraryPathFrom, UsageError, type CommandContext } from './common.js';
import { isWithin } from '../util/folders.js';

interface ExportCommandOptions {
  minRating: number;
  label?: ColorLabel[];
  selectedFilm?: string[];
  move?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

const collect = <T>(parse: (v: string) => T) => (value: string, previous: T[] = []) => [...previous, parse(value)];

function printSummary(s: ExportSummary, opts: ExportCommandOptions): void {
  if (opts.json) {
    const { images, files, bytes, alreadyThere, renamed, root, finished, errors, interrupted } = s;
    const out = { images, files, bytes, alreadyThere, renamed, root, finished, errors, interrupted, dryRun: opts.dryRun === true };
    process.stdout.write(`${terminalSafeJson(opts.dryRun ? { ...out, plan: s.plan } : out)}\n`);
    return;
  }
  if (opts.dryRun) for (const p of s.plan) process.stdout.write(`${sanitizeText(p.from)} -> ${sanitizeText(p.to)}\n`);
  for (const e of s.errors) {
    process.stderr.write(`termtable: ${e.path ? `${sanitizeText(e.path)}: ` : ''}${sanitizeText(e.message)}\n`);
  }
  const verb = opts.dryRun ? (opts.move ? 'would move' : 'would copy') : opts.move ? 'moved' : 'copied';
  const mb = (s.bytes / 1e6).toFixed(1);
  process.stdout.write(
    `${verb} ${s.files} files (${mb} MB) of ${s.images} images, ${s.alreadyThere} already there, ` +
      `${s.renamed} renamed to avoid a clash, errors ${s.errors.length}` +
      `${s.finished ? `; finished ${s.finished} interrupted moves first` : ''}${s.interrupted ? ' (interrupted)' : ''}\n`,
  );
}

export function registerExport(program: Command, ctx: CommandContext): void {
  program
    .command('export')
    .description("copy (or move) the picks with their sidecars into a folder, keeping the film rolls' sub-folders")
    .argument('<dest>', 'destination folder (created if missing)')
    .option('--min-rating <n>', 'only images rated at least N (rejected images are never exported)', intArg(0, 5), 1)
    .option('--label <color>', `only images with this colour label (repeat for any of several): ${COLOR_LABELS.join(', ')}`, collect(choiceArg(COLOR_LABELS)))
    .option('--selected-film <path>', 'only this film roll and the film rolls in folders below it (repeatable)', collect((v: string) => path.resolve(v)))
    .option('--move', 'move instead of copy; the library follows the files (ratings, history, thumbnails)')
    .option('--dry-run', 'print what would be copied or moved, and where; change nothing')
    .option('--json', 'print one JSON summary object instead of text')
    .addHelpText(
      'after',
      '\nEach image goes with its sidecars (FILE.EXT.xmp, FILE.xmp, darktable duplicates FILE_NN.EXT.xmp)\n' +
        'and the other file of a RAW+JPEG pair (same base name in the same folder).\n' +
        'Sub-folders are kept relative to the deepest folder holding every film roll exported:\n' +
        'exporting ~/Pictures/2024/rome and ~/Pictures/2024/paris into DEST makes DEST/rome and DEST/paris;\n' +
        'one film roll goes straight into DEST.\n' +
        'Nothing is ever overwritten: a name already taken gets -1, -2 … (IMG_0001-1.CR3 with\n' +
        'IMG_0001-1.CR3.xmp). A file already at DEST byte for byte is left alone, so running the same\n' +
        'export again after an interruption finishes the job. Copies are written to a hidden temporary\n' +
        'name, fsynced and then renamed; modification times and modes are kept. A move is journalled\n' +
        'beside the library, and the next export or trash-rejects finishes one that was killed.\n\n' +
        'JSON: {"images":N,"files":N,"bytes":N,"alreadyThere":N,"renamed":N,"root":PATH,"finished":N,\n' +
        '       "errors":[{"path","message"}],"interrupted":BOOL,"dryRun":BOOL[,"plan":[{"from","to"}]]}\n' +
        'Exit status: 0 when everything was exported, 1 when some could not be, 130 when interrupted.\n\n' +
        'Examples:\n  termtable export /media/card/picks --min-rating 3\n' +
        '  termtable export ~/Delivery --label red --label green --selected-film ~/Pictures/2025-iceland\n' +
        '  termtable export /mnt/archive/2024 --move --dry-run',
    )
    .action(async (dest: string, opts: ExportCommandOptions, cmd: Command) => {
      const file = libraryPathFrom(cmd);
      // Not batch.ts's openExistingLibrary: that module loads the thumbnail cache (sharp).
      if (!existsSync(file)) throw new UsageError(`no library at ${file} (import photos first: termtable import DIR)`);
      if (existsSync(dest) && !statSync(dest).isDirectory()) throw new UsageError(`not a folder: ${dest}`);
      const lib = Library.open(file);
      const films = opts.selectedFilm ?? [];
      const rolls = lib.filmRolls().map((r) => r.path);
      const unknown = films.find((f) => !rolls.some((r) => isWithin(r, f)));
      if (unknown !== undefined) {
        lib.close();
        throw new UsageError(`no film roll at or below ${unknown} (see termtable list --json, filmRoll)`);
      }
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const bar =
        process.stderr.isTTY && !opts.json && !opts.dryRun
          ? new cliProgress.SingleBar(
              { stream: process.stderr, format: `${opts.move ? 'moving' : 'copying'} [{bar}] {value}/{total} {file}`, hideCursor: true, clearOnComplete: true },
              cliProgress.Presets.shades_classic,
            )
          : undefined;
      let started = false;
      try {
        const summary = await exportPicks(lib, {
          dest,
          minRating: opts.minRating,
          labels: opts.label ?? [],
          films,
          move: opts.move === true,
          dryRun: opts.dryRun === true,
          signal: abort.signal,
          onProgress: ({ done, total, file }) => {
            const name = sanitizeText(path.basename(file)).slice(0, 40);
            if (!started) {
              bar?.start(total, done, { file: name });
              started = true;
            } else bar?.update(done, { file: name });
          },
        });
        if (started) bar?.stop();
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

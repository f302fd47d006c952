import path from 'node:path';
import type { Command } from 'commander';
import { groupsOf } from '../db/groups.js';
import { Library } from '../db/library.js';
import { COLOR_LABELS, SORT_KEYS, type CollectionQuery, type ColorLabel, type ImageRecord, type SortKey } from '../db/types.js';
import { sanitizeText, terminalSafeJson } from '../util/sanitize.js';
import { choiceArg, intArg, libraryPathFrom, UsageError, type CommandContext } from './common.js';

interface ListOptions {
  json?: boolean;
  film?: string;
  minRating?: number;
  rejected?: boolean;
  label?: ColorLabel;
  sort?: SortKey;
}

/** Rows fetched per query: the whole collection is never held in memory at once. */
const PAGE = 1000;

function stars(r: ImageRecord): string {
  return r.rejected ? 'rejected' : `${'*'.repeat(r.rating)}${'.'.repeat(5 - r.rating)}`;
}

function camera(r: ImageRecord): string {
  const maker = r.maker ?? '';
  const model = r.model ?? '';
  // "Canon / Canon EOS 70D" reads better as "Canon EOS 70D".
  return model.toLowerCase().startsWith(maker.toLowerCase().split(' ')[0] ?? '') ? model : `${maker} ${model}`.trim();
}

/** One readable line; every file-derived field through sanitizeText. */
export function formatRow(r: ImageRecord): string {
  const cells = [
    String(r.id).padStart(6),
    stars(r).padEnd(8),
    (r.labels.join(',') || '-').padEnd(12),
    (r.takenAt ?? '-').slice(0, 19).padEnd(19),
    sanitizeText(camera(r) || '-').slice(0, 28).padEnd(28),
    sanitizeText(r.path),
  ];
  return cells.join('  ');
}

export function registerList(program: Command, _ctx: CommandContext): void {
  program
    .command('list')
    .description('list the images of the library (or of a film roll)')
    .option('--json', 'one JSON object per line (control and bidi characters written as \\u escapes)')
    .option('--film <path>', 'only the film roll (folder) at this path')
    .option('--min-rating <n>', 'only images rated at least n (0-5; hides rejected ones)', intArg(0, 5))
    .option('--rejected', 'only rejected images')
    .option('--label <color>', `only images with this colour label (${COLOR_LABELS.join(', ')})`, choiceArg(COLOR_LABELS))
    .option('--sort <key>', `order: ${SORT_KEYS.join(', ')} (default: taken)`, choiceArg(SORT_KEYS))
    .addHelpText('after', '\nExamples:\n  termtable list --min-rating 3 --sort rating\n  termtable list --film ~/Pictures/2024/rome --json')
    .action((opts: ListOptions, cmd: Command) => {
      if (opts.rejected && opts.minRating !== undefined) {
        throw new UsageError('--rejected and --min-rating exclude each other (rejected images have no rating)');
      }
      const lib = Library.open(libraryPathFrom(cmd));
      try {
        // Every file, a pair's raw too: `group` and `members` say which files make one item.
        const query: CollectionQuery = { sort: opts.sort ?? 'taken', groupPairs: false };
        if (opts.film !== undefined) {
          query.filmRoll = path.resolve(opts.film);
          if (!lib.filmRolls().some((f) => f.path === query.filmRoll)) {
            throw new UsageError(`not a film roll in the library: ${opts.film}`);
          }
        }
        if (opts.minRating !== undefined) query.minRating = opts.minRating;
        if (opts.rejected) query.rejected = 'only';
        if (opts.label) query.label = opts.label;
        const total = lib.count(query);
        if (!opts.json && process.stdout.isTTY) {
          process.stdout.write(`${'ID'.padStart(6)}  ${'RATING'.padEnd(8)}  ${'LABELS'.padEnd(12)}  ${'TAKEN'.padEnd(19)}  ${'CAMERA'.padEnd(28)}  PATH\n`);
        }
        for (let offset = 0; offset < total; offset += PAGE) {
          const rows = lib.page(query, offset, PAGE);
          const groups = opts.json ? groupsOf(lib, rows.map((r) => r.id)) : undefined;
          const json = (r: ImageRecord) => terminalSafeJson({ ...r, group: groups?.get(r.id)?.group ?? r.id, members: groups?.get(r.id)?.members ?? [r.id] });
          const text = rows.map((r) => (opts.json ? json(r) : formatRow(r))).join('\n');
          if (text) process.stdout.write(`${text}\n`);
        }
      } finally {
        lib.close();
      }
    });
}

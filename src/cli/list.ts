import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { BLURRED_BELOW } from '../analysis/sharpness.js';
import { groupsOf } from '../db/groups.js';
import { Library } from '../db/library.js';
import { COLOR_LABELS, SORT_KEYS, type CollectionQuery, type ColorLabel, type ImageRecord, type SortKey } from '../db/types.js';
import { sanitizeText, terminalSafeJson } from '../util/sanitize.js';
import { choiceArg, intArg, libraryPathFrom, UsageError, type CommandContext } from './common.js';

function floatArg(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`expected a number 0 or more, got '${value}'`);
  return n;
}

interface ListOptions {
  json?: boolean;
  film?: string;
  minRating?: number;
  rejected?: boolean;
  label?: ColorLabel;
  sort?: SortKey;
  stacks?: boolean;
  minSharpness?: number;
  blurred?: boolean;
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

/** A focus score for a column: one decimal, `-` until measured. */
const score = (r: ImageRecord) => (r.sharpness === null || r.sharpness === undefined ? '-' : r.sharpness.toFixed(1));

/** `list --stacks`: the stack's size and suggested pick's score before the pick's own row. */
export function formatStackRow(r: ImageRecord): string {
  return `${String(r.stackSize ?? 1).padStart(4)}  ${score(r).padStart(6)}  ${formatRow(r)}`;
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
    .option('--sort <key>', `order: ${SORT_KEYS.join(', ')} (default: taken; sharpness: sharpest first)`, choiceArg(SORT_KEYS))
    .option('--stacks', 'one row per burst stack (its suggested pick: the sharpest frame not rejected), with its size and focus score')
    .option('--min-sharpness <n>', 'only images whose focus score is at least n', floatArg)
    .option('--blurred', `only blurred images (focus score below ${BLURRED_BELOW})`)
    .addHelpText(
      'after',
      '\nWith --json each image carries sharpness (its focus score, higher is sharper, null until\n' +
        'import or generate-cache has measured it), stack (its burst stack: the id of the stack\'s\n' +
        'first frame, its own id when in no stack) and stackSize; with --stacks also stackMembers.\n' +
        '\nExamples:\n  termtable list --min-rating 3 --sort rating\n  termtable list --film ~/Pictures/2024/rome --json\n' +
        '  termtable list --stacks --sort sharpness\n  termtable list --blurred',
    )
    .action(async (opts: ListOptions, cmd: Command) => {
      if (opts.rejected && opts.minRating !== undefined) {
        throw new UsageError('--rejected and --min-rating exclude each other (rejected images have no rating)');
      }
      // Only --stacks --json lists a stack's members: the stacking code (and the preferences
      // and dHash it brings) is not loaded otherwise.
      const stacks = opts.stacks && opts.json ? await import('../db/stacks.js') : undefined;
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
        if (opts.minSharpness !== undefined) query.minSharpness = opts.minSharpness;
        if (opts.blurred) query.blurred = true;
        if (opts.stacks) {
          // One row per stack; a pair's raw would be a second row of the same item.
          query.collapseStacks = true;
          query.groupPairs = true;
        }
        const total = lib.count(query);
        if (!opts.json && process.stdout.isTTY) {
          if (opts.stacks) process.stdout.write(`${'SIZE'.padStart(4)}  ${'SHARP'.padStart(6)}  `);
          process.stdout.write(`${'ID'.padStart(6)}  ${'RATING'.padEnd(8)}  ${'LABELS'.padEnd(12)}  ${'TAKEN'.padEnd(19)}  ${'CAMERA'.padEnd(28)}  PATH\n`);
        }
        for (let offset = 0; offset < total; offset += PAGE) {
          const rows = lib.page(query, offset, PAGE);
          const groups = opts.json ? groupsOf(lib, rows.map((r) => r.id)) : undefined;
          const json = (r: ImageRecord) =>
            terminalSafeJson({
              ...r,
              group: groups?.get(r.id)?.group ?? r.id,
              members: groups?.get(r.id)?.members ?? [r.id],
              sharpness: r.sharpness ?? null,
              stack: r.stackId ?? r.id,
              stackSize: r.stackSize ?? 1,
              ...(stacks ? { stackMembers: stacks.stackMembers(lib, r.id).map((m) => m.id) } : {}),
            });
          const text = rows.map((r) => (opts.json ? json(r) : opts.stacks ? formatStackRow(r) : formatRow(r))).join('\n');
          if (text) process.stdout.write(`${text}\n`);
        }
      } finally {
        lib.close();
      }
    });
}

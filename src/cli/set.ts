import type { Command } from 'commander';
import { loadPreferences } from '../config/preferences.js';
import { applyCulling } from '../db/culling.js';
import { Library } from '../db/library.js';
import { COLOR_LABELS, type ColorLabel, type CullingChange } from '../db/types.js';
import { sanitizeText, terminalSafeJson } from '../util/sanitize.js';
import { choiceArg, intArg, libraryPathFrom, UsageError, type CommandContext } from './common.js';

interface SetOptions {
  rating?: number;
  reject?: boolean;
  unreject?: boolean;
  label?: ColorLabel[];
  unlabel?: ColorLabel[];
  json?: boolean;
}

/** Image ids from the command line: positive whole numbers, duplicates dropped. */
export function parseIds(args: readonly string[]): number[] {
  const ids = args.map((a) => {
    if (!/^\d+$/.test(a) || Number(a) < 1 || !Number.isSafeInteger(Number(a))) {
      throw new UsageError(`not an image id: '${a}'`);
    }
    return Number(a);
  });
  return [...new Set(ids)];
}

/** Refuses the whole request when any id is unknown, so nothing is half-applied. */
export function requireKnown(lib: Library, ids: readonly number[]): void {
  const known = new Set(lib.getMany(ids).map((r) => r.id));
  const missing = ids.filter((id) => !known.has(id));
  if (missing.length) throw new UsageError(`no image with id ${missing.join(', ')}`);
}

function collect<T>(parse: (v: string) => T) {
  return (value: string, previous: T[] | undefined): T[] => [...(previous ?? []), parse(value)];
}

export function registerSet(program: Command, ctx: CommandContext): void {
  program
    .command('set')
    .description('set rating, reject flag or colour labels of images (written to their XMP sidecars too)')
    .argument('<id...>', 'image ids (see termtable list)')
    .option('--rating <n>', 'rating 0-5 (un-rejects, as in darktable)', intArg(0, 5))
    .option('--reject', 'mark rejected')
    .option('--unreject', 'clear the rejected mark')
    .option('--label <color>', `add a colour label (${COLOR_LABELS.join(', ')}); repeatable`, collect(choiceArg(COLOR_LABELS)))
    .option('--unlabel <color>', 'remove a colour label; repeatable', collect(choiceArg(COLOR_LABELS)))
    .option('--json', 'print {"changed":[{"id","rating","rejected","labels"}],"unchanged":[ids],"errors":[{"path","message"}]}')
    .addHelpText('after', '\nThe files of a RAW+JPEG pair are set together (preference rawJpegPairs).\n\nExamples:\n  termtable set 12 13 --rating 4 --label red\n  termtable set 14 --reject --json')
    .action(async (idArgs: string[], opts: SetOptions, cmd: Command) => {
      const ids = parseIds(idArgs);
      if (opts.reject && opts.unreject) throw new UsageError('--reject and --unreject exclude each other');
      const change: CullingChange = {};
      if (opts.rating !== undefined) change.rating = opts.rating;
      if (opts.reject) change.reject = true;
      if (opts.unreject) change.reject = false;
      if (opts.label) change.addLabels = opts.label;
      if (opts.unlabel) change.removeLabels = opts.unlabel;
      if (Object.keys(change).length === 0) {
        throw new UsageError('nothing to set: give --rating, --reject, --unreject, --label or --unlabel');
      }
      const both = (opts.label ?? []).filter((l) => opts.unlabel?.includes(l));
      if (both.length) throw new UsageError(`--label and --unlabel both name ${both.join(', ')}`);
      const { prefs, warning } = await loadPreferences();
      if (warning) process.stderr.write(`termtable: ${sanitizeText(warning)}\n`);
      const lib = Library.open(libraryPathFrom(cmd));
      try {
        requireKnown(lib, ids);
        // As in the lighttable: a RAW+JPEG pair is set as one unless rawJpegPairs is 'separate'.
        const result = await applyCulling(lib, ids, change, { groupPairs: prefs.rawJpegPairs === 'together' });
        for (const e of result.errors) {
          process.stderr.write(`termtable: sidecar not written: ${sanitizeText(e.path)}: ${sanitizeText(e.message)}\n`);
        }
        if (opts.json) {
          const changed = new Set(result.changed.map((r) => r.id));
          const out = {
            changed: result.changed.map((r) => ({ id: r.id, rating: r.rating, rejected: r.rejected, labels: r.labels })),
            unchanged: ids.filter((id) => !changed.has(id)),
            errors: result.errors,
          };
          process.stdout.write(`${terminalSafeJson(out)}\n`);
        } else {
          const given = new Set(ids);
          const partners = result.changed.filter((r) => !given.has(r.id)).length;
          const extra = partners ? ` and ${partners} RAW+JPEG partner${partners > 1 ? 's' : ''}` : '';
          process.stdout.write(`changed ${result.changed.length - partners} of ${ids.length} images${extra}\n`);
        }
        if (result.errors.length) ctx.setExitCode(1);
      } finally {
        lib.close();
      }
    });
}

import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { PROTOCOL_PREFS, type ProtocolPref } from '../config/preferences.js';
import { Library } from '../db/library.js';
import type { CollectionQuery } from '../db/types.js';
import { sanitizeText } from '../util/sanitize.js';
import { choiceArg, libraryPathFrom, UsageError, type CommandContext } from './common.js';
import { importWithProgress } from './import.js';

interface LighttableCommandOptions {
  protocol?: ProtocolPref;
  import?: boolean;
}

async function checkFolder(dir: string): Promise<string> {
  const abs = path.resolve(dir);
  try {
    if (!(await stat(abs)).isDirectory()) throw new UsageError(`not a folder: ${dir}`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`no such folder: ${dir}`);
  }
  return abs;
}

/**
 * The collection the lighttable opens on: what was opened, sub-folders included. The film roll
 * of DIR (or of the current folder when none is given) when it is the only one there; the
 * folders' film rolls, at and below them, when there are more (a card's DCIM/100CANON and
 * 101CANON, a shoot's day folders: never only the top one, never other shoots of the library);
 * all film rolls when the library holds none of them. `c` picks another.
 */
export function initialQuery(lib: Library, dirs: readonly string[], cwd = process.cwd()): CollectionQuery {
  const folders = (dirs.length ? dirs : [cwd]).map((d) => path.resolve(cwd, d));
  const tree: CollectionQuery = { folders, sort: 'taken' };
  if (lib.count(tree) === 0) return { sort: 'taken' };
  const only = folders.length === 1 ? folders[0]! : undefined;
  if (only !== undefined && lib.count({ filmRoll: only, sort: 'taken' }) === lib.count(tree)) return { filmRoll: only, sort: 'taken' };
  return tree;
}

export function registerLighttable(program: Command, ctx: CommandContext): void {
  program
    .command('lighttable', { isDefault: true })
    .description('open the lighttable (the default command): import DIR first if given, else the current folder')
    .argument('[dir...]', 'folders to import and open, sub-folders included (default: the current folder)')
    .option('--protocol <name>', `graphics protocol: ${PROTOCOL_PREFS.join(', ')}`, choiceArg(PROTOCOL_PREFS))
    .option('--no-import', 'open the library as it is, importing nothing')
    .addHelpText(
      'after',
      '\nOpens on the photos of DIR (or of the current folder) and of its sub-folders, each of\n' +
        'them a film roll; `c` picks one film roll, or all of the library.\n' +
        '\nKeys: arrows/hjkl move, 0-5 rate, r reject, F1-F5 colour labels, Space select, w preview,\n' +
        'x culling, / filter, E export (copy or move to a folder), Delete remove or trash,\n' +
        'p preferences, ? every key, q quit.\n\n' +
        'Examples:\n  termtable ~/Pictures/2025-iceland\n  termtable --no-import\n  termtable --protocol blocks .',
    )
    .action(async (dirs: string[], opts: LighttableCommandOptions, cmd: Command) => {
      const wanted = opts.import === false ? [] : dirs.length ? dirs : ['.'];
      const folders: string[] = [];
      for (const d of wanted) folders.push(await checkFolder(d));
      if (!process.stdin.isTTY || !process.stdout.isTTY) {
        throw new UsageError('the lighttable needs a terminal (stdin and stdout must be a TTY); see `termtable list`');
      }
      // tmux's settings and terminfo are read by child processes: started now, they run while
      // the lighttable's modules load instead of after.
      const { primeDetection } = await import('../render/detect.js');
      primeDetection();
      // No echo and no lost keys from here on (see holdKeys).
      const { holdKeys } = await import('../tui/terminal.js');
      let keys = holdKeys(process.stdin);
      const lib = Library.open(libraryPathFrom(cmd));
      try {
        if (folders.length) {
          const summary = await importWithProgress(lib, folders);
          for (const e of summary.errors.slice(0, 5)) {
            process.stderr.write(`termtable: ${sanitizeText(e.path)}: ${sanitizeText(e.message)}\n`);
          }
        }
        // React's production build: the development one is several times slower per frame.
        // Set before the first import of react/ink, hence the dynamic import.
        process.env.NODE_ENV ??= 'production';
        // Ink reads CI / CONTINUOUS_INTEGRATION once, at import, and then writes no frame until
        // exit. This is an interactive terminal (checked above), so a stray CI variable in the
        // user's shell, or a test run by CI, must not blank the screen.
        for (const key of ['CI', 'CONTINUOUS_INTEGRATION']) delete process.env[key];
        // The preferences and the terminal probe (a round trip: the link's, over SSH) start now,
        // so the answers arrive while the lighttable's modules load. The probe reads stdin
        // itself (typed keys are handed back); the keys are held again once it is done.
        keys.release();
        const { startLighttable, withoutFetch } = await import('../tui/start.js');
        const starting = startLighttable(opts.protocol ? { protocol: opts.protocol } : {}).then((start) => {
          keys = holdKeys(process.stdin);
          return start;
        });
        // Before the modules load: V8 grows its young generation while they do, and past its cap
        // before run.js could hold it (heap-bound.ts); runLighttable's own call is then a no-op.
        (await import('../tui/heap-bound.js')).boundHeapGrowth();
        const loading = withoutFetch(() => import('../tui/run.js'));
        // Awaited after the probe, so that a failed load never leaves the probe holding stdin.
        loading.catch(() => undefined);
        const start = await starting;
        const { runLighttable } = await loading;
        keys.release();
        const query = initialQuery(lib, dirs);
        const exit = await runLighttable({ library: lib, query, start, ...(opts.protocol ? { protocol: opts.protocol } : {}) });
        ctx.setExitCode(exit.signal ? 128 + (os.constants.signals[exit.signal] ?? 15) : 0);
      } finally {
        keys.release();
        lib.close();
      }
    });
}

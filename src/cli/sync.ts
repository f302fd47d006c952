import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { Library } from '../db/library.js';
import { syncSidecars } from '../db/sidecar-sync.js';
import { sanitizeText, terminalSafeJson } from '../util/sanitize.js';
import { libraryPathFrom, UsageError, type CommandContext } from './common.js';

interface SyncOptions {
  film?: string;
  json?: boolean;
}

export function registerSync(program: Command, ctx: CommandContext): void {
  program
    .command('sync')
    .description('bring the library and the XMP sidecars into agreement (read changes made by other tools, retry failed writes)')
    .option('--film <path>', 'only the images of this film roll (folder)')
    .option('--json', 'print {"checked":N,"sidecarsUpdated":N,"written":N,"pending":N,"errors":[{"path","message"}]}')
    .addHelpText(
      'after',
      '\nA sidecar changed since termtable last read or wrote it replaces the library\'s rating, reject,\n' +
        'labels and rotation (a value changed in both goes to the undo journal); a sidecar write that\n' +
        'failed earlier (disk full) is retried. Exit 1 when some sidecar could not be written.\n' +
        '\nExamples:\n  termtable sync\n  termtable sync --film ~/Pictures/2024/rome --json',
    )
    .action(async (opts: SyncOptions, cmd: Command) => {
      const libraryPath = libraryPathFrom(cmd);
      if (opts.film !== undefined && !existsSync(opts.film)) throw new UsageError(`no such folder: ${opts.film}`);
      const lib = Library.open(libraryPath);
      try {
        const film = opts.film === undefined ? undefined : path.resolve(opts.film);
        const records = [...lib.iterate()].filter((r) => film === undefined || r.filmRoll === film);
        const summary = await syncSidecars(lib, records);
        if (opts.json) {
          process.stdout.write(`${terminalSafeJson(summary)}\n`);
        } else {
          for (const e of summary.errors) process.stderr.write(`termtable: ${sanitizeText(e.path)}: ${sanitizeText(e.message)}\n`);
          process.stdout.write(
            `checked ${summary.checked}, sidecars updated ${summary.sidecarsUpdated}, written ${summary.written}, still pending ${summary.pending}, errors ${summary.errors.length}\n`,
          );
        }
        if (summary.errors.length) ctx.setExitCode(1);
      } finally {
        lib.close();
      }
    });
}

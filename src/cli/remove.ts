import type { Command } from 'commander';
import { removeImages } from '../db/culling.js';
import { Library } from '../db/library.js';
import { libraryPathFrom, type CommandContext } from './common.js';
import { parseIds, requireKnown } from './set.js';

export function registerRemove(program: Command, _ctx: CommandContext): void {
  program
    .command('remove')
    .description('remove images from the library (the files and sidecars are left alone)')
    .argument('<id...>', 'image ids (see termtable list)')
    .addHelpText('after', '\nExample:\n  termtable remove 12 13')
    .action((idArgs: string[], _opts: unknown, cmd: Command) => {
      const ids = parseIds(idArgs);
      const lib = Library.open(libraryPathFrom(cmd));
      try {
        requireKnown(lib, ids);
        const removed = removeImages(lib, ids, { groupPairs: false });
        process.stdout.write(`removed ${removed} images from the library (files untouched)\n`);
      } finally {
        lib.close();
      }
    });
}

import { lstat } from 'node:fs/promises';
import type { Command } from 'commander';
import { removeImages } from '../db/culling.js';
import { Library } from '../db/library.js';
import type { ImageRecord } from '../db/types.js';
import { sanitizeText } from '../util/sanitize.js';
import { libraryPathFrom, type CommandContext } from './common.js';

interface PurgeOptions {
  dryRun?: boolean;
}

/** Only "no such file" counts as gone: a permission error is not a reason to forget an image. */
async function isGone(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return false;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR';
  }
}

export async function findMissing(lib: Library): Promise<ImageRecord[]> {
  const missing: ImageRecord[] = [];
  for (const record of lib.iterate()) if (await isGone(record.path)) missing.push(record);
  return missing;
}

export function registerPurge(program: Command, _ctx: CommandContext): void {
  program
    .command('purge')
    .description('remove images whose files no longer exist from the library')
    .option('--dry-run', 'only list them; change nothing')
    .addHelpText('after', '\nExample:\n  termtable purge --dry-run')
    .action(async (opts: PurgeOptions, cmd: Command) => {
      const lib = Library.open(libraryPathFrom(cmd));
      try {
        const missing = await findMissing(lib);
        for (const r of missing) process.stdout.write(`${r.id}\t${sanitizeText(r.path)}\n`);
        if (opts.dryRun) {
          process.stdout.write(`${missing.length} images would be removed (dry run: nothing changed)\n`);
        } else {
          const removed = removeImages(lib, missing.map((r) => r.id), { groupPairs: false });
          process.stdout.write(`removed ${removed} images whose files no longer exist\n`);
        }
      } finally {
        lib.close();
      }
    });
}

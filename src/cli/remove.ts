import type { Command } from 'commander';
import { forgetThumbnails, type ForgetSummary } from '../cache/index.js';
import { removeImages } from '../db/culling.js';
import { Library } from '../db/library.js';
import { sanitizeText, terminalSafeJson } from '../util/sanitize.js';
import { libraryPathFrom, type CommandContext } from './common.js';
import { parseIds, requireKnown } from './set.js';

interface RemoveOptions {
  json?: boolean;
}

/**
 * Forgets the thumbnails of images gone from the library (as nsxiv's -c does). The library
 * change stands when this fails; the error goes to stderr and the exit status is 1.
 */
export async function forgetRemoved(
  libraryPath: string,
  ids: readonly number[],
  ctx: CommandContext,
): Promise<ForgetSummary & { error?: string }> {
  try {
    return await forgetThumbnails(libraryPath, ids);
  } catch (err) {
    const error = `thumbnails not removed: ${(err as Error).message}`;
    process.stderr.write(`termtable: ${sanitizeText(error)}\n`);
    ctx.setExitCode(1);
    return { files: 0, dead: 0, memory: 0, error };
  }
}

export function registerRemove(program: Command, ctx: CommandContext): void {
  program
    .command('remove')
    .description('remove images from the library (the files and sidecars are left alone)')
    .argument('<id...>', 'image ids (see termtable list)')
    .option('--json', 'print {"removed":[ids],"thumbnails":N} (N: thumbnail files deleted from the disk cache)')
    .addHelpText('after', '\nExamples:\n  termtable remove 12 13\n  termtable remove 12 --json')
    .action(async (idArgs: string[], opts: RemoveOptions, cmd: Command) => {
      const ids = parseIds(idArgs);
      const libraryPath = libraryPathFrom(cmd);
      const lib = Library.open(libraryPath);
      let removed: number;
      try {
        requireKnown(lib, ids);
        removed = removeImages(lib, ids, { groupPairs: false });
      } finally {
        lib.close();
      }
      const forgot = await forgetRemoved(libraryPath, ids, ctx);
      if (opts.json) {
        process.stdout.write(`${terminalSafeJson({ removed: ids, thumbnails: forgot.files })}\n`);
      } else {
        process.stdout.write(`removed ${removed} images from the library (files untouched) and ${forgot.files} thumbnails from the cache\n`);
      }
    });
}

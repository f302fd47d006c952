import { lstat } from 'node:fs/promises';
import type { Command } from 'commander';
import { removeImages } from '../db/culling.js';
import { Library } from '../db/library.js';
import type { ImageRecord } from '../db/types.js';
import { sanitizeText, terminalSafeJson } from '../util/sanitize.js';
import { libraryPathFrom, type CommandContext } from './common.js';
import { forgetRemoved } from './remove.js';

interface PurgeOptions {
  dryRun?: boolean;
  json?: boolean;
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

export function registerPurge(program: Command, ctx: CommandContext): void {
  program
    .command('purge')
    .description('remove images whose files no longer exist from the library')
    .option('--dry-run', 'only list them; change nothing')
    .option('--json', 'print {"missing":[{"id","path"}],"removed":N,"thumbnails":N,"dryRun":BOOL}')
    .addHelpText('after', '\nExamples:\n  termtable purge --dry-run\n  termtable purge --json')
    .action(async (opts: PurgeOptions, cmd: Command) => {
      const libraryPath = libraryPathFrom(cmd);
      const lib = Library.open(libraryPath);
      let missing: ImageRecord[];
      let removed = 0;
      try {
        missing = await findMissing(lib);
        if (!opts.dryRun) removed = removeImages(lib, missing.map((r) => r.id), { groupPairs: false });
      } finally {
        lib.close();
      }
      const ids = missing.map((r) => r.id);
      const thumbnails = opts.dryRun ? 0 : (await forgetRemoved(libraryPath, ids, ctx)).files;
      if (opts.json) {
        const list = missing.map((r) => ({ id: r.id, path: r.path }));
        process.stdout.write(`${terminalSafeJson({ missing: list, removed, thumbnails, dryRun: Boolean(opts.dryRun) })}\n`);
        return;
      }
      for (const r of missing) process.stdout.write(`${r.id}\t${sanitizeText(r.path)}\n`);
      if (opts.dryRun) {
        process.stdout.write(`${missing.length} images would be removed (dry run: nothing changed)\n`);
      } else {
        process.stdout.write(`removed ${removed} images whose files no longer exist, and ${thumbnails} thumbnails from the cache\n`);
      }
    });
}

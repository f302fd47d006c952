import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { MipmapCache } from '../cache/mipmap-cache.js';
import { subjectFromRecord } from '../cache/subject.js';
import { CAUSE_LABELS, LEVEL_SIZES, MAX_LEVEL, type Level } from '../cache/types.js';
import { sanitizeText, terminalSafeJson } from '../util/sanitize.js';
import { intArg, libraryPathFrom, UsageError, type CommandContext } from './common.js';
import { batchPreferences, openExistingLibrary } from './batch.js';

interface ThumbOptions {
  level: number;
  json?: boolean;
}

export function registerThumb(program: Command, ctx: CommandContext): void {
  program
    .command('thumb')
    .description('make (or find) one thumbnail and print where it is, its size and source, or why it failed')
    .argument('<id>', 'image id (see termtable list)', intArg(1, Number.MAX_SAFE_INTEGER))
    .option('--level <n>', `mip level 0-${MAX_LEVEL} (${LEVEL_SIZES.join('/')} px)`, intArg(0, MAX_LEVEL), 2)
    .option('--json', 'print one JSON object')
    .addHelpText(
      'after',
      '\nPrints: PATH  WxH  BYTES bytes  SOURCE (embedded|processed) [offline].\n' +
        'Exit status: 0 with a thumbnail, 1 when it could not be made (the cause is printed), 2 for bad arguments.\n\n' +
        'Examples:\n  termtable thumb 42\n  termtable thumb 42 --level 4 --json',
    )
    .action(async (id: number, opts: ThumbOptions, cmd: Command) => {
      const libraryPath = libraryPathFrom(cmd);
      const lib = openExistingLibrary(libraryPath);
      let record;
      try {
        record = lib.get(id);
      } finally {
        lib.close();
      }
      if (!record) throw new UsageError(`no image with id ${id} in ${libraryPath}`);
      const cache = await MipmapCache.open({ libraryPath, prefs: await batchPreferences(), loadCacheFile: false, saveCacheFile: false });
      try {
        const level = opts.level as Level;
        const r = await cache.get(subjectFromRecord(record), level, { priority: 'visible' });
        if (r.ok) {
          const file = cache.diskPath(id, level);
          // The file's own size (it carries the freshness facts too); the JPEG's if it is not there.
          const bytes = await stat(file).then((st) => st.size, () => r.jpeg.length);
          if (opts.json) {
            const out = { id, level, ok: true, path: file, width: r.width, height: r.height, bytes, source: r.source, offline: r.offline === true };
            process.stdout.write(`${terminalSafeJson(out)}\n`);
          } else {
            process.stdout.write(`${sanitizeText(file)}  ${r.width}x${r.height}  ${bytes} bytes  ${r.source}${r.offline ? '  offline' : ''}\n`);
          }
        } else {
          if (opts.json) {
            process.stdout.write(`${terminalSafeJson({ id, level, ok: false, path: record.path, cause: r.cause, message: r.detail })}\n`);
          } else {
            process.stdout.write(`image ${id} ${sanitizeText(record.path)}: ${CAUSE_LABELS[r.cause]}: ${sanitizeText(r.detail)}\n`);
          }
          ctx.setExitCode(1);
        }
        for (const w of cache.warnings) process.stderr.write(`termtable: ${sanitizeText(w)}\n`);
      } finally {
        await cache.close();
      }
    });
}

import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { loadDefaultMaker } from '../cache/maker.js';
import { closeMetadataReader, warmMetadataReader } from '../db/exif.js';
import { importFolders, type ImportSummary } from '../db/import.js';
import { Library } from '../db/library.js';
import { sanitizeText, terminalSafeJson } from '../util/sanitize.js';
import { makeImportThumbnails } from './batch.js';
import { IdFeed } from './import-feed.js';
import { loadCliProgress } from './progress.js';
import { libraryPathFrom, UsageError, type CommandContext } from './common.js';

interface ImportCommandOptions {
  json?: boolean;
  /** commander's negation of --no-thumbnails. */
  thumbnails: boolean;
}

/** Bad arguments are refused before anything is written. */
async function checkFolders(dirs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const dir of dirs) {
    const abs = path.resolve(dir);
    let isDir: boolean;
    try {
      isDir = (await stat(abs)).isDirectory();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new UsageError(`no such folder: ${dir}`);
      isDir = true; // e.g. EACCES on the way: the import reports it and goes on with the rest
    }
    if (!isDir) throw new UsageError(`not a folder: ${dir}`);
    out.push(abs);
  }
  return out;
}

/** Imports with a progress bar when stderr is a terminal. */
export async function importWithProgress(
  lib: Library,
  dirs: readonly string[],
  onWritten?: (ids: readonly number[]) => void,
  onFirstRead?: () => void,
): Promise<ImportSummary> {
  const stderr = process.stderr;
  if (!stderr.isTTY) return importFolders(lib, dirs, { onWritten, onFirstRead });
  const cliProgress = loadCliProgress();
  const bar = new cliProgress.SingleBar(
    { stream: stderr, format: 'importing [{bar}] {value}/{total} {file}', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  try {
    return await importFolders(lib, dirs, {
      onWritten,
      onFirstRead,
      onProgress: ({ done, total, file }) => {
        const name = sanitizeText(path.basename(file)).slice(0, 40);
        if (!started) {
          bar.start(total, 0, { file: name });
          started = true;
        }
        bar.update(done, { file: name });
      },
    });
  } finally {
    if (started) bar.stop();
  }
}

function printSummary(summary: ImportSummary, json: boolean): void {
  const { imported, updated, unchanged, skipped, sidecarsUpdated, errors } = summary;
  if (json) {
    process.stdout.write(`${terminalSafeJson({ imported, updated, unchanged, skipped, sidecarsUpdated, errors })}\n`);
    return;
  }
  for (const e of errors) process.stderr.write(`termtable: ${sanitizeText(e.path)}: ${sanitizeText(e.message)}\n`);
  process.stdout.write(
    `imported ${imported}, updated ${updated}, unchanged ${unchanged}, skipped ${skipped}, errors ${errors.length}\n`,
  );
}

export function registerImport(program: Command, ctx: CommandContext): void {
  program
    .command('import')
    .description('import folders of photos (recursively; each folder becomes a film roll)')
    .argument('<dir...>', 'folders to import')
    .option('--json', 'print one JSON summary object instead of text')
    .option('--no-thumbnails', "don't make the grid's thumbnails (mip0-mip2) of new and changed images")
    .addHelpText(
      'after',
      '\nRe-importing is safe: known files keep their id; changed files are re-read.\n' +
        'Ratings and labels are read from FILE.EXT.xmp (darktable) or FILE.xmp (Lightroom) sidecars.\n\n' +
        "Afterwards the grid's thumbnails (mip0-mip2) of new and changed images are made into the disk cache.\n\n" +
        'Example:\n  termtable import ~/Pictures/2024 ~/Pictures/2025 --json',
    )
    .action(async (dirs: string[], opts: ImportCommandOptions, cmd: Command) => {
      const folders = await checkFolders(dirs);
      // Started now, the exifr workers load while the library opens and the folders are
      // walked: the first batch's metadata waits for them.
      warmMetadataReader();
      const libraryPath = libraryPathFrom(cmd);
      const lib = Library.open(libraryPath);
      // Thumbnails start on each batch the import writes, while it reads the next files.
      const feed = opts.thumbnails ? new IdFeed() : undefined;
      const thumbnails = feed ? makeImportThumbnails(libraryPath, lib, feed, { progress: opts.json !== true }) : undefined;
      try {
        let summary: ImportSummary;
        try {
          // sharp and the decoders load while the first new file's metadata is read (in a
          // worker), not after its batch is written, when its thumbnail is wanted.
          const preload = () => void loadDefaultMaker().catch(() => undefined);
          summary = await importWithProgress(lib, folders, (ids) => feed?.push(ids), feed ? preload : undefined);
        } finally {
          feed?.end();
        }
        printSummary(summary, opts.json === true);
        if (thumbnails && feed && feed.fed > 0) {
          const thumbs = await thumbnails;
          if (opts.json !== true) {
            process.stdout.write(
              `thumbnails: generated ${thumbs.generated}, already present ${thumbs.present}, ` +
                `failed ${thumbs.failed.length} (shown as skulls; see termtable generate-cache)\n`,
            );
          }
        }
        if (summary.errors.length) ctx.setExitCode(1);
      } finally {
        // Made or not, the thumbnail run is over before the library closes.
        await thumbnails?.catch(() => undefined);
        lib.close();
        await closeMetadataReader();
      }
    });
}

import { rm, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { readCacheFile, writeCacheFile } from '../cache/cache-file.js';
import { DiskCache } from '../cache/disk-cache.js';
import { LEVEL_SIZES, LEVELS, MAX_LEVEL, type Level } from '../cache/types.js';
import { mipmapCacheFile, mipmapDir } from '../config/paths.js';
import { EncodedDiskCache, encodedDirBeside } from '../render/encoded-disk-cache.js';
import { loadPreferences } from '../config/preferences.js';
import { sanitizeText, terminalSafeJson } from '../util/sanitize.js';
import { intArg, libraryPathFrom, type CommandContext } from './common.js';

interface StatsOptions {
  json?: boolean;
}

interface ClearOptions {
  level?: number;
}

const MB = 1024 * 1024;

function mb(bytes: number): string {
  return `${(bytes / MB).toFixed(1)} MB`;
}

async function fileSize(file: string): Promise<number | null> {
  try {
    return (await stat(file)).size;
  } catch {
    return null;
  }
}

export function registerCache(program: Command, _ctx: CommandContext): void {
  const cache = program
    .command('cache')
    .description('inspect or clear the thumbnail cache')
    .addHelpText(
      'after',
      '\nThe memory cache is saved at exit to $XDG_CACHE_HOME/termtable/mipmaps-<hash>.cache;\n' +
        'the disk cache is $XDG_CACHE_HOME/termtable/mipmaps-<hash>.d/<level>/<id>.jpg (one per library).',
    );

  cache
    .command('stats')
    .description('statistics of the saved memory cache (last session) and of the disk cache')
    .option('--json', 'print one JSON object')
    .addHelpText('after', '\nExamples:\n  termtable cache stats\n  termtable cache stats --json')
    .action(async (opts: StatsOptions, cmd: Command) => {
      const libraryPath = libraryPathFrom(cmd);
      const { prefs, warning: prefsWarning } = await loadPreferences();
      const file = mipmapCacheFile(libraryPath);
      const loaded = await readCacheFile(file);
      const byLevel = LEVELS.map((level) => ({ level, entries: 0, bytes: 0 }));
      for (const e of loaded.entries) {
        const row = byLevel[e.level]!;
        row.entries++;
        row.bytes += e.jpeg.length;
      }
      const disk = new DiskCache(mipmapDir(libraryPath));
      const diskStats = await disk.stats();
      const failed = (await disk.listDead()).length;
      const pictures = new EncodedDiskCache({ dir: encodedDirBeside(disk.dir) });
      const pictureStats = await pictures.stats();
      const memory = {
        file,
        fileBytes: await fileSize(file),
        savedAt: loaded.meta?.savedAt ? new Date(loaded.meta.savedAt).toISOString() : null,
        hits: loaded.meta?.hits ?? 0,
        misses: loaded.meta?.misses ?? 0,
        evictions: loaded.meta?.evictions ?? 0,
        entries: loaded.entries.length,
        bytes: byLevel.reduce((n, l) => n + l.bytes, 0),
        maxBytes: prefs.cacheSizeMB * MB,
        levels: byLevel,
      };
      const out = {
        memory,
        disk: { enabled: prefs.diskBackend, dir: disk.dir, files: diskStats.files, bytes: diskStats.bytes, levels: diskStats.levels },
        pictures: { dir: pictures.dir, files: pictureStats.files, bytes: pictureStats.bytes, maxBytes: pictures.maxBytes },
        failed,
        warnings: [prefsWarning, loaded.warning].filter((w): w is string => typeof w === 'string'),
      };
      if (opts.json) {
        process.stdout.write(`${terminalSafeJson(out)}\n`);
        return;
      }
      for (const w of out.warnings) process.stderr.write(`termtable: ${sanitizeText(w)}\n`);
      const lines = [
        `memory cache (saved ${memory.savedAt ?? 'never'}): ${memory.entries} thumbnails, ${mb(memory.bytes)} of ${mb(memory.maxBytes)}`,
        `  last session: ${memory.hits} hits, ${memory.misses} misses, ${memory.evictions} evictions`,
        `  file: ${sanitizeText(file)}${memory.fileBytes === null ? ' (none)' : ` (${mb(memory.fileBytes)})`}`,
        `disk cache (${prefs.diskBackend ? 'on' : 'off'}): ${diskStats.files} files, ${mb(diskStats.bytes)}`,
        `  dir: ${sanitizeText(disk.dir)}`,
        ...diskStats.levels.map(
          (l) => `  mip${l.level} (${LEVEL_SIZES[l.level]} px): ${l.files} files, ${mb(l.bytes)}`,
        ),
        `encoded pictures (sixel, iTerm2, kitty; read back at launch): ${pictureStats.files} files, ${mb(pictureStats.bytes)} of ${mb(pictures.maxBytes)}`,
        `  dir: ${sanitizeText(pictures.dir)}`,
        `remembered failures: ${failed}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  cache
    .command('clear')
    .description('remove thumbnails from the disk cache and the saved memory cache (all levels, or one), and the encoded pictures made from them')
    .option('--level <n>', `only this mip level, 0-${MAX_LEVEL}`, intArg(0, MAX_LEVEL))
    .addHelpText(
      'after',
      '\nWithout --level, remembered failures are forgotten too. Missing thumbnails are simply made again.\n' +
        'A running TUI keeps what it holds in memory and saves it again when it quits.\n\n' +
        'Examples:\n  termtable cache clear\n  termtable cache clear --level 4',
    )
    .action(async (opts: ClearOptions, cmd: Command) => {
      const libraryPath = libraryPathFrom(cmd);
      const disk = new DiskCache(mipmapDir(libraryPath));
      const level = opts.level as Level | undefined;
      const removed = await disk.clear(level);
      // Keyed by content, so which level an encoded picture came from is not known: all go.
      const pictures = await new EncodedDiskCache({ dir: encodedDirBeside(disk.dir) }).clear();
      const file = mipmapCacheFile(libraryPath);
      let dropped = 0;
      if (level === undefined) {
        const loaded = await readCacheFile(file);
        dropped = loaded.entries.length;
        await rm(file, { force: true });
      } else {
        const loaded = await readCacheFile(file);
        const kept = loaded.entries.filter((e) => e.level !== level);
        dropped = loaded.entries.length - kept.length;
        if (dropped > 0) await writeCacheFile(file, kept, loaded.meta);
      }
      process.stdout.write(
        `removed ${removed} thumbnail files${level === undefined ? '' : ` of mip${level}`} from ${sanitizeText(disk.dir)}` +
          `, ${dropped} from the saved memory cache and ${pictures} encoded pictures\n`,
      );
    });
}

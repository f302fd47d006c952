import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { MipmapCache } from '../cache/mipmap-cache.js';
import { matchingLevel, type ThumbResult, type ThumbSubject } from '../cache/types.js';
import { loadPreferences, PROTOCOL_PREFS, type ProtocolPref } from '../config/preferences.js';
import { readExifFacts } from '../db/exif.js';
import { Library } from '../db/library.js';
import type { ImageRecord } from '../db/types.js';
import { rowCaptions, rowLines, rowOverlay, rowTransmit, type SheetSlot } from '../render/contact-sheet.js';
import { detectTerminal, formatProbe, queryCursor, type QueryInput } from '../render/detect.js';
import { createRenderer } from '../render/renderer.js';
import { renderSkull } from '../render/skull.js';
import type { CellBox } from '../render/types.js';
import { sanitizeText } from '../util/sanitize.js';
import { choiceArg, intArg, libraryPathFrom, type CommandContext } from './common.js';

interface ShowOptions {
  protocol?: ProtocolPref;
  cols?: number;
  size?: number;
  probe?: boolean;
}

/** One thing to show: a library image, or a file outside the library. */
interface Target {
  subject: ThumbSubject | null;
  name: string;
  record: ImageRecord | null;
  /** Why there is nothing to show (unknown id). */
  problem?: string;
}

/**
 * Files outside the library get a transient id: negative, from a hash of the path, so it can
 * never meet a library id, and stable, so a second `show` finds the disk-cached thumbnail.
 */
function transientId(file: string): number {
  return -(createHash('sha1').update(file).digest().readUInt32BE(0) & 0x7fffffff) - 1;
}

function findInLibrary(lib: Library | null, file: string): ImageRecord | null {
  if (!lib) return null;
  const filename = path.basename(file);
  const matches = lib.page({ filmRoll: path.dirname(file), text: filename, sort: 'name' }, 0, 200);
  return matches.find((r) => r.path === file) ?? null;
}

async function resolveTarget(arg: string, lib: Library | null): Promise<Target> {
  const file = path.resolve(arg);
  if (/^\d+$/.test(arg) && !existsSync(file)) {
    const record = lib?.get(Number(arg)) ?? null;
    if (!record) return { subject: null, name: `#${arg}`, record: null, problem: `no image ${arg} in the library` };
    return { subject: record, name: record.filename, record };
  }
  const record = findInLibrary(lib, file);
  if (record) return { subject: record, name: record.filename, record };
  const st = await stat(file).catch(() => null);
  // The library's own EXIF reader, so a file outside it is oriented as an imported one would be.
  const orientation = st ? await readExifFacts(file, st.size).then((f) => f.orientation, () => 1) : 1;
  return {
    subject: {
      id: transientId(file),
      path: file,
      fileSize: st?.size ?? 0,
      mtime: st ? Math.round(st.mtimeMs) : 0,
      orientation,
      rotation: 0,
    },
    name: path.basename(file),
    record: null,
  };
}

function ratingLine(record: ImageRecord | null): string {
  if (!record) return 'not in library';
  if (record.rejected) return 'x rejected';
  return '★'.repeat(record.rating) + '☆'.repeat(Math.max(0, 5 - record.rating));
}

export function registerShow(program: Command, ctx: CommandContext): void {
  program
    .command('show')
    .description('print thumbnails as a contact sheet (kitty, sixel, iTerm2 or half-blocks), skulls for failures')
    .argument('[files-or-ids...]', 'image files, or ids of library images')
    .option('--protocol <p>', `graphics protocol: ${PROTOCOL_PREFS.join(', ')} (default: detect)`, choiceArg(PROTOCOL_PREFS))
    .option('--cols <n>', 'thumbnails per row (default: as many as fit)', intArg(1, 64))
    .option('--size <cells>', 'width of each thumbnail in cells (default: 24)', intArg(4, 200))
    .option('--probe', 'print what was detected about the terminal and why, then exit')
    .addHelpText(
      'after',
      '\nExamples:\n  termtable show ~/Pictures/rome/*.jpg\n  termtable show --protocol blocks --size 16 12 13 14\n  termtable show --probe',
    )
    .action(async (args: string[], opts: ShowOptions, cmd: Command) => {
      // `termtable show … | head`: a closed pipe ends the sheet quietly, not with a stack trace.
      process.stdout.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE') process.exit(0);
        throw err;
      });
      const { prefs, warning } = await loadPreferences();
      if (warning) process.stderr.write(`termtable: ${sanitizeText(warning)}\n`);
      if (args.length === 0 && !opts.probe) {
        process.stderr.write('termtable: show needs image files or ids (or --probe)\n');
        ctx.setExitCode(2);
        return;
      }
      const detection = await detectTerminal({ flag: opts.protocol, preference: prefs.protocol, fullProbe: Boolean(opts.probe) });
      if (opts.probe) {
        process.stdout.write(formatProbe(detection));
        return;
      }
      const caps = detection.caps;
      const termCols = process.stdout.isTTY && process.stdout.columns ? process.stdout.columns : 80;
      const termRows = process.stdout.isTTY && process.stdout.rows ? process.stdout.rows : 48;
      const gap = 2;
      let size = Math.min(opts.size ?? 24, Math.max(4, termCols));
      // --cols wins over --size: shrink the boxes rather than let rows wrap.
      if (opts.cols && opts.cols * (size + 2) - 2 > termCols) size = Math.max(4, Math.floor((termCols + 2) / opts.cols) - 2);
      // Room for a 4:3 landscape picture, never taller than the screen (with its caption).
      const boxRows = Math.max(2, Math.min(termRows - 4, Math.round((size * caps.cellPx.width * 0.75) / caps.cellPx.height)));
      const box: CellBox = { cols: size, rows: boxRows };
      const perRow = opts.cols ?? Math.max(1, Math.floor((termCols + gap) / (size + gap)));
      const level = matchingLevel(box.cols * caps.cellPx.width, box.rows * caps.cellPx.height);

      const libraryPath = libraryPathFrom(cmd);
      const lib = existsSync(libraryPath) ? Library.open(libraryPath) : null;
      const cache = await MipmapCache.open({ libraryPath, prefs, saveCacheFile: false });
      const renderer = createRenderer(caps, { worker: false });
      const canAskCursor = Boolean(process.stdin.isTTY && process.stdout.isTTY);
      try {
        const targets = await Promise.all(args.map((a) => resolveTarget(a, lib)));
        // Ask for every thumbnail at once: the cache's queue runs them in parallel.
        const results: Promise<ThumbResult | null>[] = targets.map((t) =>
          t.subject ? cache.get(t.subject, level, { priority: 'visible' }) : Promise.resolve(null),
        );
        for (let start = 0; start < targets.length; start += perRow) {
          const slots: SheetSlot[] = [];
          for (let i = start; i < Math.min(targets.length, start + perRow); i += 1) {
            const target = targets[i]!;
            const caption = [sanitizeText(target.name), ratingLine(target.record)];
            const result = await results[i]!;
            if (!result || !result.ok) {
              const skull = result
                ? renderSkull({ cause: result.cause, detail: result.detail }, box)
                : renderSkull({ cause: 'missing', detail: target.problem }, box);
              slots.push({ kind: 'text', lines: skull, caption });
              continue;
            }
            try {
              const image = await renderer.render(
                { key: `${result.id}:${result.level}:${target.subject?.mtime ?? 0}`, data: result.jpeg, width: result.width, height: result.height },
                box,
              );
              slots.push({ kind: 'image', image, caption: result.offline ? [caption[0]!, 'offline'] : caption });
            } catch (err) {
              const detail = err instanceof Error ? err.message : String(err);
              slots.push({ kind: 'text', lines: renderSkull({ cause: 'unsupported', detail }, box), caption });
            }
          }
          const layout = { box, gap, passthrough: caps.passthrough };
          process.stdout.write(rowTransmit(slots, layout) + rowLines(slots, layout));
          let origin: { row: number; col: number } | null = null;
          if (caps.passthrough && canAskCursor && slots.some((s) => s.kind === 'image' && s.image.place !== null)) {
            // Through tmux, pictures are placed absolutely on the outer terminal: find where the row landed.
            const at = await queryCursor({ input: process.stdin as unknown as QueryInput, output: process.stdout, timeoutMs: 3000 });
            const pane = caps.paneOffset ?? { row: 0, col: 0 };
            if (at) origin = { row: pane.row + at.row - box.rows, col: pane.col };
          }
          process.stdout.write(rowOverlay(slots, layout, origin) + rowCaptions(slots, layout));
        }
      } finally {
        await renderer.close();
        await cache.close();
        lib?.close();
      }
    });
}

import type { Command } from 'commander';
import { listHistory, type HistoryEntry } from '../db/history.js';
import { sanitizeText, terminalSafeJson } from '../util/sanitize.js';
import { openExistingLibrary } from './batch.js';
import { intArg, libraryPathFrom, type CommandContext } from './common.js';

interface HistoryOptions {
  json?: boolean;
  limit?: number;
}

/** Entries listed when --limit is not given: a screenful. */
const DEFAULT_LIMIT = 20;

export function formatEntry(e: HistoryEntry): string {
  const at = e.at.slice(0, 19).replace('T', ' ');
  // Descriptions are made terminal-safe when recorded; sanitised again as they come from a file.
  return `${String(e.id).padStart(6)}  ${at}  ${e.undone ? 'undone  ' : '        '}  ${sanitizeText(e.description)}`;
}

export function registerHistory(program: Command, _ctx: CommandContext): void {
  program
    .command('history')
    .description('list the culling changes of the library, newest first (what undo and redo walk through)')
    .option('--json', 'one JSON object per line: {"id","at","kind","description","images","undone"}')
    .option('--limit <n>', `at most n entries (default ${DEFAULT_LIMIT}; 0 for all)`, intArg(0, Number.MAX_SAFE_INTEGER))
    .addHelpText('after', '\nExamples:\n  termtable history\n  termtable history --json --limit 100')
    .action((opts: HistoryOptions, cmd: Command) => {
      const lib = openExistingLibrary(libraryPathFrom(cmd));
      try {
        const limit = opts.limit === undefined ? DEFAULT_LIMIT : opts.limit === 0 ? undefined : opts.limit;
        const entries = listHistory(lib, limit === undefined ? {} : { limit });
        const text = entries.map((e) => (opts.json ? terminalSafeJson(e) : formatEntry(e))).join('\n');
        if (text) process.stdout.write(`${text}\n`);
        else if (!opts.json) process.stdout.write('no culling changes yet\n');
      } finally {
        lib.close();
      }
    });
}

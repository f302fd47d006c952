import type { Command } from 'commander';
import { redo, undo } from '../db/undo.js';
import { sanitizeText } from '../util/sanitize.js';
import { openExistingLibrary } from './batch.js';
import { intArg, libraryPathFrom, type CommandContext } from './common.js';

/** Steps one command may take: a typo of `undo 100000` should not rewind a whole shoot. */
const MAX_STEPS = 1000;

function register(program: Command, ctx: CommandContext, direction: 'undo' | 'redo'): void {
  const run = direction === 'undo' ? undo : redo;
  program
    .command(direction)
    .description(
      direction === 'undo'
        ? 'undo the last N culling changes (rating, reject, labels, rotation, remove), library and sidecars'
        : 'redo the last N undone culling changes (until a new change drops them)',
    )
    .argument('[n]', `how many steps (1-${MAX_STEPS})`, intArg(1, MAX_STEPS), 1)
    .addHelpText('after', `\nExamples:\n  termtable ${direction}\n  termtable ${direction} 3\n  termtable history`)
    .action(async (steps: number, _opts: unknown, cmd: Command) => {
      const lib = openExistingLibrary(libraryPathFrom(cmd));
      try {
        let done = 0;
        for (; done < steps; done++) {
          const result = await run(lib);
          if (!result) break;
          process.stdout.write(`${result.message}\n`);
          for (const e of result.errors) {
            process.stderr.write(`termtable: sidecar not written: ${sanitizeText(e.path)}: ${sanitizeText(e.message)}\n`);
            ctx.setExitCode(1);
          }
        }
        // Not an error (vim: "Already at oldest change"): the library is as asked.
        if (done < steps) process.stdout.write(`nothing ${done ? 'more ' : ''}to ${direction}\n`);
      } finally {
        lib.close();
      }
    });
}

export function registerUndo(program: Command, ctx: CommandContext): void {
  register(program, ctx, 'undo');
}

export function registerRedo(program: Command, ctx: CommandContext): void {
  register(program, ctx, 'redo');
}

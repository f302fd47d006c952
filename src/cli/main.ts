import { Command, CommanderError } from 'commander';
import { sanitizeText } from '../util/sanitize.js';
import { UsageError, type CommandContext } from './common.js';
import { registerCache } from './cache.js';
import { registerGenerateCache } from './generate-cache.js';
import { registerImport } from './import.js';
import { registerLighttable } from './lighttable.js';
import { registerList } from './list.js';
import { registerPurge } from './purge.js';
import { registerRemove } from './remove.js';
import { registerSet } from './set.js';
import { registerShow } from './show.js';
import { registerThumb } from './thumb.js';

export function buildProgram(ctx: CommandContext): Command {
  const program = new Command('termtable')
    .description('A terminal lighttable: browse and cull photos (raw files included), locally or over SSH.')
    .option('--library <file>', 'library database (default: $XDG_DATA_HOME/termtable/library.db)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerLighttable(program, ctx);
  registerImport(program, ctx);
  registerList(program, ctx);
  registerSet(program, ctx);
  registerRemove(program, ctx);
  registerPurge(program, ctx);
  registerGenerateCache(program, ctx);
  registerThumb(program, ctx);
  registerCache(program, ctx);
  registerShow(program, ctx);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = buildProgram({ setExitCode: (code) => void (exitCode = code) });
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version come through here with exit code 0; commander printed them.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`termtable: ${sanitizeText(err.message)}\n`);
      return 2;
    }
    process.stderr.write(`termtable: ${sanitizeText(err instanceof Error ? err.message : String(err))}\n`);
    return 1;
  }
}

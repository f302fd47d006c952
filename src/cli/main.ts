import { createRequire } from 'node:module';
import { Command, CommanderError, Help } from 'commander';
import { sanitizeText } from '../util/sanitize.js';
import { UsageError, type CommandContext } from './common.js';

type Register = (program: Command, ctx: CommandContext) => void;

/**
 * One row per command, in the order `--help` lists them. `usage` (what follows the name) and
 * `description` are what the top-level help shows, so a run only loads the module of the command it runs: `list` never
 * loads sharp or the renderers, `--help` loads none of them (test/cli/lazy-commands.test.ts
 * checks that this table prints exactly what the real commands would).
 */
export interface CommandEntry {
  name: string;
  usage: string;
  description: string;
  isDefault?: boolean;
  load(): Promise<Register>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'lighttable',
    usage: '[options] [dir...]',
    description: 'open the lighttable (the default command): import DIR first if given, else the current folder',
    isDefault: true,
    load: async () => (await import('./lighttable.js')).registerLighttable,
  },
  {
    name: 'import',
    usage: '[options] <dir...>',
    description: 'import folders of photos (recursively; each folder becomes a film roll)',
    load: async () => (await import('./import.js')).registerImport,
  },
  {
    name: 'list',
    usage: '[options]',
    description: 'list the images of the library (or of a film roll)',
    load: async () => (await import('./list.js')).registerList,
  },
  {
    name: 'set',
    usage: '[options] <id...>',
    description: 'set rating, reject flag or colour labels of images (written to their XMP sidecars too)',
    load: async () => (await import('./set.js')).registerSet,
  },
  {
    name: 'remove',
    usage: '[options] <id...>',
    description: 'remove images from the library (the files and sidecars are left alone)',
    load: async () => (await import('./remove.js')).registerRemove,
  },
  {
    name: 'history',
    usage: '[options]',
    description: 'list the culling changes of the library, newest first (what undo and redo walk through)',
    load: async () => (await import('./history.js')).registerHistory,
  },
  {
    name: 'undo',
    usage: '[n]',
    description: 'undo the last N culling changes (rating, reject, labels, rotation, remove), library and sidecars',
    load: async () => (await import('./undo.js')).registerUndo,
  },
  {
    name: 'redo',
    usage: '[n]',
    description: 'redo the last N undone culling changes (until a new change drops them)',
    load: async () => (await import('./undo.js')).registerRedo,
  },
  {
    name: 'sync',
    usage: '[options]',
    description: 'bring the library and the XMP sidecars into agreement (read changes made by other tools, retry failed writes)',
    load: async () => (await import('./sync.js')).registerSync,
  },
  {
    name: 'purge',
    usage: '[options]',
    description: 'remove images whose files no longer exist from the library',
    load: async () => (await import('./purge.js')).registerPurge,
  },
  {
    name: 'export',
    usage: '[options] <dest>',
    description: "copy (or move) the picks with their sidecars into a folder, keeping the film rolls' sub-folders",
    load: async () => (await import('./export.js')).registerExport,
  },
  {
    name: 'trash-rejects',
    usage: '[options]',
    description: 'move rejected images (with sidecars and RAW+JPEG partners) to the trash and remove them from the library',
    load: async () => (await import('./trash-rejects.js')).registerTrashRejects,
  },
  {
    name: 'generate-cache',
    usage: '[options]',
    description: 'make every missing thumbnail of the library in one go, in parallel (like darktable-generate-cache)',
    load: async () => (await import('./generate-cache.js')).registerGenerateCache,
  },
  {
    name: 'thumb',
    usage: '[options] <id>',
    description: 'make (or find) one thumbnail and print where it is, its size and source, or why it failed',
    load: async () => (await import('./thumb.js')).registerThumb,
  },
  {
    name: 'cache',
    usage: '',
    description: 'inspect or clear the thumbnail cache',
    load: async () => (await import('./cache.js')).registerCache,
  },
  {
    name: 'show',
    usage: '[options] [files-or-ids...]',
    description: 'print thumbnails as a contact sheet (kitty, sixel, iTerm2 or half-blocks), skulls for failures',
    load: async () => (await import('./show.js')).registerShow,
  },
];

/** Program options that take a value: their value is not a command name. */
const VALUE_OPTIONS = new Set(['--library']);

/**
 * Which command the arguments run, read the way commander reads them: program options first,
 * then the first operand names a command; anything else (a folder, an option of the default
 * command) goes to the default command. `null` means the program's own help, which needs no
 * command module at all.
 */
export function commandFor(args: readonly string[]): string | null {
  const names = new Set(COMMANDS.map((c) => c.name));
  const fallback = COMMANDS.find((c) => c.isDefault)?.name ?? null;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (VALUE_OPTIONS.has(arg)) {
      i++;
      continue;
    }
    if ([...VALUE_OPTIONS].some((o) => arg.startsWith(`${o}=`))) continue;
    if (arg === '-h' || arg === '--help' || arg === '-V' || arg === '--version') return null;
    if (arg === 'help') {
      const topic = args[i + 1];
      return topic !== undefined && names.has(topic) ? topic : null;
    }
    if (arg.startsWith('-')) return fallback;
    return names.has(arg) ? arg : fallback;
  }
  return fallback;
}

/** A listing-only stand-in for a command that this run does not load. */
function stub(program: Command, entry: CommandEntry): void {
  program.command(entry.name).description(entry.description);
}

/** The listing shows each command as the table says, loaded or not. */
class ListingHelp extends Help {
  override subcommandTerm(cmd: Command): string {
    const entry = COMMANDS.find((c) => c.name === cmd.name());
    return entry ? `${entry.name} ${entry.usage}`.trim() : super.subcommandTerm(cmd);
  }
}

/**
 * The program with `load` commands registered for real and the rest as stand-ins; `'all'`
 * loads every one (for tests that compare the two).
 */
export async function buildProgram(ctx: CommandContext, load: string | null | 'all'): Promise<Command> {
  const program = new Command('termtable')
    .description('A terminal lighttable: browse and cull photos (raw files included), locally or over SSH.')
    .option('--library <file>', 'library database (default: $XDG_DATA_HOME/termtable/library.db)')
    // package.json is two folders up from both src/cli and dist/cli.
    .version((createRequire(import.meta.url)('../../package.json') as { version: string }).version, '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.createHelp = () => Object.assign(new ListingHelp(), program.configureHelp());
  for (const entry of COMMANDS) {
    if (load === 'all' || load === entry.name) (await entry.load())(program, ctx);
    else stub(program, entry);
  }
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  try {
    const ctx: CommandContext = { setExitCode: (code) => void (exitCode = code) };
    const program = await buildProgram(ctx, commandFor(argv.slice(2)));
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

import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { defaultLibraryPath } from '../config/paths.js';

/** Options every command inherits from the top-level program. */
export interface GlobalOptions {
  library?: string;
}

/** A bad argument or a refused request: printed as one line, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function libraryPathFrom(cmd: Command): string {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  return path.resolve(opts.library ?? defaultLibraryPath());
}

/** commander argument parser for a whole number within bounds. */
export function intArg(min: number, max: number) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError(`expected a whole number, got '${value}'`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`expected ${min}-${max}, got ${n}`);
    return n;
  };
}

/** commander argument parser for a choice among a fixed list. */
export function choiceArg<T extends string>(choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`expected one of ${choices.join(', ')}, got '${value}'`);
    }
    return value as T;
  };
}

/** Resolves to an exit code; commands set it through this instead of calling process.exit. */
export interface CommandContext {
  setExitCode(code: number): void;
}

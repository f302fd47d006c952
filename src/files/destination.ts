import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomically } from '../util/atomic-write.js';

/**
 * The lighttable's export destination: typed as a shell would take it (`~` is the home folder,
 * a relative path is relative to the folder termtable was started in), shown with `~` again,
 * and remembered per library beside it (`<library>-export.json`), so the next `E` offers the
 * last folder used.
 */

/** Offered when this library has never exported. */
export const DEFAULT_DESTINATION = path.join('~', 'Pictures', 'termtable-export');

export function expandHome(p: string, home = os.homedir()): string {
  if (p === '~') return home;
  if (p.startsWith(`~${path.sep}`)) return path.join(home, p.slice(2));
  return p;
}

/** The path with the home folder written `~`, as the prompt shows it. */
export function tildify(p: string, home = os.homedir()): string {
  if (p === home) return '~';
  return p.startsWith(home + path.sep) ? path.join('~', p.slice(home.length + 1)) : p;
}

/** The absolute folder a typed destination means, or a message saying why it cannot be used. */
export async function resolveDestination(typed: string, cwd = process.cwd()): Promise<{ dest: string } | { error: string }> {
  const text = typed.trim();
  if (!text) return { error: 'no destination folder typed' };
  const dest = path.resolve(cwd, expandHome(text));
  try {
    if (!(await stat(dest)).isDirectory()) return { error: `${dest} is not a folder` };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return { error: `${dest}: ${(err as Error).message}` };
    // Missing: export creates it.
  }
  return { dest };
}

const memoryFile = (libraryFile: string) => `${libraryFile}-export.json`;

/** The last destination exported to from this library, or null. */
export async function lastDestination(libraryFile: string): Promise<string | null> {
  try {
    const v = JSON.parse(await readFile(memoryFile(libraryFile), 'utf8')) as { dest?: unknown };
    return typeof v.dest === 'string' && path.isAbsolute(v.dest) ? v.dest : null;
  } catch {
    return null; // never exported, or a damaged file: the default is offered
  }
}

export async function rememberDestination(libraryFile: string, dest: string): Promise<void> {
  await writeFileAtomically(memoryFile(libraryFile), `${JSON.stringify({ dest })}\n`);
}

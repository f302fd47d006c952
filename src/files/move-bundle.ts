import { unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Library } from '../db/library.js';
import { movePathsAndSidecars } from '../db/sidecar-moves.js';
import type { Intent, MoveJournal } from './journal.js';
import { exists, fsyncDir, moveNoReplace, removeDeadParts, sameContent } from './transfer.js';

export type MoveIntent = Extract<Intent, { kind: 'move' }>;

/**
 * Moves one bundle's files and points the library at them: journal intent, files, library,
 * done. A failure part-way moves the files already moved back, so a bundle is never left
 * split; if even that fails the intent stays open and the next run finishes it.
 */
export async function moveBundle(lib: Library, journal: MoveJournal, intent: MoveIntent): Promise<void> {
  const seq = await journal.begin(intent);
  const moved: [string, string][] = [];
  try {
    for (const [from, to] of intent.files) {
      await moveNoReplace(from, to);
      moved.push([from, to]);
    }
    // Refused when another process gave the library one of these paths since the plan was made.
    movePathsAndSidecars(lib, intent.images.map((i) => ({ id: i.id, path: i.to })), intent.files);
  } catch (err) {
    for (const [from, to] of moved.reverse()) await moveNoReplace(to, from);
    await journal.done(seq);
    throw err;
  }
  await journal.done(seq);
}

/**
 * Finishes a move an earlier run was killed in: every file ends at its destination (a file
 * found whole at both ends was copied across filesystems and its source not yet removed), then
 * the library follows. Returns problems that need a person; the intent is closed either way
 * once nothing more can be done safely.
 */
export async function finishMove(lib: Library, intent: MoveIntent): Promise<string[]> {
  const problems: string[] = [];
  const arrived = new Set<string>();
  for (const [from, to] of intent.files) {
    await removeDeadParts(path.dirname(to));
    const [atFrom, atTo] = [await exists(from), await exists(to)];
    if (atFrom && atTo) {
      if (await sameContent(from, to)) {
        await unlink(from);
        await fsyncDir(path.dirname(from));
        arrived.add(to);
      } else {
        problems.push(`${from} and ${to} both exist and differ; both kept`);
      }
    } else if (atFrom) {
      try {
        await moveNoReplace(from, to);
        arrived.add(to);
      } catch (err) {
        problems.push(`${from}: ${(err as Error).message}; left where it is`);
      }
    } else if (atTo) {
      arrived.add(to);
    } else {
      problems.push(`${from} is at neither end of its move to ${to}`);
    }
  }
  const images = intent.images.filter((i) => arrived.has(i.to));
  try {
    if (images.length) movePathsAndSidecars(lib, images.map((i) => ({ id: i.id, path: i.to })), intent.files);
  } catch (err) {
    problems.push(`${(err as Error).message}; the files are in place, the library still has the old paths`);
  }
  return problems;
}


import type { Library } from '../db/library.js';
import type { MoveJournal } from './journal.js';
import { finishMove } from './move-bundle.js';
import { finishTrash } from './trash-bundle.js';

/**
 * Finishes whatever an interrupted `export --move` or `trash-rejects` left open, before a new
 * run starts (the caller empties the journal once its own run ends well). Returns what could not be finished safely.
 */
export async function finishInterrupted(lib: Library, journal: MoveJournal): Promise<{ finished: number; problems: string[]; lastExport?: { dest: string; root: string } }> {
  const pending = await journal.pending();
  const lastExport = journal.lastExport;
  const problems: string[] = [];
  for (const { seq, intent } of pending) {
    problems.push(...(intent.kind === 'move' ? await finishMove(lib, intent) : await finishTrash(lib, intent)));
    await journal.done(seq);
  }
  return { finished: pending.length, problems, ...(lastExport ? { lastExport } : {}) };
}

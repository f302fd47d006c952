import { rename, unlink } from 'node:fs/promises';
import type { Library } from '../db/library.js';
import type { Intent, MoveJournal } from './journal.js';
import { entriesFor, moveToTrash, trashCanFor, type TrashCan, type Trashed } from './trash.js';
import { exists } from './transfer.js';

export type TrashIntent = Extract<Intent, { kind: 'trash' }>;

/**
 * Sends one bundle to the trash and removes its images from the library: journal intent,
 * files, library, done. The trash cans are found before anything moves (the usual failure, a
 * volume without one, changes nothing); a failure part-way puts the files already trashed back.
 */
export async function trashBundle(lib: Library, journal: MoveJournal, intent: TrashIntent): Promise<Trashed[]> {
  const cans: TrashCan[] = [];
  for (const file of intent.files) cans.push(await trashCanFor(file));
  const seq = await journal.begin(intent);
  const done: { from: string; to: Trashed }[] = [];
  const now = new Date(); // one deletion time for the bundle, so the desktop lists its files together
  try {
    for (const [i, file] of intent.files.entries()) done.push({ from: file, to: await moveToTrash(file, cans[i]!, now) });
  } catch (err) {
    for (const { from, to } of done.reverse()) {
      if (await exists(from)) continue;
      await rename(to.trashed, from);
      await unlink(to.info);
    }
    await journal.done(seq);
    throw err;
  }
  lib.remove(intent.ids);
  await journal.done(seq);
  return done.map((d) => d.to);
}

/**
 * Finishes a trash run that was killed: info files left without their file are dropped, files
 * still in place go to the trash, and the images leave the library. Returns problems for a person.
 */
export async function finishTrash(lib: Library, intent: TrashIntent): Promise<string[]> {
  const problems: string[] = [];
  let allTrashed = true;
  for (const file of intent.files) {
    const can = await trashCanFor(file);
    const entries = await entriesFor(can, file);
    for (const e of entries) if (!e.complete) await unlink(e.info);
    if (await exists(file)) {
      try {
        await moveToTrash(file, can);
      } catch (err) {
        allTrashed = false;
        problems.push(`${file}: ${(err as Error).message}; left where it is`);
      }
    } else if (!entries.some((e) => e.complete)) {
      problems.push(`${file} is neither in place nor in the trash`);
    }
  }
  if (allTrashed) lib.remove(intent.ids);
  else problems.push(`images ${intent.ids.join(', ')} stay in the library until their files are in the trash`);
  return problems;
}

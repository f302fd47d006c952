// Spawned by history.test.ts: one of two processes culling and undoing one library at once.
// Adds its label to images 1..count, one journal entry each, then undoes `undos` entries
// (whichever are newest at that moment, its own or the other's) and prints their ids.
import { applyCulling } from '../../src/db/culling.js';
import { Library } from '../../src/db/library.js';
import type { ColorLabel } from '../../src/db/types.js';
import { undo } from '../../src/db/undo.js';

const [file, label, count, undos] = process.argv.slice(2) as [string, ColorLabel, string, string];
const lib = Library.open(file);
const undone: number[] = [];
for (let id = 1; id <= Number(count); id++) {
  const result = await applyCulling(lib, [id], { addLabels: [label] });
  if (result.errors.length || result.changed.length !== 1) throw new Error(JSON.stringify(result));
  // Undo in the middle of the other process's changes, not only after them.
  if (id % Math.ceil(Number(count) / Number(undos)) === 0 && undone.length < Number(undos)) {
    const step = await undo(lib);
    if (!step || step.errors.length) throw new Error(`undo failed: ${JSON.stringify(step)}`);
    undone.push(step.entry.id);
  }
}
lib.close();
process.stdout.write(JSON.stringify(undone));

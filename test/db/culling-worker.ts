// Spawned by culling.test.ts: one process of two culling the same images at once.
import { applyCulling } from '../../src/db/culling.js';
import { Library } from '../../src/db/library.js';
import type { ColorLabel } from '../../src/db/types.js';

const [file, label, count] = process.argv.slice(2) as [string, ColorLabel, string];
const lib = Library.open(file);
for (let id = 1; id <= Number(count); id++) {
  const result = await applyCulling(lib, [id], { addLabels: [label] });
  if (result.errors.length) throw new Error(JSON.stringify(result.errors));
}
lib.close();

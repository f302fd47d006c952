import { writeSidecars, type CullingOptions, type CullingResult } from './culling.js';
import { groupsOf } from './groups.js';
import { filenamesOf, recordEntry, type CullingState } from './history.js';
import type { Library } from './library.js';
import { stackMembers } from './stacks.js';

/**
 * Keeps one frame of a burst stack and rejects the others (the culling view's "this one"):
 * the pick is un-rejected (its rating and labels stay), every other member rejected, pairs
 * following their leader, all in ONE transaction and ONE undo journal entry, so `undo`
 * (src/db/undo.ts) puts the whole stack back at once. Then the sidecars, as applyCulling.
 * An image in no stack is only un-rejected. Unknown ids change nothing.
 */
export async function pickFromStack(lib: Library, pickId: number, opts: CullingOptions = {}): Promise<CullingResult> {
  const members = stackMembers(lib, pickId).map((r) => r.id);
  if (members.length === 0) return { changed: [], before: [], errors: [] };
  // Every file of each member's pair takes that member's verdict.
  const keepOf = new Map<number, boolean>();
  const groups = opts.groupPairs === false ? undefined : groupsOf(lib, members);
  for (const m of members) for (const f of groups?.get(m)?.members ?? [m]) keepOf.set(f, m === pickId);
  const { before, changedIds } = lib
    .connection()
    .transaction(() => {
      const after = new Map<number, CullingState>();
      const result = lib.updateCulling([...keepOf.keys()], (old) => {
        const now = { rating: old.rating, rejected: !keepOf.get(old.id), labels: old.labels };
        after.set(old.id, now);
        return now;
      });
      const names = filenamesOf(lib, result.changedIds);
      recordEntry(
        lib,
        'culling',
        // The rejected first: the entry reads "rejected on …", what the step mostly did.
        [...result.before]
          .sort((a, b) => Number(keepOf.get(a.id)) - Number(keepOf.get(b.id)))
          .map(({ id, ...state }) => ({ id, filename: names.get(id) ?? `image ${id}`, before: state, after: after.get(id)! })),
      );
      return result;
    })
    .immediate();
  const changed = lib.getMany(changedIds);
  return { changed, before, errors: await writeSidecars(lib, changed) };
}

import type { CollectionQuery, ImageRecord } from '../../db/types.js';
import type { LibraryPort } from '../services.js';

/**
 * Stacks opened one at a time in a collapsed grid. The library collapses a collection to one
 * row per burst stack (`collapseStacks`, its suggested pick); this wrapper of the library port
 * puts the members of the stacks named in `expandStacks` where their pick stands, in capture
 * order, and maps count / page / indexOf to match, so the grid, the filmstrip and every
 * collection-index user see one consistent sequence. Without `expandStacks` it passes through.
 */
export interface StackedQuery extends CollectionQuery {
  /** Stack ids shown expanded while `collapseStacks` is on (TUI state, not a library filter). */
  expandStacks?: readonly number[];
}

interface Segment {
  /** Index of the stack's pick in the collapsed collection. */
  pos: number;
  members: ImageRecord[];
}

export function expandedStacks(q: CollectionQuery): readonly number[] {
  return (q as StackedQuery).expandStacks ?? [];
}

/** The query without the TUI's expansion (what the library is asked). */
export function baseQuery(q: CollectionQuery): CollectionQuery {
  const { expandStacks: _e, ...rest } = q as StackedQuery;
  return rest;
}

export function withStackExpansion(lib: LibraryPort): LibraryPort {
  const segments = (q: CollectionQuery): Segment[] => {
    const ids = expandedStacks(q);
    if (!q.collapseStacks || ids.length === 0 || !lib.stackMembers) return [];
    const base = baseQuery(q);
    const out: Segment[] = [];
    for (const stackId of ids) {
      const members = lib.stackMembers(stackId);
      if (members.length < 2) continue;
      // Whichever member the collapsed collection shows (the pick) marks the stack's place.
      const pick = members.find((m) => m.id === m.stackPick) ?? members[0]!;
      const pos = lib.indexOf(base, pick.id);
      if (pos >= 0) out.push({ pos, members });
    }
    return out.sort((a, b) => a.pos - b.pos);
  };
  /** Where expanded index `v` comes from: a base index, or a stack member. */
  const locate = (segs: readonly Segment[], v: number): { base: number } | { member: ImageRecord } => {
    let shift = 0;
    for (const seg of segs) {
      const start = seg.pos + shift;
      if (v < start) return { base: v - shift };
      if (v < start + seg.members.length) return { member: seg.members[v - start]! };
      shift += seg.members.length - 1;
    }
    return { base: v - shift };
  };
  return {
    ...lib,
    count(q) {
      const segs = segments(q);
      return lib.count(baseQuery(q)) + segs.reduce((n, s) => n + s.members.length - 1, 0);
    },
    page(q, offset, limit) {
      const segs = segments(q);
      const base = baseQuery(q);
      if (segs.length === 0) return lib.page(base, offset, limit);
      const total = lib.count(base) + segs.reduce((n, s) => n + s.members.length - 1, 0);
      const out: ImageRecord[] = [];
      let v = Math.max(0, offset);
      const end = Math.min(total, offset + limit);
      while (v < end) {
        const at = locate(segs, v);
        if ('member' in at) {
          out.push(at.member);
          v++;
          continue;
        }
        // A run of plain rows up to the next stack: one page query.
        let run = 1;
        while (v + run < end && 'base' in locate(segs, v + run)) run++;
        out.push(...lib.page(base, at.base, run));
        v += run;
      }
      return out;
    },
    indexOf(q, id) {
      const segs = segments(q);
      const base = baseQuery(q);
      if (segs.length === 0) return lib.indexOf(base, id);
      let shift = 0;
      for (const seg of segs) {
        const i = seg.members.findIndex((m) => m.id === id);
        if (i >= 0) return seg.pos + shift + i;
        shift += seg.members.length - 1;
      }
      const b = lib.indexOf(base, id);
      if (b < 0) return -1;
      return b + segs.filter((s) => s.pos < b).reduce((n, s) => n + s.members.length - 1, 0);
    },
  };
}

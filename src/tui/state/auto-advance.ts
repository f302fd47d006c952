import type { AutoAdvancePref } from '../../config/preferences.js';
import type { View } from './lighttable.js';

/** Whether a culling decision in `view` moves on to the next image. */
export function advancesIn(view: View, pref: AutoAdvancePref): boolean {
  if (pref === 'never') return false;
  if (pref === 'always') return true;
  return view === 'preview' || view === 'culling';
}

/**
 * Where the cursor goes after a decision on the image at `index`, once the collection has been
 * counted again. Filter-aware: an image that left the collection (rated inside "unrated",
 * rejected inside "-rejected") leaves its successor at its old index, so that is the next
 * image; one that stayed is at `indexNow`, and the next is after it. Never the first image
 * (darktable #19989, #2951) and never past the end: at the end it stays on the last. Pure.
 */
export function nextIndex(opts: { index: number; indexNow: number; total: number }): number {
  const { index, indexNow, total } = opts;
  if (total <= 0) return 0;
  const next = indexNow >= 0 ? indexNow + 1 : index;
  return Math.min(next, total - 1);
}

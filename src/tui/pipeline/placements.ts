import type { Placement } from '../../render/types.js';
import type { LighttableSnapshot } from '../store.js';
import { slotKey } from './slot-key.js';

/**
 * The out-of-band pictures a snapshot shows (kitty placements, sixel, iTerm2, half-blocks
 * painted beside the tree): none while a pane covers the view, none when pictures are in-tree
 * text (kitty placeholders). Pure.
 */
export function snapshotPlacements(snap: LighttableSnapshot, inTree: boolean): Placement[] {
  const st = snap.state;
  if (inTree) return [];
  if (st.overlay && st.overlay.kind !== 'prompt' && st.overlay.kind !== 'confirm') return [];
  const out: Placement[] = [];
  for (const slot of snap.layout.slots) {
    const rec = slot.id !== undefined ? snap.cullingRecords.get(slot.id) : snap.records.get(slot.index);
    if (!rec) continue;
    const view = snap.thumbs.get(slotKey(rec.id, slot));
    if (view?.status !== 'ready') continue;
    out.push({ key: `${slot.role}:${rec.id}`, rect: slot.slot.image, image: view.image });
  }
  return out;
}

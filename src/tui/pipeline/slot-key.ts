import type { ScreenSlot } from '../state/view-layout.js';

/** Slot identity: the image and the box it is drawn in. */
export function slotKey(id: number, slot: ScreenSlot): string {
  return `${id}@${slot.slot.image.cols}x${slot.slot.image.rows}`;
}

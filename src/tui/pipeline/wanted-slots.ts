import type { ImageRecord } from '../../db/types.js';
import type { ScreenSlot } from '../state/view-layout.js';
import type { PixelOverlay } from './pixel-overlay.js';
import { pixelKey, type SlotRequest } from './thumb-pipeline.js';

export interface WantedSlotsInput {
  /** The slots of the view, in layout order. */
  slots: readonly ScreenSlot[];
  recordOf(slot: ScreenSlot): ImageRecord | undefined;
  /** The full preview's neighbours (records from `from`, the shown one at `cursor`), or null. */
  neighbours: { from: number; cursor: number; records: readonly ImageRecord[] } | null;
  /** The grid's next page. */
  nextPage: readonly ImageRecord[];
  viewKey(id: number, slot: ScreenSlot): string;
  /** Painted into the large pictures (preview, culling, their neighbours), not thumbnails. */
  mainOverlay?: PixelOverlay | undefined;
}

/**
 * Which pictures are wanted, most important first: the slots on screen; then the full
 * preview's neighbours, nearest first and the next before the previous (where a culler goes),
 * at the size they will be shown; then the grid's next page at the grid's size. Pure.
 */
export function wantedSlots(input: WantedSlotsInput): SlotRequest[] {
  const requests: SlotRequest[] = [];
  const seen = new Set<string>();
  const add = (rec: ImageRecord, slot: ScreenSlot, priority: SlotRequest['priority']) => {
    const box = { cols: slot.slot.image.cols, rows: slot.slot.image.rows };
    if (box.cols <= 0 || box.rows <= 0) return;
    const overlay = slot.role === 'main' ? input.mainOverlay : undefined;
    const key = pixelKey(rec, slot.level, box, overlay);
    if (seen.has(key)) return;
    seen.add(key);
    requests.push({ key, viewKey: input.viewKey(rec.id, slot), rec, level: slot.level, box, priority, ...(overlay ? { overlay } : {}) });
  };
  for (const slot of input.slots) {
    const rec = input.recordOf(slot);
    if (rec) add(rec, slot, 'visible');
  }
  const main = input.slots.find((s) => s.role === 'main');
  if (input.neighbours && main) {
    const { from, cursor, records } = input.neighbours;
    const order = records
      .map((rec, i) => ({ rec, d: from + i - cursor }))
      .filter((x) => x.d !== 0)
      .sort((a, b) => Math.abs(a.d) - Math.abs(b.d) || b.d - a.d);
    for (const { rec } of order) add(rec, main, 'neighbour');
  }
  const gridSlot = input.slots[0];
  if (gridSlot && gridSlot.role === 'thumb') for (const rec of input.nextPage) add(rec, gridSlot, 'next');
  return requests;
}

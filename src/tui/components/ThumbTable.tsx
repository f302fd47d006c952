import { Box } from 'ink';
import type { ImageRecord } from '../../db/types.js';
import type { SkullInput } from '../../render/types.js';
import type { ScreenSlot } from '../state/view-layout.js';
import { slotKey, type ThumbView } from '../store.js';
import { ThumbCell } from './ThumbCell.js';

export interface ThumbTableProps {
  /** 'grid': the lighttable page; 'filmstrip': the preview's strip of neighbours (darktable's one thumbtable, two modes). */
  mode: 'grid' | 'filmstrip';
  slots: readonly ScreenSlot[];
  recordFor: (slot: ScreenSlot) => ImageRecord | undefined;
  thumbs: ReadonlyMap<string, ThumbView>;
  /** RAW+JPEG pairs: their thumbnails carry a badge. */
  pairs?: ReadonlyMap<number, readonly string[]>;
  isCursor: (slot: ScreenSlot) => boolean;
  isSelected: (id: number) => boolean;
  skull: (input: SkullInput, box: { cols: number; rows: number }) => string[];
  /** Rows the table occupies (kept fixed so the frame height never changes). */
  height: number;
}

export function ThumbTable({ mode, slots, recordFor, thumbs, pairs, isCursor, isSelected, skull, height }: ThumbTableProps) {
  const rows = new Map<number, ScreenSlot[]>();
  for (const s of slots) {
    const row = rows.get(s.slot.cell.row) ?? [];
    row.push(s);
    rows.set(s.slot.cell.row, row);
  }
  return (
    <Box flexDirection="column" height={height} overflowY="hidden">
      {[...rows.entries()].map(([row, cells]) => (
        <Box key={`${mode}-${row}`} flexDirection="row">
          {cells.map((s) => {
            const rec = recordFor(s);
            if (!rec) return <Box key={`empty-${s.index}`} width={s.slot.cell.cols} height={s.slot.cell.rows} />;
            return (
              <ThumbCell
                key={rec.id}
                record={rec}
                view={thumbs.get(slotKey(rec.id, s))}
                slot={s.slot}
                isCursor={isCursor(s)}
                isSelected={isSelected(rec.id)}
                paired={pairs?.has(rec.id) ?? false}
                skull={skull}
              />
            );
          })}
        </Box>
      ))}
    </Box>
  );
}

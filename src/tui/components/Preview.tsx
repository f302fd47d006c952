import { Box } from 'ink';
import type { SkullInput } from '../../render/types.js';
import type { LighttableSnapshot } from '../store.js';
import { slotKey } from '../store.js';
import { isSelected } from '../state/lighttable.js';
import { ImageView } from './ImageView.js';
import { ThumbTable } from './ThumbTable.js';

export interface PreviewProps {
  snapshot: LighttableSnapshot;
  skull: (input: SkullInput, box: { cols: number; rows: number }) => string[];
  height: number;
}

/** Full preview: the current image as large as fits, the filmstrip of neighbours below. */
export function Preview({ snapshot, skull, height }: PreviewProps) {
  const [main, ...strip] = snapshot.layout.slots;
  if (!main) return <Box height={height} />;
  const rec = snapshot.records.get(main.index);
  const stripHeight = strip[0] ? strip[0].slot.cell.rows : 0;
  return (
    <Box flexDirection="column" height={height} overflowY="hidden">
      <ImageView rect={main.slot.image} view={rec ? snapshot.thumbs.get(slotKey(rec.id, main)) : undefined} skull={skull} />
      {stripHeight > 0 && (
        <ThumbTable
          mode="filmstrip"
          slots={strip}
          recordFor={(s) => snapshot.records.get(s.index)}
          thumbs={snapshot.thumbs}
          pairs={snapshot.pairs}
          isCursor={(s) => s.index === snapshot.state.cursor}
          isSelected={(id) => isSelected(snapshot.state, id)}
          skull={skull}
          height={stripHeight}
        />
      )}
    </Box>
  );
}

import type { SkullInput } from '../../render/types.js';
import type { LighttableSnapshot } from '../store.js';
import { ThumbTable } from './ThumbTable.js';

export interface CullingViewProps {
  snapshot: LighttableSnapshot;
  skull: (input: SkullInput, box: { cols: number; rows: number }) => string[];
  height: number;
}

/** Two or more images side by side, as large as they fit; the cursor picks the one culling keys act on. */
export function CullingView({ snapshot, skull, height }: CullingViewProps) {
  const { culling } = snapshot.state;
  return (
    <ThumbTable
      mode="grid"
      slots={snapshot.layout.slots}
      recordFor={(s) => (s.id === undefined ? undefined : snapshot.cullingRecords.get(s.id))}
      thumbs={snapshot.thumbs}
      pairs={snapshot.pairs}
      isCursor={(s) => s.id === culling.ids[culling.focus]}
      isSelected={() => false}
      skull={skull}
      height={height}
    />
  );
}

import { Box, Text } from 'ink';
import type { SkullInput } from '../../render/types.js';
import type { Rect } from '../layout.js';
import type { ThumbView } from '../store.js';
import { theme } from '../theme.js';

export interface ImageViewProps {
  rect: Rect;
  view: ThumbView | undefined;
  skull: (input: SkullInput, box: { cols: number; rows: number }) => string[];
}

/** A single large image area (full preview): in-tree text, a skull, a placeholder or blank cells to paint over. */
export function ImageView({ rect, view, skull }: ImageViewProps) {
  let body = null;
  if (view?.status === 'ready' && view.inTree && view.image.lines) body = <Text>{view.image.lines.join('\n')}</Text>;
  else if (view?.status === 'failed') body = <Text color={theme.skull}>{skull({ cause: view.cause, detail: view.detail }, rect).join('\n')}</Text>;
  else if (view?.status !== 'ready') body = <Text color={theme.dim}>loading…</Text>;
  return (
    <Box width={rect.cols} height={rect.rows} alignItems="center" justifyContent="center" overflowY="hidden">
      {body}
    </Box>
  );
}

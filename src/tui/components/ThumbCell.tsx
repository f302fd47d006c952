import { useContext, type ReactNode } from 'react';
import { Box, Text } from 'ink';
import type { ImageRecord } from '../../db/types.js';
import type { SkullInput } from '../../render/types.js';
import { sanitizeText } from '../../util/sanitize.js';
import type { GridSlot } from '../layout.js';
import type { ThumbView } from '../store.js';
import { LABEL_COLORS, theme } from '../theme.js';
import { BadgeContext, sharpnessBadge, stackBadge } from './badges.js';
import { stars, truncate } from './format.js';

export interface ThumbCellProps {
  record: ImageRecord;
  view: ThumbView | undefined;
  slot: GridSlot;
  isCursor: boolean;
  isSelected: boolean;
  /** One item of a RAW+JPEG pair: shown with a RAW+JPG badge. @default false */
  paired?: boolean;
  /** Draws a skull as text lines exactly box.cols wide. */
  skull: (input: SkullInput, box: { cols: number; rows: number }) => string[];
}

/**
 * One thumbnail: a bordered cell whose image area holds in-tree text (half-blocks, kitty
 * placeholders), a skull, a placeholder, or blank cells that the graphics layer paints
 * over; the caption carries stars, reject mark, label dots and the file name.
 */
export function ThumbCell({ record, view, slot, isCursor, isSelected, paired = false, skull }: ThumbCellProps) {
  const { image, cell } = slot;
  const border = isCursor ? theme.cursorBorder : isSelected ? theme.selectedBorder : theme.border;
  let body: ReactNode;
  if (image.rows <= 0) body = null;
  else if (view?.status === 'ready' && view.inTree && view.image.lines) {
    body = <Text>{view.image.lines.join('\n')}</Text>;
  } else if (view?.status === 'failed') {
    body = <Text color={theme.skull}>{skull({ cause: view.cause, detail: view.detail }, image).join('\n')}</Text>;
  } else if (view?.status === 'ready') {
    body = null; // out-of-band: painted by the graphics layer over these blank cells
  } else {
    body = (
      <Box width={image.cols} height={image.rows} alignItems="center" justifyContent="center">
        <Text color={theme.dim}>{image.cols >= 3 ? '···' : '·'}</Text>
      </Box>
    );
  }
  const labels = record.labels.map((l) => (
    <Text key={l} color={LABEL_COLORS[l]}>
      ●
    </Text>
  ));
  const mark = isSelected ? '✓' : ' ';
  const head = record.rejected ? '✗ rejected' : stars(record.rating);
  const badges = useContext(BadgeContext);
  const badge = stackBadge(record) + (badges.sharpness ? sharpnessBadge(record) : '') + (paired ? 'RAW+JPG ' : '');
  const nameRoom = image.cols - head.length - record.labels.length - 3;
  const offline = view?.status === 'ready' && view.offline;
  return (
    <Box
      width={cell.cols}
      height={cell.rows}
      borderStyle={isCursor ? 'bold' : 'round'}
      borderColor={border}
      flexDirection="column"
      overflow="hidden"
    >
      <Box width={image.cols} height={Math.max(0, image.rows)} overflow="hidden">
        {body}
      </Box>
      <Box width={image.cols} height={1} overflow="hidden">
        <Text color={isSelected ? theme.selectedBorder : undefined}>{mark}</Text>
        <Text color={record.rejected ? theme.reject : theme.stars}>{truncate(head, Math.max(1, image.cols - 1))}</Text>
        {labels.length > 0 && <Text> </Text>}
        {labels}
        {nameRoom > 3 && (
          <Text color={offline ? theme.warning : theme.dim}>
            {' '}
            {truncate(badge + (offline ? '⚠' : '') + (record.sidecarPending ? '✎!' : '') + sanitizeText(record.filename), nameRoom)}
          </Text>
        )}
      </Box>
    </Box>
  );
}

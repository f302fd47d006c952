import { Box, Text } from 'ink';
import type { ImageRecord } from '../../db/types.js';
import { sanitizeText } from '../../util/sanitize.js';
import type { LighttableSnapshot } from '../store.js';
import { LABEL_COLORS, theme } from '../theme.js';
import { sharpnessLabel, stackLabel } from './badges.js';
import { exifLine, stars, truncate } from './format.js';
import { Histogram, histogramWidth } from './Histogram.js';

export interface StatusBarProps {
  current: ImageRecord | undefined;
  /** The current image's RAW+JPEG pair, when it is one: both names are shown. */
  pairNames?: readonly string[] | undefined;
  generation: LighttableSnapshot['generation'];
  message: string | null;
  /** Standing problems; the first shows when there is no message. @default [] */
  notices?: readonly string[];
  columns: number;
  /** The loupe's zoom and visible part (`100 % · centre`), leading the second line while zoomed. */
  loupe?: string | null;
  /** The current image's luma histogram (preview, culling), drawn at the line's right end. */
  histogram?: Uint32Array | null;
  /** The clipping overlay is on: said beside the histogram. @default false */
  clipping?: boolean;
}

/** Two lines: the current image (name, EXIF, rating, labels), then progress or the last message. */
export function StatusBar({ current, pairNames, generation, message, notices = [], columns, loupe = null, histogram = null, clipping = false }: StatusBarProps) {
  const culling = current ? (current.rejected ? '✗ rejected' : stars(current.rating)) : '';
  const name = current ? (pairNames && pairNames.length > 1 ? pairNames.map((n) => sanitizeText(n)).join(' + ') : sanitizeText(current.filename)) : '';
  const exif = current ? [exifLine(current), sharpnessLabel(current), stackLabel(current)].filter(Boolean).join(' · ') : '';
  const histWidth = histogram ? histogramWidth(columns) : 0;
  const clipTag = clipping ? ' clipping ' : '';
  const right = histWidth > 0 ? histWidth + clipTag.length + 1 : clipTag.length;
  const room = Math.max(0, columns - culling.length - (current?.labels.length ?? 0) * 2 - 2 - right);
  let second = message ?? notices[0] ?? '';
  if (generation && (generation.running || !message)) {
    const pct = generation.total ? Math.floor((generation.done / generation.total) * 100) : 100;
    const bar = '█'.repeat(Math.round(pct / 5)).padEnd(20, '░');
    second = `${generation.running ? 'generating' : 'generated'} ${bar} ${generation.done}/${generation.total}${generation.failed ? ` (${generation.failed} failed)` : ''}${generation.running ? ' · Esc cancels' : ''}${message ? ` · ${message}` : ''}`;
  }
  if (loupe) second = second ? `${loupe} · ${second}` : loupe;
  return (
    <Box flexDirection="column" height={2} width={columns}>
      <Box height={1}>
        <Text color={current?.rejected ? theme.reject : theme.stars}>{culling}</Text>
        {current?.labels.map((l) => (
          <Text key={l} color={LABEL_COLORS[l]}>
            {' ●'}
          </Text>
        ))}
        <Text wrap="truncate">{truncate(` ${name}  ${exif}`, room)}</Text>
        {right > 0 && <Box flexGrow={1} />}
        {clipping && <Text color={theme.error}>{clipTag}</Text>}
        {histogram && histWidth > 0 && <Histogram bins={histogram} width={histWidth} />}
      </Box>
      <Box height={1}>
        <Text color={message?.startsWith('could not') ? theme.error : theme.dim} wrap="truncate">
          {truncate(second, columns)}
        </Text>
      </Box>
    </Box>
  );
}

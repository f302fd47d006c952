import { Box, Text } from 'ink';
import { sanitizeText } from '../../util/sanitize.js';
import type { FilmRoll } from '../services.js';
import { theme } from '../theme.js';

export interface FilmRollPickerProps {
  rolls: readonly FilmRoll[];
  /** 0 = all film rolls, i = rolls[i-1]. */
  index: number;
  current: string | undefined;
  height: number;
  columns: number;
}

/** A scrolling list of film rolls (folders), "all" first. */
export function FilmRollPicker({ rolls, index, current, height, columns }: FilmRollPickerProps) {
  const items = [{ label: 'all film rolls', count: rolls.reduce((n, r) => n + r.imageCount, 0), path: undefined as string | undefined }].concat(
    rolls.map((r) => ({ label: sanitizeText(r.path), count: r.imageCount, path: r.path as string | undefined })),
  );
  const room = Math.max(1, height - 3);
  const start = Math.max(0, Math.min(index - Math.floor(room / 2), items.length - room));
  return (
    <Box flexDirection="column" height={height} width={columns} borderStyle="round" borderColor={theme.accent} paddingX={1} overflow="hidden">
      <Text bold color={theme.accent}>
        Film roll <Text color={theme.dim}>(↑↓ choose · Enter open · Esc close)</Text>
      </Text>
      {items.slice(start, start + room).map((item, i) => (
        <Text key={start + i} inverse={start + i === index} wrap="truncate">
          {`${item.path === current ? '●' : ' '} ${String(item.count).padStart(7)}  ${item.label}`}
        </Text>
      ))}
    </Box>
  );
}

export const filmRollPanel = { id: 'filmroll', title: 'Film roll', modes: ['grid'], Component: FilmRollPicker } as const;

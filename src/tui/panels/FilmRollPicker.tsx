import { Box, Text } from 'ink';
import { sanitizeText } from '../../util/sanitize.js';
import type { CollectionQuery } from '../../db/types.js';
import type { FilmRoll } from '../services.js';
import { filmRollChoices, isCurrent } from '../state/film-roll-choices.js';
import { theme } from '../theme.js';

export interface FilmRollPickerProps {
  rolls: readonly FilmRoll[];
  /** LighttableState.opened: the folders opened, offered with their sub-folders. */
  opened: readonly string[] | undefined;
  /** Index into filmRollChoices (state/film-roll-choices.ts). */
  index: number;
  query: CollectionQuery;
  height: number;
  columns: number;
}

/** A scrolling list of film rolls (folders): all, the folders opened, each roll. */
export function FilmRollPicker({ rolls, opened, index, query, height, columns }: FilmRollPickerProps) {
  const items = filmRollChoices(rolls, opened);
  const room = Math.max(1, height - 3);
  const start = Math.max(0, Math.min(index - Math.floor(room / 2), items.length - room));
  return (
    <Box flexDirection="column" height={height} width={columns} borderStyle="round" borderColor={theme.accent} paddingX={1} overflow="hidden">
      <Text bold color={theme.accent}>
        Film roll <Text color={theme.dim}>(↑↓ choose · Enter open · Esc close)</Text>
      </Text>
      {items.slice(start, start + room).map((item, i) => (
        <Text key={start + i} inverse={start + i === index} wrap="truncate">
          {`${isCurrent(item, query) ? '●' : ' '} ${String(item.count).padStart(7)}  ${sanitizeText(item.label)}`}
        </Text>
      ))}
    </Box>
  );
}

export const filmRollPanel = { id: 'filmroll', title: 'Film roll', modes: ['grid'], Component: FilmRollPicker } as const;

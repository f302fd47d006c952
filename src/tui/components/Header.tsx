import { Box, Text } from 'ink';
import type { CollectionQuery } from '../../db/types.js';
import { sanitizeText } from '../../util/sanitize.js';
import { scopeName } from '../state/film-roll-choices.js';
import { describeFilter } from '../state/filter.js';
import type { View } from '../state/lighttable.js';
import { theme } from '../theme.js';
import { truncate } from './format.js';

export interface HeaderProps {
  query: CollectionQuery;
  total: number;
  /** Collection index of the image counted as "n/total": the cursor, or in culling the focused image. */
  cursor: number;
  view: View;
  selected: number | 'all';
  columns: number;
}

/** One line: the collection (film roll, filter, sort, count) and where the cursor is. */
export function Header({ query, total, cursor, view, selected, columns }: HeaderProps) {
  const roll = sanitizeText(scopeName(query));
  const filter = describeFilter(query);
  const parts = [
    `termtable · ${view}`,
    roll,
    filter ? `filter: ${sanitizeText(filter)}` : null,
    `sort: ${query.sort ?? 'taken'}`,
    total ? `${cursor + 1}/${total}` : 'no images',
    selected === 'all' ? 'all selected' : selected ? `${selected} selected` : null,
    '? help',
  ].filter(Boolean);
  return (
    <Box height={1} width={columns}>
      <Text backgroundColor={theme.headerBg} color="white" wrap="truncate">
        {truncate(` ${parts.join('  │  ')}`, columns).padEnd(columns)}
      </Text>
    </Box>
  );
}

import { useState } from 'react';
import { Box, Text } from 'ink';
import { useKeypress, PRIORITY } from '../hooks/use-keypress.js';
import { helpSections, matchAction } from '../keymap.js';
import { theme } from '../theme.js';
import { helpFooter, layoutHelp } from './help-layout.js';

export interface HelpOverlayProps {
  height: number;
  columns: number;
}

export interface HelpPageProps extends HelpOverlayProps {
  /** 0-based; past the last page shows the last. */
  page: number;
}

/** Inside the round border: one column of padding on each side. */
const BORDER_COLS = 4;
const BORDER_ROWS = 2;

const layoutFor = (columns: number, height: number) =>
  layoutHelp(helpSections(), Math.max(1, columns - BORDER_COLS), Math.max(1, height - BORDER_ROWS));

/**
 * Every key, generated from the keymap. The page is this component's own state: it lives
 * only while the help is open, and the store (store.ts) has no use for it.
 */
export function HelpOverlay({ height, columns }: HelpOverlayProps) {
  const [page, setPage] = useState(0);
  const pages = layoutFor(columns, height).pages.length;
  // Mounted after the App's handlers, so at the same priority this one sees keys first; the
  // keys that are not for paging (Esc, ?, q) go on to the App, which closes the help.
  useKeypress(
    (key) => {
      const action = matchAction(key, 'help');
      if (action !== 'help.nextPage' && action !== 'help.prevPage') return false;
      setPage((p) => Math.max(0, Math.min(pages - 1, Math.min(p, pages - 1) + (action === 'help.nextPage' ? 1 : -1))));
      return true;
    },
    { priority: PRIORITY.pane },
  );
  return <HelpPage height={height} columns={columns} page={page} />;
}

/** One page of the help, laid out in as many columns as the height needs (help-layout.ts). */
export function HelpPage({ height, columns, page }: HelpPageProps) {
  const layout = layoutFor(columns, height);
  const shown = Math.max(0, Math.min(page, layout.pages.length - 1));
  const cols = layout.pages[shown] ?? [];
  const paged = layout.pages.length > 1;
  return (
    <Box flexDirection="column" height={height} width={columns} borderStyle="round" borderColor={theme.accent} paddingX={1} overflow="hidden">
      <Box flexDirection="row" height={paged ? layout.height : undefined} flexShrink={0}>
        {cols.map((col, i) => (
          <Box key={i} flexDirection="column" width={layout.width} flexShrink={0} marginRight={i < cols.length - 1 ? layout.gap : 0}>
            {col.map((l, j) => (
              <Text key={j} bold={l.kind === 'title'} color={l.kind === 'title' ? theme.accent : undefined} wrap="truncate">
                {l.text || ' '}
              </Text>
            ))}
          </Box>
        ))}
      </Box>
      {paged && (
        <Text color={theme.dim} wrap="truncate">
          {helpFooter(shown, layout.pages.length, Math.max(1, columns - BORDER_COLS))}
        </Text>
      )}
    </Box>
  );
}

export const helpPanel = { id: 'help', title: 'Keys', modes: ['grid', 'preview', 'culling'], Component: HelpOverlay } as const;

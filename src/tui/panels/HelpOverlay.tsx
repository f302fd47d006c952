import { Box, Text } from 'ink';
import { helpSections } from '../keymap.js';
import { theme } from '../theme.js';
import { layoutHelp } from './help-layout.js';

export interface HelpOverlayProps {
  height: number;
  columns: number;
}

/** Inside the round border: one column of padding on each side. */
const BORDER_COLS = 4;
const BORDER_ROWS = 2;

/** Every key, generated from the keymap; laid out in as many columns as the height needs (help-layout.ts). */
export function HelpOverlay({ height, columns }: HelpOverlayProps) {
  const layout = layoutHelp(helpSections(), Math.max(1, columns - BORDER_COLS), Math.max(1, height - BORDER_ROWS));
  return (
    <Box flexDirection="column" height={height} width={columns} borderStyle="round" borderColor={theme.accent} paddingX={1} overflow="hidden">
      <Box flexDirection="row">
        {layout.columns.map((col, i) => (
          <Box key={i} flexDirection="column" width={layout.width} flexShrink={0} marginRight={i < layout.columns.length - 1 ? layout.gap : 0}>
            {col.map((l, j) => (
              <Text key={j} bold={l.kind === 'title'} color={l.kind === 'title' ? theme.accent : undefined} wrap="truncate">
                {l.text || ' '}
              </Text>
            ))}
          </Box>
        ))}
      </Box>
    </Box>
  );
}

export const helpPanel = { id: 'help', title: 'Keys', modes: ['grid', 'preview', 'culling'], Component: HelpOverlay } as const;

import { Box, Text } from 'ink';
import { helpSections } from '../keymap.js';
import { theme } from '../theme.js';

export interface HelpOverlayProps {
  height: number;
  columns: number;
}

/** Every key, generated from the keymap; laid out in as many columns as the width allows. */
export function HelpOverlay({ height, columns }: HelpOverlayProps) {
  const lines: { text: string; title: boolean }[] = [];
  for (const section of helpSections()) {
    lines.push({ text: section.title, title: true });
    for (const row of section.rows) lines.push({ text: `${row.keys.padEnd(14)} ${row.description}`, title: false });
  }
  const perCol = Math.max(1, height - 2);
  const cols: (typeof lines)[] = [];
  for (let i = 0; i < lines.length; i += perCol) cols.push(lines.slice(i, i + perCol));
  const width = Math.max(20, Math.floor((columns - 2) / Math.max(1, cols.length)));
  return (
    <Box flexDirection="column" height={height} width={columns} borderStyle="round" borderColor={theme.accent} overflow="hidden">
      <Box flexDirection="row">
        {cols.map((col, i) => (
          <Box key={i} flexDirection="column" width={width}>
            {col.map((l, j) => (
              <Text key={j} bold={l.title} color={l.title ? theme.accent : undefined} wrap="truncate">
                {l.text}
              </Text>
            ))}
          </Box>
        ))}
      </Box>
    </Box>
  );
}

export const helpPanel = { id: 'help', title: 'Keys', modes: ['grid', 'preview', 'culling'], Component: HelpOverlay } as const;

import { Box, Text } from 'ink';
import type { Preferences } from '../../config/preferences.js';
import { sanitizeText } from '../../util/sanitize.js';
import { PREF_ROWS } from '../state/prefs.js';
import { theme } from '../theme.js';

export interface PreferencesPaneProps {
  prefs: Preferences;
  /** The config file the pane saves to. */
  file: string;
  index: number;
  stats: readonly string[];
  /** Shown when the cache cannot hold two screens of thumbnails. */
  warning: string | null;
  height: number;
  columns: number;
}

/** The preferences, one per line, the selected one highlighted; cache statistics below. */
export function PreferencesPane({ prefs, file, index, stats, warning, height, columns }: PreferencesPaneProps) {
  return (
    <Box flexDirection="column" height={height} width={columns} borderStyle="round" borderColor={theme.accent} paddingX={1} overflow="hidden">
      <Text bold color={theme.accent}>
        Preferences <Text color={theme.dim}>(↑↓ choose · ←→ change · Enter edit · Esc close) · saved to {sanitizeText(file)}</Text>
      </Text>
      {PREF_ROWS.map((row, i) => (
        <Text key={row.key} inverse={i === index} wrap="truncate">
          {`${i === index ? '▶' : ' '} ${row.label.padEnd(34)} ${sanitizeText(row.show(prefs))}`}
        </Text>
      ))}
      <Text> </Text>
      <Text bold>Cache</Text>
      {stats.map((s, i) => (
        <Text key={i} color={theme.dim} wrap="truncate">
          {s}
        </Text>
      ))}
      {warning && (
        <Text color={theme.warning} wrap="truncate">
          ⚠ {warning}
        </Text>
      )}
    </Box>
  );
}

export const preferencesPanel = { id: 'prefs', title: 'Preferences', modes: ['grid', 'preview', 'culling'], Component: PreferencesPane } as const;

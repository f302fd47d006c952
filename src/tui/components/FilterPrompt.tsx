import { Box, Text } from 'ink';
import { sanitizeText } from '../../util/sanitize.js';
import type { PromptPurpose } from '../state/lighttable.js';
import { theme } from '../theme.js';

export interface FilterPromptProps {
  purpose: PromptPurpose;
  text: string;
  columns: number;
  /** Overrides the purpose's prompt and hint (the export prompt says what and how). */
  title?: string | undefined;
  hint?: string | undefined;
}

const LABELS: Record<PromptPurpose, { prompt: string; hint: string }> = {
  filter: { prompt: '/', hint: '>=N · rejected · -rejected · red|yellow|green|blue|purple · name text — Enter apply, Esc cancel' },
  monitorProfile: { prompt: 'monitor ICC profile: ', hint: 'path to an .icc file, empty for sRGB — Enter save, Esc cancel' },
  export: { prompt: 'export to: ', hint: 'a folder — Enter export, Esc cancel' },
};

/** The text prompt, drawn in place of the status bar. */
export function FilterPrompt({ purpose, text, columns, title, hint }: FilterPromptProps) {
  const l = { prompt: title ?? LABELS[purpose].prompt, hint: hint ?? LABELS[purpose].hint };
  return (
    <Box flexDirection="column" height={2} width={columns}>
      <Text wrap="truncate">
        <Text color={theme.accent}>{l.prompt}</Text>
        {sanitizeText(text)}
        <Text inverse> </Text>
      </Text>
      <Text color={theme.dim} wrap="truncate">
        {l.hint}
      </Text>
    </Box>
  );
}

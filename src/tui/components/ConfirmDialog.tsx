import { Box, Text } from 'ink';
import { sanitizeText } from '../../util/sanitize.js';
import { theme } from '../theme.js';

export interface ConfirmDialogProps {
  question: string;
  /** The keys and what each does. @default y yes, anything else no */
  hint?: string | undefined;
  columns: number;
}

/** A question whose answer is No unless a key says otherwise, drawn in place of the status bar. */
export function ConfirmDialog({ question, hint, columns }: ConfirmDialogProps) {
  return (
    <Box flexDirection="column" height={2} width={columns}>
      <Text color={theme.warning} bold wrap="truncate">
        {sanitizeText(question)}
      </Text>
      <Text color={theme.dim} wrap="truncate">
        {sanitizeText(hint ?? 'y: yes · n / Enter / Esc: no')}
      </Text>
    </Box>
  );
}

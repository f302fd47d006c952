import { Box, Text } from 'ink';
import { theme } from '../theme.js';

export interface ConfirmDialogProps {
  question: string;
  columns: number;
}

/** A yes/no question, drawn in place of the status bar. */
export function ConfirmDialog({ question, columns }: ConfirmDialogProps) {
  return (
    <Box flexDirection="column" height={2} width={columns}>
      <Text color={theme.warning} bold wrap="truncate">
        {question}
      </Text>
      <Text color={theme.dim}>y / Enter: yes · n / Esc: no</Text>
    </Box>
  );
}

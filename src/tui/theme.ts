import type { ColorLabel } from '../db/types.js';

/** Semantic colours, in one place (Ink colour names). */
export const theme = {
  cursorBorder: 'yellow',
  selectedBorder: 'cyan',
  border: 'gray',
  stars: 'yellow',
  reject: 'red',
  dim: 'gray',
  accent: 'cyan',
  warning: 'yellow',
  error: 'red',
  headerBg: 'blue',
  skull: 'red',
} as const;

export const LABEL_COLORS: Record<ColorLabel, string> = {
  red: 'red',
  yellow: 'yellow',
  green: 'green',
  blue: 'blue',
  purple: 'magenta',
};

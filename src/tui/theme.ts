import chalk, { type ColorSupportLevel } from 'chalk';
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

/** What colour output needs to know of the terminal (TerminalCaps has these). */
export interface ColourCaps {
  /** 24-bit SGR colour confirmed by detection. */
  truecolor: boolean;
  /**
   * Colour depth in bits as detection decided it (detect.ts): 24, 8 (256 colours), 4 (16
   * colours) or 1 (none). Without it, a terminal not confirmed 24-bit gets 256 colours.
   */
  colorDepth?: 1 | 4 | 8 | 24;
}

/**
 * chalk's level (0 none, 1 16 colours, 2 256, 3 24-bit) for what detection found. Ink colours
 * text through chalk, whose own guess (supports-color) reads an allow-list of TERM values:
 * TERM=mlterm or foot gets level 0 and the lighttable loses every text colour although those
 * terminals do 24-bit. NO_COLOR (no-color.org) and FORCE_COLOR=0 still turn colour off.
 */
export function colourLevel(caps: ColourCaps, env: NodeJS.ProcessEnv = process.env): ColorSupportLevel {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  if (env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false') return 0;
  const depth = caps.colorDepth ?? (caps.truecolor ? 24 : 8);
  return depth >= 24 ? 3 : depth >= 8 ? 2 : depth >= 4 ? 1 : 0;
}

/** Sets the level of the chalk instance Ink draws with; returns it. */
export function applyColourLevel(caps: ColourCaps, env: NodeJS.ProcessEnv = process.env): ColorSupportLevel {
  chalk.level = colourLevel(caps, env);
  return chalk.level;
}

import { Text } from 'ink';
import { histogramBars } from '../../analysis/histogram.js';

export interface HistogramProps {
  /** Luma counts 0-255 (analysis/histogram.ts). */
  bins: Uint32Array;
  width: number;
}

/** Darkest shade a bar is drawn in: a black bar on a black terminal would not show. */
const FLOOR = 0x50;

/**
 * The luminance histogram as one line of block characters, each column in the grey of the
 * tones it counts (Ink's chalk turns the hex into 24-bit, 256 or no colour as detected).
 */
export function Histogram({ bins, width }: HistogramProps) {
  const bars = histogramBars(bins, width);
  return (
    <Text>
      {bars.map((bar, i) => {
        const v = Math.round(FLOOR + ((255 - FLOOR) * bar.luma) / 255)
          .toString(16)
          .padStart(2, '0');
        return (
          <Text key={i} color={`#${v}${v}${v}`}>
            {bar.char}
          </Text>
        );
      })}
    </Text>
  );
}

/** Columns the histogram takes in a status line `columns` wide (0: no room). */
export function histogramWidth(columns: number): number {
  return columns >= 60 ? Math.min(32, Math.floor(columns / 4)) : 0;
}

import { COLOR_LABELS, type ColorLabel } from './types.js';

/** Colour labels are stored as a bitmask: bit N is COLOR_LABELS[N] (darktable's 0..4). */
export function labelsToMask(labels: readonly ColorLabel[]): number {
  let mask = 0;
  for (const label of labels) mask |= 1 << COLOR_LABELS.indexOf(label);
  return mask;
}

/** Labels in canonical order (red, yellow, green, blue, purple). */
export function maskToLabels(mask: number): ColorLabel[] {
  return COLOR_LABELS.filter((_, i) => (mask & (1 << i)) !== 0);
}

export function labelBit(label: ColorLabel): number {
  return 1 << COLOR_LABELS.indexOf(label);
}

export function isColorLabel(value: string): value is ColorLabel {
  return (COLOR_LABELS as readonly string[]).includes(value);
}

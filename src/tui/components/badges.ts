import { createContext } from 'react';
import { isBlurred } from '../../analysis/sharpness.js';
import type { ImageRecord } from '../../db/types.js';

/** What thumbnails carry beyond their caption: sharpness badges on request (S). */
export interface BadgeOptions {
  sharpness: boolean;
}

export const BadgeContext = createContext<BadgeOptions>({ sharpness: false });
BadgeContext.displayName = 'BadgeContext';

/**
 * A burst stack's mark: `▣5` on its suggested pick (what a collapsed grid shows for the whole
 * stack), `▣` on its other frames; nothing for an image in no stack.
 */
export function stackBadge(rec: ImageRecord): string {
  const size = rec.stackSize ?? 1;
  if (size < 2) return '';
  return rec.stackPick === rec.id ? `▣${size} ` : '▣ ';
}

/** The focus score on a thumbnail: `◎23`, `◎3!` when blurred, nothing until scored. */
export function sharpnessBadge(rec: ImageRecord): string {
  const s = rec.sharpness;
  if (s === null || s === undefined) return '';
  return `◎${Math.round(s)}${isBlurred(s) ? '!' : ''} `;
}

/** The focus score in the status bar: `sharpness 23.4`, `blurred (3.1)`, or nothing until scored. */
export function sharpnessLabel(rec: ImageRecord): string {
  const s = rec.sharpness;
  if (s === null || s === undefined) return '';
  return isBlurred(s) ? `blurred (sharpness ${s.toFixed(1)})` : `sharpness ${s.toFixed(1)}`;
}

/** The stack in the status bar: `stack of 5, suggested pick`, or nothing for an image in no stack. */
export function stackLabel(rec: ImageRecord): string {
  const size = rec.stackSize ?? 1;
  if (size < 2) return '';
  return `stack of ${size}${rec.stackPick === rec.id ? ', suggested pick' : ''}`;
}

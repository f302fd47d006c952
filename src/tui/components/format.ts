import type { ImageRecord } from '../../db/types.js';
import { sanitizeText } from '../../util/sanitize.js';

/** Pure formatting of EXIF and culling facts for captions and the status bar (all sanitised). */

export function stars(rating: number): string {
  const r = Math.max(0, Math.min(5, Math.round(rating)));
  return '★'.repeat(r) + '☆'.repeat(5 - r);
}

export function exposure(seconds: number | null): string | null {
  if (seconds === null || !(seconds > 0)) return null;
  if (seconds >= 1) return `${Number(seconds.toFixed(1))}s`;
  return `1/${Math.round(1 / seconds)}s`;
}

/**
 * "Canon EOS R6", not "Canon Canon EOS R6": most models already name their maker, often in a
 * shorter form ("NIKON CORPORATION" / "NIKON D70", "EASTMAN KODAK COMPANY" / "KODAK DX4330").
 */
export function cameraName(maker: string | null, model: string | null): string {
  const mk = sanitizeText(maker).trim();
  const md = sanitizeText(model).trim();
  if (!md) return mk;
  const makerWords = new Set(mk.toLowerCase().split(/[\s,.]+/).filter(Boolean));
  const firstModelWord = md.toLowerCase().split(/\s+/)[0] ?? '';
  return !mk || makerWords.has(firstModelWord) ? md : `${mk} ${md}`;
}

export function exifLine(r: ImageRecord): string {
  const camera = cameraName(r.maker, r.model);
  const parts = [
    camera || null,
    r.lens ? sanitizeText(r.lens) : null,
    exposure(r.exposureTime),
    r.fNumber ? `f/${Number(r.fNumber.toFixed(1))}` : null,
    r.iso ? `ISO ${Math.round(r.iso)}` : null,
    r.focalLength ? `${Math.round(r.focalLength)}mm` : null,
    r.takenAt ? sanitizeText(r.takenAt.replace('T', ' ').slice(0, 19)) : null,
  ].filter((p): p is string => p !== null);
  return parts.length ? parts.join(' · ') : 'no EXIF';
}

/** Cuts to `width` cells (names are mostly narrow; wide CJK may overflow by a cell, Ink clips). */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text;
  if (width <= 1) return text.slice(0, width);
  return `${text.slice(0, width - 1)}…`;
}

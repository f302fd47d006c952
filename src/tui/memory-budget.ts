import type { Preferences } from '../config/preferences.js';

const MiB = 1024 * 1024;

/**
 * How the lighttable shares the one `cacheSizeMB` preference between the caches that hold
 * pictures: the mipmap cache's thumbnails (JPEG buffers), the renderer's encoded pictures
 * (kitty PNGs, sixel strings, half-block text) and the loupe's full-size sources (decoded RGB),
 * each bounded in bytes. Encoded pictures are several times a thumbnail's size (a kitty base64
 * PNG ≈ 330 kB at 160×48), but only the pages near the cursor need them, so they get a
 * quarter, with a floor of two 160×48 kitty pages. The loupe gets 30 %: at the default 512 MB
 * that is 154 MB, two 24 MP sources (72 MB each) side by side in the culling view. Pure.
 */
export interface MemoryBudget {
  /** Bytes for the mipmap cache's thumbnails. */
  thumbnails: number;
  /** Bytes for encoded pictures. */
  pictures: number;
  /** Bytes for the loupe's decoded full-size sources. */
  loupe: number;
}

/** The loupe's share of cacheSizeMB. */
export const LOUPE_SHARE = 0.3;

export function memoryBudget(cacheSizeMB: number): MemoryBudget {
  const total = Math.max(1, cacheSizeMB) * MiB;
  const pictures = Math.min(Math.max(total / 4, 16 * MiB), total / 2);
  const loupe = Math.floor(total * LOUPE_SHARE);
  return { thumbnails: Math.floor(total - pictures - loupe), pictures: Math.floor(pictures), loupe };
}

/** The preferences as the mipmap cache should see them: its share of the memory bound. */
export function thumbnailPrefs(prefs: Preferences): Preferences {
  return { ...prefs, cacheSizeMB: memoryBudget(prefs.cacheSizeMB).thumbnails / MiB };
}

/** What one share of the budget holds now. */
export interface ShareUse {
  bytes: number;
  maxBytes: number;
}

/** What the picture caches and the sixel workers hold, for the preferences pane. */
export interface BudgetUse {
  thumbnails: ShareUse;
  pictures: ShareUse;
  /** The sixel encoder's worker threads and their estimated memory (sixel-workers.ts). */
  workers: number;
  workerBytes: number;
  /** The thread that writes big pictures (screen/picture-thread.ts), once started. @default 0 */
  writerBytes?: number;
  loupe: ShareUse;
}

const mb = (bytes: number) => (bytes / MiB).toFixed(1);

/**
 * The pane's lines for what is not a cache of its own: the sixel workers (their memory is
 * counted in the encoded-picture share), and the sum of every part against cacheSizeMB, so
 * the pane says where the preference goes and when a part is past its share. Pure.
 */
export function budgetLines(cacheSizeMB: number, use: BudgetUse): string[] {
  const lines: string[] = [];
  if (use.workers > 0) {
    const share = use.pictures.bytes + use.workerBytes;
    lines.push(
      `sixel workers: ${use.workers}, about ${mb(use.workerBytes)} MB, counted with the encoded pictures: ${mb(share)} MB of ${mb(use.pictures.maxBytes)} MB` +
        (share > use.pictures.maxBytes ? ' (one worker is the least sixel needs)' : ''),
    );
  }
  const writer = use.writerBytes ?? 0;
  const total = use.thumbnails.bytes + use.pictures.bytes + use.workerBytes + writer + use.loupe.bytes;
  const parts = [`thumbnails ${mb(use.thumbnails.bytes)}`, `pictures ${mb(use.pictures.bytes)}`];
  if (use.workers > 0) parts.push(`sixel workers ${mb(use.workerBytes)}`);
  if (writer > 0) parts.push(`picture writer thread ${mb(writer)}`);
  parts.push(`loupe ${mb(use.loupe.bytes)}`);
  lines.push(`counted against cacheSizeMB ${cacheSizeMB}: ${mb(total)} MB of ${mb(Math.max(1, cacheSizeMB) * MiB)} MB (${parts.join(' + ')})`);
  return lines;
}

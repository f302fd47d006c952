import type { ImageAnalysis } from '../analysis/types.js';
import type { Library } from './library.js';
import type { FocusPosition } from './types.js';

/*
 * Writing what was measured of an image (issue 13): the analysis of its thumbnail pixels
 * (src/analysis) and the AF point read from its maker notes. Kept apart
 * from library.ts, as groups.ts is, through the library's connection.
 */

/** One measured image, as a thumbnail job made it. */
export interface AnalysisWrite {
  id: number;
  analysis: ImageAnalysis;
  /**
   * The file as it was measured: the write is dropped when the library knows a different one.
   * mtime within 1 ms: import rounds the stat's milliseconds, the cache truncates them.
   */
  fileSize: number;
  mtime: number;
  /** The camera's AF point (src/analysis/af-point.ts), upright; null when it records none. @default null */
  focusPoint?: FocusPosition | null;
}

/**
 * Stores analyses in one transaction; returns the ids written (an image removed, or whose file
 * changed since it was measured, is skipped). Stacks are not recomputed here: restackFilmRolls.
 */
export function recordAnalyses(lib: Library, writes: readonly AnalysisWrite[]): number[] {
  if (writes.length === 0) return [];
  const db = lib.connection();
  const update = db.prepare<{
    id: number; fileSize: number; mtime: number; s: number; g: number; x: number; y: number; h: string; ax: number | null; ay: number | null;
  }>(
    `UPDATE images SET sharpness = @s, sharpness_global = @g, sharpest_x = @x, sharpest_y = @y, dhash = @h, af_x = @ax, af_y = @ay
      WHERE id = @id AND file_size = @fileSize AND abs(mtime - @mtime) <= 1`,
  );
  const written = db
    .transaction(() =>
      writes.filter(
        (w) =>
          update.run({
            id: w.id,
            fileSize: w.fileSize,
            mtime: Math.round(w.mtime),
            s: w.analysis.sharpness,
            g: w.analysis.sharpnessGlobal,
            x: w.analysis.sharpestAt.x,
            y: w.analysis.sharpestAt.y,
            h: w.analysis.dhash,
            ax: w.focusPoint?.x ?? null,
            ay: w.focusPoint?.y ?? null,
          }).changes > 0,
      ),
    )
    .immediate()
    .map((w) => w.id);
  if (written.length) {
    const stacked = db
      .prepare<[string], number>('SELECT 1 FROM images WHERE stack_id IS NOT NULL AND id IN (SELECT value FROM json_each(?)) LIMIT 1')
      .pluck()
      .get(JSON.stringify(written));
    lib.analysesChanged(stacked !== undefined);
  }
  return written;
}

/** Stores the camera's AF point (src/analysis/af-point.ts), or that it recorded none (null). */
export function recordFocusPoint(lib: Library, id: number, point: FocusPosition | null): void {
  lib
    .connection()
    .prepare<[number | null, number | null, number]>('UPDATE images SET af_x = ?, af_y = ? WHERE id = ?')
    .run(point?.x ?? null, point?.y ?? null, id);
}

/** Ids in [minId, maxId] not yet measured (sharpness NULL), ascending: what generate-cache measures. */
export function unanalysedIds(lib: Library, opts: { minId?: number; maxId?: number } = {}): number[] {
  return lib
    .connection()
    .prepare<[number, number], number>('SELECT id FROM images WHERE sharpness IS NULL AND id BETWEEN ? AND ? ORDER BY id')
    .pluck()
    .all(opts.minId ?? 1, opts.maxId ?? Number.MAX_SAFE_INTEGER);
}

/**
 * Up to `limit` ids above `afterId` not yet measured, ascending: the lighttable's background
 * scoring walks the library with it a few at a time (bounded memory at any library size).
 */
export function nextUnanalysedIds(lib: Library, afterId: number, limit: number): number[] {
  return lib
    .connection()
    .prepare<[number, number], number>('SELECT id FROM images WHERE sharpness IS NULL AND id > ? ORDER BY id LIMIT ?')
    .pluck()
    .all(afterId, limit);
}

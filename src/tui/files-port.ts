import path from 'node:path';
import type { Library } from '../db/library.js';
import { lastDestination, rememberDestination } from '../files/destination.js';
import { exportPicks, type ExportSummary } from '../files/export.js';
import { bundlesOfImages, trashImages, type TrashImagesSummary } from '../files/trash-images.js';
import { bundleFiles } from '../files/bundle.js';

export type FileProgress = { done: number; total: number; file: string };

/**
 * What the lighttable's `E` (export) and Delete (move to trash) need from src/files: the same
 * code as `termtable export` and `trash-rejects`, for the images picked in the lighttable.
 */
export interface FilesPort {
  /** Every file that goes with these images (pair partners, sidecars), for the Delete dialog. */
  filesOf(ids: readonly number[]): Promise<string[]>;
  exportImages(
    ids: readonly number[],
    opts: { dest: string; move: boolean; signal: AbortSignal; onProgress: (p: FileProgress) => void },
  ): Promise<ExportSummary>;
  trashImages(ids: readonly number[], onProgress: (p: FileProgress) => void): Promise<TrashImagesSummary>;
  lastDestination(): Promise<string | null>;
  rememberDestination(dest: string): Promise<void>;
}

export function filesPort(lib: Library): FilesPort {
  return {
    async filesOf(ids) {
      return (await bundlesOfImages(lib, ids)).flatMap((b) => bundleFiles(b).map((n) => path.join(b.dir, n)));
    },
    exportImages: (ids, o) => exportPicks(lib, { ids, dest: o.dest, move: o.move, signal: o.signal, onProgress: o.onProgress }),
    trashImages: (ids, onProgress) => trashImages(lib, ids, { onProgress }),
    lastDestination: () => lastDestination(lib.file),
    rememberDestination: (dest) => rememberDestination(lib.file, dest),
  };
}

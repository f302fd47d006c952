import type { ImageRecord } from '../db/types.js';
import type { ThumbSubject } from './types.js';

/** The part of a library record the cache needs (keeps batch memory small for huge libraries). */
export function subjectFromRecord(r: ImageRecord): ThumbSubject {
  return { id: r.id, path: r.path, fileSize: r.fileSize, mtime: r.mtime, orientation: r.orientation, rotation: r.rotation };
}

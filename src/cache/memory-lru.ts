import { LRUCache } from 'lru-cache';
import type { CachedThumb } from './entry.js';

/** Bytes an LRU entry costs beyond its JPEG (object, key, facts). */
const ENTRY_OVERHEAD_BYTES = 256;
export const entrySize = (entry: CachedThumb): number => entry.jpeg.byteLength + ENTRY_OVERHEAD_BYTES;

/** The mipmap cache's memory level: thumbnails bounded in bytes by the cacheSizeMB preference. */
export function thumbLru(cacheSizeMB: number, onEvict: () => void): LRUCache<string, CachedThumb> {
  return new LRUCache<string, CachedThumb>({
    maxSize: Math.max(1, Math.floor(cacheSizeMB * 1024 * 1024)),
    sizeCalculation: entrySize,
    dispose: (_value, _key, reason) => {
      if (reason === 'evict') onEvict();
    },
  });
}

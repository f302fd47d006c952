import type { LRUCache } from 'lru-cache';
import type { Preferences } from '../config/preferences.js';
import type { DiskCache } from './disk-cache.js';
import { colorKey, entryKey, isFresh, prefWantsProcessed, type CachedThumb, type FileFacts, type FreshnessNeed } from './entry.js';
import type { Level, ThumbSubject } from './types.js';

/** What a thumbnail of this level must match now to be served (file facts, rotation, settings). */
export function needOf(prefs: Readonly<Preferences>, subject: ThumbSubject, level: Level, facts: FileFacts, force: boolean): FreshnessNeed {
  return {
    facts,
    rotation: subject.rotation,
    colorKey: colorKey(prefs.colorManagement, prefs.monitorProfile),
    wantProcessed: force || prefWantsProcessed(prefs.thumbnailSource, level),
    forceProcessed: force,
  };
}

/**
 * Present and fresh in memory or on disk (offline counts as present: nothing to make). A
 * disk file fresh by its facts must also decode: truncated or garbage files are remade.
 */
export async function hasFresh(
  tiers: { prefs: Readonly<Preferences>; lru: Pick<LRUCache<string, CachedThumb>, 'peek'>; disk: DiskCache },
  subject: ThumbSubject,
  level: Level,
  facts: FileFacts | null,
): Promise<boolean> {
  const { prefs, lru, disk } = tiers;
  const mem = lru.peek(entryKey(subject.id, level));
  if (facts === null) {
    if (mem) return true;
    return prefs.diskBackend && (await disk.read(subject.id, level)) !== undefined;
  }
  const need = needOf(prefs, subject, level, facts, false);
  if (mem && isFresh(mem, need)) return true;
  if (!prefs.diskBackend) return false;
  // One read: a file fresh by its facts is read whole to be checked anyway.
  const onDisk = await disk.read(subject.id, level);
  return onDisk !== undefined && isFresh(onDisk, need);
}

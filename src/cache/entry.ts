import { crc32 } from 'node:zlib';
import type { ThumbnailSourcePref } from '../config/preferences.js';
import type { Level, Thumb, ThumbCause, ThumbSource } from './types.js';

/** What a file looked like when stat'ed: the freshness key of everything cached for it. */
export interface FileFacts {
  fileSize: number;
  /** Whole milliseconds since the epoch (sub-millisecond parts are dropped everywhere). */
  mtime: number;
}

/** One cached thumbnail with the facts it was made from (memory, disk and cache file alike). */
export interface CachedThumb extends FileFacts {
  id: number;
  level: Level;
  jpeg: Buffer;
  width: number;
  height: number;
  source: ThumbSource;
  /** The user's rotation (quarter turns) baked into the pixels. */
  rotation: number;
  /**
   * Made by a request that demanded decoding the file itself. A file that can only give an
   * embedded preview then still counts as fresh under a "processed" preference, instead of
   * being remade on every look.
   */
  processedAsked: boolean;
  /** colourKey() of the colour settings it was rendered with. */
  colorKey: number;
}

/** A remembered failure: no retry until the file's facts change or someone asks. */
export interface DeadEntry {
  id: number;
  cause: ThumbCause;
  detail: string;
  /** False when the failure was that the file was not there. */
  exists: boolean;
  fileSize: number;
  mtime: number;
  /** Path at the time, for reports (`generate-cache --json`). */
  path: string;
}

/**
 * The colour settings a thumbnail's pixels depend on, as one number: a thumbnail made
 * with colour management off, or for another monitor profile, is stale.
 */
export function colorKey(colorManagement: boolean, monitorProfile: string | null): number {
  return crc32(Buffer.from(`${colorManagement ? 1 : 0}:${monitorProfile ?? ''}`, 'utf8'));
}

export function factsFromStat(stat: { size: number; mtimeMs: number }): FileFacts {
  return { fileSize: stat.size, mtime: Math.trunc(stat.mtimeMs) };
}

/** True when the thumbnail's level must be decoded from the file itself under this preference. */
export function prefWantsProcessed(pref: ThumbnailSourcePref, level: Level): boolean {
  if (pref === 'never') return false;
  if (pref === 'always') return true;
  return level >= Number(pref.slice(3));
}

export interface FreshnessNeed {
  facts: FileFacts;
  rotation: number;
  colorKey: number;
  /** The preference or the request wants decoded pixels. */
  wantProcessed: boolean;
  /** The request itself forces decoding (full preview), whatever the entry was made for. */
  forceProcessed: boolean;
}

/** Is a cached thumbnail still the right one for the file as it is now? */
export function isFresh(entry: CachedThumb, need: FreshnessNeed): boolean {
  if (entry.fileSize !== need.facts.fileSize || entry.mtime !== need.facts.mtime) return false;
  if (entry.rotation !== need.rotation || entry.colorKey !== need.colorKey) return false;
  if (entry.source === 'processed') return true;
  if (need.forceProcessed) return false;
  return !need.wantProcessed || entry.processedAsked;
}

/** Does a remembered failure still apply (the file has not changed or reappeared since)? */
export function deadStillApplies(dead: DeadEntry, facts: FileFacts | null): boolean {
  if (facts === null) return !dead.exists;
  return dead.exists && dead.fileSize === facts.fileSize && dead.mtime === facts.mtime;
}

export function toThumb(entry: CachedThumb, offline = false): Thumb {
  const thumb: Thumb = {
    ok: true,
    id: entry.id,
    level: entry.level,
    jpeg: entry.jpeg,
    width: entry.width,
    height: entry.height,
    source: entry.source,
  };
  if (offline) thumb.offline = true;
  return thumb;
}

export function entryKey(id: number, level: Level): string {
  return `${id}:${level}`;
}

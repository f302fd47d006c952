import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { writeFileAtomically } from '../util/atomic-write.js';
import { configPath } from './paths.js';

export const PROTOCOL_PREFS = ['auto', 'kitty', 'sixel', 'iterm2', 'blocks'] as const;
export type ProtocolPref = (typeof PROTOCOL_PREFS)[number];

/**
 * darktable's "use raw file instead of embedded JPEG from size": 'never' uses the embedded
 * preview whenever it is big enough, 'always' decodes the file itself, 'mipN' decodes for
 * level N and above.
 */
export const THUMBNAIL_SOURCES = ['never', 'always', 'mip1', 'mip2', 'mip3', 'mip4'] as const;
export type ThumbnailSourcePref = (typeof THUMBNAIL_SOURCES)[number];

/** RAW+JPEG pairs: one item led by the JPEG (darktable's grouping), or every file on its own. */
export const RAW_JPEG_PAIRS = ['together', 'separate'] as const;
export type RawJpegPairsPref = (typeof RAW_JPEG_PAIRS)[number];

/**
 * Which XMP sidecar termtable creates (existing ones are always kept current): 'auto' updates
 * what exists and creates darktable's FILE.EXT.xmp when there is none; 'darktable' and
 * 'lightroom' (FILE.xmp) always keep that one; 'both' keeps both.
 */
export const SIDECAR_PREFS = ['auto', 'darktable', 'lightroom', 'both'] as const;
export type SidecarPref = (typeof SIDECAR_PREFS)[number];

/**
 * Where a culling decision (rating, reject, label) moves on to the next image: in the full
 * preview and the culling view (the default, as culling tools do), everywhere, or nowhere.
 */
export const AUTO_ADVANCE = ['preview+culling', 'always', 'never'] as const;
export type AutoAdvancePref = (typeof AUTO_ADVANCE)[number];

/** Preference `burstGapSeconds`: frames taken at most this far apart can form a burst stack. */
export const DEFAULT_BURST_GAP_SECONDS = 2;
/**
 * Preference `burstSimilarity`: the largest Hamming distance between two frames' 64-bit
 * dHashes for them to be one burst. 12: frames of one burst shifted by a few per cent and
 * blurred measure 0-8 bits apart (test/analysis/bursts.test.ts), different photos of the
 * sample corpus 20 or more, and unrelated pictures about 32 (half the bits).
 */
export const DEFAULT_BURST_SIMILARITY = 12;

export interface Preferences {
  /** Memory cache bound in MB. @default 512 */
  cacheSizeMB: number;
  /** Keep thumbnails on disk too. @default true */
  diskBackend: boolean;
  /** @default 'never' */
  thumbnailSource: ThumbnailSourcePref;
  /** Convert from the file's ICC profile to the display profile. @default true */
  colorManagement: boolean;
  /** ICC file of the monitor; null means sRGB. @default null */
  monitorProfile: string | null;
  /** @default 'auto' */
  protocol: ProtocolPref;
  /** Thumbnail jobs in flight at once. @default the core count */
  concurrency: number;
  /** @default 'together' */
  rawJpegPairs: RawJpegPairsPref;
  /** @default 'auto' */
  sidecar: SidecarPref;
  /** @default 'preview+culling' */
  autoAdvance: AutoAdvancePref;
  /** Seconds between two frames of a burst stack, 0-60 (fractions allowed). @default 2 */
  burstGapSeconds: number;
  /** Largest dHash distance (bits, 0-64) between two frames of a burst stack. @default 12 */
  burstSimilarity: number;
}

export function defaultPreferences(): Preferences {
  return {
    cacheSizeMB: 512,
    diskBackend: true,
    thumbnailSource: 'never',
    colorManagement: true,
    monitorProfile: null,
    protocol: 'auto',
    concurrency: Math.max(1, os.availableParallelism()),
    rawJpegPairs: 'together',
    sidecar: 'auto',
    autoAdvance: 'preview+culling',
    burstGapSeconds: DEFAULT_BURST_GAP_SECONDS,
    burstSimilarity: DEFAULT_BURST_SIMILARITY,
  };
}

/** Field-by-field check of untrusted JSON: a bad field falls back to its default. */
export function validatePreferences(raw: unknown): { prefs: Preferences; problems: string[] } {
  const prefs = defaultPreferences();
  const problems: string[] = [];
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { prefs, problems: ['not a JSON object'] };
  }
  const r = raw as Record<string, unknown>;
  const bad = (key: string) => problems.push(`${key}: invalid value ${JSON.stringify(r[key])}`);
  if ('cacheSizeMB' in r) {
    const v = r.cacheSizeMB;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 16 && v <= 65536) prefs.cacheSizeMB = v;
    else bad('cacheSizeMB');
  }
  if ('diskBackend' in r) {
    if (typeof r.diskBackend === 'boolean') prefs.diskBackend = r.diskBackend;
    else bad('diskBackend');
  }
  if ('thumbnailSource' in r) {
    const v = r.thumbnailSource;
    if (typeof v === 'string' && (THUMBNAIL_SOURCES as readonly string[]).includes(v)) {
      prefs.thumbnailSource = v as ThumbnailSourcePref;
    } else bad('thumbnailSource');
  }
  if ('colorManagement' in r) {
    if (typeof r.colorManagement === 'boolean') prefs.colorManagement = r.colorManagement;
    else bad('colorManagement');
  }
  if ('monitorProfile' in r) {
    const v = r.monitorProfile;
    if (v === null || (typeof v === 'string' && v.length > 0)) prefs.monitorProfile = v;
    else bad('monitorProfile');
  }
  if ('protocol' in r) {
    const v = r.protocol;
    if (typeof v === 'string' && (PROTOCOL_PREFS as readonly string[]).includes(v)) {
      prefs.protocol = v as ProtocolPref;
    } else bad('protocol');
  }
  if ('concurrency' in r) {
    const v = r.concurrency;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 64) prefs.concurrency = v;
    else bad('concurrency');
  }
  if ('rawJpegPairs' in r) {
    const v = r.rawJpegPairs;
    if (typeof v === 'string' && (RAW_JPEG_PAIRS as readonly string[]).includes(v)) {
      prefs.rawJpegPairs = v as RawJpegPairsPref;
    } else bad('rawJpegPairs');
  }
  if ('sidecar' in r) {
    const v = r.sidecar;
    if (typeof v === 'string' && (SIDECAR_PREFS as readonly string[]).includes(v)) prefs.sidecar = v as SidecarPref;
    else bad('sidecar');
  }
  if ('autoAdvance' in r) {
    const v = r.autoAdvance;
    if (typeof v === 'string' && (AUTO_ADVANCE as readonly string[]).includes(v)) prefs.autoAdvance = v as AutoAdvancePref;
    else bad('autoAdvance');
  }
  if ('burstGapSeconds' in r) {
    const v = r.burstGapSeconds;
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 60) prefs.burstGapSeconds = v;
    else bad('burstGapSeconds');
  }
  if ('burstSimilarity' in r) {
    const v = r.burstSimilarity;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 64) prefs.burstSimilarity = v;
    else bad('burstSimilarity');
  }
  return { prefs, problems };
}

export interface LoadedPreferences {
  prefs: Preferences;
  /** Set when the file existed but could not be used as it was; defaults filled the gap. */
  warning?: string;
}

/**
 * Reads the config file. A missing file gives defaults silently; an unreadable or corrupt
 * one gives defaults and a warning (and is replaced on the next save), never an exception.
 */
export async function loadPreferences(file = configPath()): Promise<LoadedPreferences> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { prefs: defaultPreferences() };
    return {
      prefs: defaultPreferences(),
      warning: `cannot read ${file} (${(err as Error).message}); using defaults`,
    };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return {
      prefs: defaultPreferences(),
      warning: `${file} is not valid JSON (${(err as Error).message}); using defaults, it will be replaced on save`,
    };
  }
  const { prefs, problems } = validatePreferences(raw);
  return problems.length
    ? { prefs, warning: `${file}: ${problems.join('; ')}; defaults used for those` }
    : { prefs };
}

export async function savePreferences(prefs: Preferences, file = configPath()): Promise<void> {
  await writeFileAtomically(file, `${JSON.stringify(prefs, null, 2)}\n`, { mode: 0o600, dirMode: 0o700 });
}

import {
  AUTO_ADVANCE,
  PROTOCOL_PREFS,
  RAW_JPEG_PAIRS,
  SIDECAR_PREFS,
  THUMBNAIL_SOURCES,
  validatePreferences,
  type Preferences,
} from '../../config/preferences.js';

/**
 * The preferences pane as data: each row knows how to show its value and how to step it.
 * Pure, so the pane's behaviour is tested without Ink.
 */
export type PrefKey = keyof Preferences;

export interface PrefRow {
  key: PrefKey;
  label: string;
  /** Text of the current value. */
  show(prefs: Preferences): string;
  /** The value one step up (+1) or down (-1); undefined for rows edited as text. */
  step?(prefs: Preferences, delta: 1 | -1): Preferences;
  /** Rows edited in a text prompt (the monitor profile path). */
  text?: boolean;
}

const CACHE_SIZES = [64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384] as const;

function cycle<T>(list: readonly T[], value: T, delta: 1 | -1): T {
  const i = list.indexOf(value);
  return list[(Math.max(0, i) + delta + list.length) % list.length]!;
}

function stepSize(mb: number, delta: 1 | -1): number {
  if (delta > 0) return CACHE_SIZES.find((s) => s > mb) ?? mb;
  return [...CACHE_SIZES].reverse().find((s) => s < mb) ?? mb;
}

/** Seconds a step of burstGapSeconds moves (the config file may hold any fraction). */
const BURST_GAP_STEP = 0.5;

/**
 * A step kept only when the config file's own validation (validatePreferences) would accept
 * it, so the pane never saves what the next start would refuse: at a limit the value stays.
 */
function checked(before: Preferences, after: Preferences): Preferences {
  return validatePreferences(after).problems.length ? before : after;
}

export const PREF_ROWS: readonly PrefRow[] = [
  {
    key: 'cacheSizeMB',
    label: 'memory cache size',
    show: (p) => `${p.cacheSizeMB} MB`,
    step: (p, d) => ({ ...p, cacheSizeMB: stepSize(p.cacheSizeMB, d) }),
  },
  {
    key: 'diskBackend',
    label: 'disk backend',
    show: (p) => (p.diskBackend ? 'on' : 'off'),
    step: (p) => ({ ...p, diskBackend: !p.diskBackend }),
  },
  {
    key: 'thumbnailSource',
    label: 'use raw instead of embedded JPEG',
    show: (p) => (p.thumbnailSource === 'never' ? 'never (embedded)' : p.thumbnailSource === 'always' ? 'always (processed)' : `from ${p.thumbnailSource}`),
    step: (p, d) => ({ ...p, thumbnailSource: cycle(THUMBNAIL_SOURCES, p.thumbnailSource, d) }),
  },
  {
    key: 'colorManagement',
    label: 'colour management',
    show: (p) => (p.colorManagement ? 'on' : 'off'),
    step: (p) => ({ ...p, colorManagement: !p.colorManagement }),
  },
  {
    key: 'monitorProfile',
    label: 'monitor profile',
    show: (p) => p.monitorProfile ?? 'sRGB',
    text: true,
  },
  {
    key: 'protocol',
    label: 'graphics protocol',
    show: (p) => p.protocol,
    step: (p, d) => ({ ...p, protocol: cycle(PROTOCOL_PREFS, p.protocol, d) }),
  },
  {
    key: 'concurrency',
    label: 'generation concurrency',
    show: (p) => String(p.concurrency),
    step: (p, d) => ({ ...p, concurrency: Math.max(1, Math.min(64, p.concurrency + d)) }),
  },
  {
    key: 'rawJpegPairs',
    label: 'RAW+JPEG pairs',
    show: (p) => (p.rawJpegPairs === 'together' ? 'one item (JPEG shown)' : 'separate'),
    step: (p, d) => ({ ...p, rawJpegPairs: cycle(RAW_JPEG_PAIRS, p.rawJpegPairs, d) }),
  },
  {
    key: 'autoAdvance',
    label: 'next image after a decision',
    show: (p) => ({ 'preview+culling': 'in preview and culling', always: 'always (grid too)', never: 'never' })[p.autoAdvance],
    step: (p, d) => ({ ...p, autoAdvance: cycle(AUTO_ADVANCE, p.autoAdvance, d) }),
  },
  {
    key: 'burstGapSeconds',
    label: 'burst: frames at most this apart',
    show: (p) => `${p.burstGapSeconds} s`,
    // Onto the step's grid first, so 1.3 goes to 1.5 and back to 1, not 1.8 and 0.8.
    step: (p, d) => {
      const on = Math.round(p.burstGapSeconds / BURST_GAP_STEP) * BURST_GAP_STEP;
      const next = on !== p.burstGapSeconds && Math.sign(on - p.burstGapSeconds) === d ? on : on + d * BURST_GAP_STEP;
      return checked(p, { ...p, burstGapSeconds: next });
    },
  },
  {
    key: 'burstSimilarity',
    label: 'burst: hashes at most bits apart',
    show: (p) => `${p.burstSimilarity} of 64`,
    step: (p, d) => checked(p, { ...p, burstSimilarity: p.burstSimilarity + d }),
  },
  {
    key: 'sidecar',
    label: 'XMP sidecar to create',
    show: (p) =>
      ({ auto: 'auto (the one that exists, else FILE.EXT.xmp)', darktable: 'FILE.EXT.xmp (darktable)', lightroom: 'FILE.xmp (Lightroom)', both: 'both' })[p.sidecar],
    step: (p, d) => ({ ...p, sidecar: cycle(SIDECAR_PREFS, p.sidecar, d) }),
  },
];

/** Bytes one screen of thumbnails takes in the memory cache (JPEG ~ 0.12 byte per pixel at q≈80). */
export function screenBytes(perPage: number, levelLongEdge: number): number {
  const pixels = levelLongEdge * Math.round((levelLongEdge * 2) / 3);
  return perPage * Math.round(pixels * 0.12);
}

/**
 * darktable's manual warns that a cache smaller than two screens of thumbnails thrashes:
 * every page turn evicts what the previous one loaded.
 */
export function cacheTooSmall(prefs: Preferences, perPage: number, levelLongEdge: number): boolean {
  return prefs.cacheSizeMB * 1024 * 1024 < 2 * screenBytes(perPage, levelLongEdge);
}

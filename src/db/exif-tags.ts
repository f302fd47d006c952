import type { ExifFacts } from './exif.js';

/*
 * What exifr is asked for, and the tags it returns turned into what import records: pure,
 * without exifr itself (the reading, under its deadline and in workers, is exif.ts's).
 */

const PICK = [
  'Make', 'Model', 'LensModel', 'Lens', 'ExposureTime', 'FNumber', 'ISO', 'FocalLength', 'DateTimeOriginal',
  'CreateDate', 'OffsetTimeOriginal', 'ImageWidth', 'ImageHeight', 'ExifImageWidth', 'ExifImageHeight',
  'Orientation', 'NewSubfileType', 'SubSecTimeOriginal',
];

export const EXIFR_OPTIONS = {
  pick: PICK,
  translateValues: false,
  // Dates stay text: revived Dates are local times, which a DST gap would shift by an hour.
  reviveValues: false,
  // exifr reads files in chunks: only the head of a big raw is read.
  chunked: true,
  xmp: false,
  icc: false,
  iptc: false,
  jfif: false,
  ihdr: false,
  makerNote: false,
  userComment: false,
  gps: false,
  interop: false,
  ifd1: false,
};

export type Tags = Record<string, unknown>;

function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  // eslint-disable-next-line no-control-regex
  const trimmed = value.replace(/\u0000+$/g, '').trim();
  return trimmed === '' ? null : trimmed;
}

/** A positive finite number (0 means "unknown" in many cameras' EXIF). */
function positive(value: unknown): number | null {
  const n = Array.isArray(value) ? value[0] : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : null;
}

function dimension(value: unknown): number | null {
  const n = positive(value);
  return n === null ? null : Math.round(n);
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * EXIF capture times carry no zone: they stay the camera's wall-clock time, and the zone is
 * added only when the file records one (OffsetTimeOriginal).
 */
function isoDate(value: unknown, offset: unknown): string | null {
  let base: string | null = null;
  if (value instanceof Date && !Number.isNaN(value.getTime())) {
    base = `${pad(value.getFullYear(), 4)}-${pad(value.getMonth() + 1)}-${pad(value.getDate())}T${pad(value.getHours())}:${pad(value.getMinutes())}:${pad(value.getSeconds())}`;
  } else if (typeof value === 'string') {
    const m = value.match(/^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})/);
    if (m && m[1] !== '0000') base = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`;
  }
  if (base === null) return null;
  const zone = typeof offset === 'string' && /^[+-]\d{2}:\d{2}$/.test(offset.trim()) ? offset.trim() : '';
  return base + zone;
}

/** EXIF SubSecTime: the digits after the decimal point, as text ("20" = 0.20 s, "05" = 0.05 s). */
function subsec(value: unknown): number | null {
  const digits = text(value);
  return digits !== null && /^\d{1,9}$/.test(digits) ? Number(`0.${digits}`) : null;
}

export function factsFromTags(tags: Tags | undefined, raw: boolean): ExifFacts {
  const t = tags ?? {};
  const orientation = typeof t.Orientation === 'number' && t.Orientation >= 1 && t.Orientation <= 8 ? t.Orientation : 1;
  // In raws IFD0 often describes a small preview; ExifImageWidth (or a full-resolution IFD0) is the image.
  const ifd0IsImage = !raw || t.NewSubfileType === 0;
  return {
    width: dimension(t.ExifImageWidth) ?? (ifd0IsImage ? dimension(t.ImageWidth) : null),
    height: dimension(t.ExifImageHeight) ?? (ifd0IsImage ? dimension(t.ImageHeight) : null),
    orientation,
    maker: text(t.Make),
    model: text(t.Model),
    lens: text(t.LensModel) ?? text(t.Lens),
    exposureTime: positive(t.ExposureTime),
    fNumber: positive(t.FNumber),
    iso: positive(t.ISO),
    focalLength: positive(t.FocalLength),
    takenAt: isoDate(t.DateTimeOriginal, t.OffsetTimeOriginal) ?? isoDate(t.CreateDate, t.OffsetTimeOriginal),
    takenSubsec: subsec(t.SubSecTimeOriginal),
  };
}

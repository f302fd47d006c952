/**
 * Orientation as one sharp-friendly transform: clockwise rotation first, then an optional
 * horizontal mirror (flop). Pure, so the composition of EXIF orientation and the user's
 * quarter turns is tested without images.
 */
export interface UprightTransform {
  /** Clockwise degrees: 0, 90, 180 or 270. */
  rotate: 0 | 90 | 180 | 270;
  /** Mirror left-right after rotating. */
  flop: boolean;
}

// EXIF 1-8 as (rotate, then flop): 2 mirror, 3 180°, 4 flip = 180°+mirror, 5 transpose,
// 6 90° CW, 7 transverse, 8 270° CW.
const EXIF: Record<number, UprightTransform> = {
  1: { rotate: 0, flop: false },
  2: { rotate: 0, flop: true },
  3: { rotate: 180, flop: false },
  4: { rotate: 180, flop: true },
  5: { rotate: 90, flop: true },
  6: { rotate: 90, flop: false },
  7: { rotate: 270, flop: true },
  8: { rotate: 270, flop: false },
};

/**
 * EXIF orientation (anything outside 1-8 counts as 1), then `quarterTurns` clockwise turns
 * by the user. Turning after a mirror equals mirroring after turning the other way, which
 * keeps the result in rotate-then-flop form.
 */
export function uprightTransform(exifOrientation: number, quarterTurns: number): UprightTransform {
  const base = EXIF[exifOrientation] ?? { rotate: 0, flop: false };
  const turns = ((Math.trunc(quarterTurns) % 4) + 4) % 4;
  const extra = base.flop ? -turns * 90 : turns * 90;
  const rotate = ((((base.rotate + extra) % 360) + 360) % 360) as UprightTransform['rotate'];
  return { rotate, flop: base.flop };
}

/**
 * Orientation as one sharp-friendly transform: an optional horizontal mirror (flop) first,
 * then a clockwise rotation, the order sharp applies them in. Pure, so the composition of
 * EXIF orientation and the user's quarter turns is tested without images.
 */
export interface UprightTransform {
  /** Mirror left-right before rotating. */
  flop: boolean;
  /** Clockwise degrees: 0, 90, 180 or 270. */
  rotate: 0 | 90 | 180 | 270;
}

// EXIF 1-8 as (flop, then rotate): 2 mirror, 3 180°, 4 flip = mirror+180°, 5 transpose =
// mirror+270°, 6 90° CW, 7 transverse = mirror+90°, 8 270° CW.
const EXIF: Record<number, UprightTransform> = {
  1: { flop: false, rotate: 0 },
  2: { flop: true, rotate: 0 },
  3: { flop: false, rotate: 180 },
  4: { flop: true, rotate: 180 },
  5: { flop: true, rotate: 270 },
  6: { flop: false, rotate: 90 },
  7: { flop: true, rotate: 90 },
  8: { flop: false, rotate: 270 },
};

/**
 * EXIF orientation (anything outside 1-8 counts as 1), then `quarterTurns` clockwise turns
 * by the user: with the mirror first, the user's turns simply add to the rotation.
 */
export function uprightTransform(exifOrientation: number, quarterTurns: number): UprightTransform {
  const base = EXIF[exifOrientation] ?? { flop: false, rotate: 0 };
  const turns = ((Math.trunc(quarterTurns) % 4) + 4) % 4;
  const rotate = ((base.rotate + turns * 90) % 360) as UprightTransform['rotate'];
  return { flop: base.flop, rotate };
}

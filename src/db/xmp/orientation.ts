/**
 * EXIF/TIFF orientation values (1-8) as "mirror, then turn clockwise k quarter turns", so the
 * user's rotation composes with the camera's: what Lightroom and digiKam write to
 * tiff:Orientation after a rotate is the file's orientation turned once more.
 */
const BY_VALUE: Record<number, { mirror: boolean; turns: number }> = {
  1: { mirror: false, turns: 0 },
  6: { mirror: false, turns: 1 },
  3: { mirror: false, turns: 2 },
  8: { mirror: false, turns: 3 },
  2: { mirror: true, turns: 0 },
  7: { mirror: true, turns: 1 },
  4: { mirror: true, turns: 2 },
  5: { mirror: true, turns: 3 },
};

const valueOf = (mirror: boolean, turns: number): number =>
  Number(Object.entries(BY_VALUE).find(([, o]) => o.mirror === mirror && o.turns === turns)![0]);

const norm = (o: number) => (BY_VALUE[o] ? o : 1);

/** The orientation of the file (`exif`) turned `quarterTurns` clockwise more. */
export function composeOrientation(exif: number, quarterTurns: number): number {
  const o = BY_VALUE[norm(exif)]!;
  return valueOf(o.mirror, (((o.turns + quarterTurns) % 4) + 4) % 4);
}

/**
 * The clockwise quarter turns that take the file's orientation to `xmp`; null when they do
 * not differ by a rotation (a mirror was added or removed), which termtable cannot show.
 */
export function rotationBetween(exif: number, xmp: number): number | null {
  const a = BY_VALUE[norm(exif)]!;
  const b = BY_VALUE[xmp];
  if (!b || a.mirror !== b.mirror) return null;
  return (((b.turns - a.turns) % 4) + 4) % 4;
}

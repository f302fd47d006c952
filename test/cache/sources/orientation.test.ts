import { describe, expect, it } from 'vitest';
import { uprightTransform } from '../../../src/cache/sources/orientation.js';

describe('uprightTransform', () => {
  it.each([
    [1, { flop: false, rotate: 0 }],
    [2, { flop: true, rotate: 0 }],
    [3, { flop: false, rotate: 180 }],
    [4, { flop: true, rotate: 180 }],
    [5, { flop: true, rotate: 270 }],
    [6, { flop: false, rotate: 90 }],
    [7, { flop: true, rotate: 90 }],
    [8, { flop: false, rotate: 270 }],
  ])('EXIF orientation %i', (o, expected) => {
    expect(uprightTransform(o, 0)).toEqual(expected);
  });

  it('treats unknown orientations as 1', () => {
    expect(uprightTransform(0, 0)).toEqual({ flop: false, rotate: 0 });
    expect(uprightTransform(9, 0)).toEqual({ flop: false, rotate: 0 });
    expect(uprightTransform(Number.NaN, 0)).toEqual({ flop: false, rotate: 0 });
  });

  it('adds the user quarter turns clockwise, also after a mirror', () => {
    expect(uprightTransform(1, 1)).toEqual({ flop: false, rotate: 90 });
    expect(uprightTransform(6, 1)).toEqual({ flop: false, rotate: 180 });
    expect(uprightTransform(8, 1)).toEqual({ flop: false, rotate: 0 });
    expect(uprightTransform(2, 1)).toEqual({ flop: true, rotate: 90 });
    expect(uprightTransform(5, 2)).toEqual({ flop: true, rotate: 90 });
    expect(uprightTransform(1, -1)).toEqual({ flop: false, rotate: 270 });
    expect(uprightTransform(3, 6)).toEqual({ flop: false, rotate: 0 });
  });
});

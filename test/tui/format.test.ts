import { describe, expect, it } from 'vitest';
import { cameraName, exposure, stars } from '../../src/tui/components/format.js';

describe('status bar formatting', () => {
  it.each([
    ['Canon', 'Canon EOS R6', 'Canon EOS R6'],
    ['NIKON CORPORATION', 'NIKON D70', 'NIKON D70'],
    ['EASTMAN KODAK COMPANY', 'KODAK DX4330 DIGITAL CAMERA', 'KODAK DX4330 DIGITAL CAMERA'],
    ['OLYMPUS OPTICAL CO.,LTD', 'C720UZ', 'OLYMPUS OPTICAL CO.,LTD C720UZ'],
    ['samsung', 'SM-G965W', 'samsung SM-G965W'],
    [null, 'iPhone 11 Pro', 'iPhone 11 Pro'],
    ['Apple', null, 'Apple'],
    [null, null, ''],
  ])('names maker %s and model %s as "%s"', (maker, model, expected) => {
    expect(cameraName(maker, model)).toBe(expected);
  });

  it('never lets control characters of a crafted model through', () => {
    expect(cameraName('Canon', 'Canon PowerShot S30\u001b[31m RED\u001b]0;pwned\u0007')).toBe(
      'Canon PowerShot S30?[31m RED?]0;pwned?',
    );
  });

  it('writes exposure times as photographers do', () => {
    expect(exposure(0.004)).toBe('1/250s');
    expect(exposure(2)).toBe('2s');
    expect(exposure(null)).toBeNull();
  });

  it('draws a 0-5 rating as five stars', () => {
    expect(stars(3)).toBe('★★★☆☆');
    expect(stars(9)).toBe('★★★★★');
  });
});

import { readFile } from 'node:fs/promises';
import exifr from 'exifr';
import { describe, expect, it } from 'vitest';
import { hasControlChars, sanitizeText } from '../../src/util/sanitize.js';
import { corpus } from '../helpers/corpus.js';

describe('sanitizeText', () => {
  it('removes every C0, DEL and C1 control so nothing can start an escape sequence', () => {
    const hostile = 'a\u001b[31mred\u001b]0;title\u0007\u009b2J\u007f\bz';
    const clean = sanitizeText(hostile);
    expect(hasControlChars(clean)).toBe(false);
    expect(clean).toBe('a?[31mred?]0;title??2J??z');
  });

  it('replaces bidi overrides that would make a name display reversed', () => {
    expect(sanitizeText('photo\u202Egpj.exe')).toBe('photo?gpj.exe');
    expect(sanitizeText('a\u2066b\u2069')).toBe('a?b?');
  });

  it('turns tabs and line breaks into spaces and keeps Unicode', () => {
    expect(sanitizeText('fin de\tjournée\r\nok')).toBe('fin de journée  ok');
  });

  it('cleans the crafted EXIF of the corpus file', async () => {
    const exif = await exifr.parse(await readFile(corpus('bad/exif-escape-sequences.jpg')));
    expect(hasControlChars(String(exif.Model))).toBe(true);
    expect(hasControlChars(sanitizeText(exif.Model))).toBe(false);
    expect(sanitizeText(exif.Model)).toContain('Canon PowerShot S30');
  });
});

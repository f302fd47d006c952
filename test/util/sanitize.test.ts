import { readFile } from 'node:fs/promises';
import exifr from 'exifr';
import { describe, expect, it } from 'vitest';
import { hasControlChars, sanitizeText, terminalSafeJson } from '../../src/util/sanitize.js';
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

/** Any character a terminal may act on, raw (JSON's own \u escapes are plain ASCII). */
const RAW_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('terminalSafeJson', () => {
  const hostile = {
    name: 'a\u001b[31m\u0007\u007f\u0085\u009b2J\u009d0;t\u009c\u202egpj.exe\u2066\u2069\u200f\u2028',
    nested: ['x\u0090y', { z: '\u008f' }],
    plain: 'fin-de-journée ✓',
  };

  it('escapes C0, DEL, C1 and bidi controls as \\u sequences, and parses back to the same value', () => {
    expect(JSON.stringify(hostile)).toMatch(RAW_UNSAFE); // what JSON.stringify alone lets through
    const json = terminalSafeJson(hostile);
    expect(json).not.toMatch(RAW_UNSAFE);
    expect(json).toContain('\\u009b2J');
    expect(json).toContain('\\u202egpj');
    expect(JSON.parse(json)).toEqual(hostile);
    expect(json).toContain('fin-de-journée ✓'); // printable Unicode stays as it is
  });

  it('writes what JSON.stringify writes when there is nothing to escape', () => {
    const value = { id: 1, path: '/p/ä.jpg', labels: ['red'], n: null };
    expect(terminalSafeJson(value)).toBe(JSON.stringify(value));
    expect(terminalSafeJson(undefined)).toBe('null');
  });
});

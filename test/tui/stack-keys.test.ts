import { describe, expect, it } from 'vitest';
import { parseKeys } from '../../src/tui/parse-key.js';
import { matchAction, type InputMode } from '../../src/tui/keymap.js';
import { describeFilter, parseFilter, withFilter } from '../../src/tui/state/filter.js';

const key = (data: string) => parseKeys(data)[0]!;

describe('stack and exposure keys', () => {
  it.each([
    ['e', 'grid', 'stack.toggle'],
    ['\x05', 'grid', 'stack.toggleAll'],
    ['P', 'grid', 'stack.pick'],
    ['P', 'culling', 'stack.pick'],
    ['S', 'grid', 'view.sharpnessBadges'],
    ['o', 'grid', 'view.clipping'],
    ['o', 'preview', 'view.clipping'],
    ['o', 'culling', 'view.clipping'],
    ['p', 'culling', 'prefs.open'],
    ['s', 'grid', 'collection.sort'],
  ] as [string, InputMode, string][])('%j in %s → %s', (data, mode, action) => {
    expect(matchAction(key(data), mode)).toBe(action);
  });

  it.each([
    ['e', 'preview'],
    ['e', 'culling'],
    ['\x05', 'culling'],
  ] as [string, InputMode][])('%j in %s is not a stack or exposure key', (data, mode) => {
    const a = matchAction(key(data), mode);
    expect(a === undefined || !(a.startsWith('stack.') || a === 'view.clipping')).toBe(true);
  });
});

describe('the / filter: focus score', () => {
  it('sharp>=N, sharpness:N, blurred and -blurred, written back as typed', () => {
    expect(parseFilter('sharp>=12')).toEqual({ minSharpness: 12 });
    expect(parseFilter('sharpness:7.5 red')).toEqual({ minSharpness: 7.5, label: 'red' });
    expect(parseFilter('blurred')).toEqual({ blurred: true });
    expect(parseFilter('-blurred >=3')).toEqual({ blurred: false, minRating: 3 });
    expect(parseFilter('sharp>=x')).toEqual({ text: 'sharp>=x' });
    const q = withFilter({ sort: 'sharpness', collapseStacks: true, minSharpness: 3 }, parseFilter('sharp>=20 -blurred'));
    expect(q).toEqual({ sort: 'sharpness', collapseStacks: true, minSharpness: 20, blurred: false });
    expect(describeFilter(q)).toBe('sharp>=20 -blurred');
    expect(withFilter(q, parseFilter(''))).toEqual({ sort: 'sharpness', collapseStacks: true });
  });
});

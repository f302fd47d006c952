import { describe, expect, it } from 'vitest';
import { expandHome, resolveDestination, tildify } from '../../src/files/destination.js';
import { helpSections, matchAction } from '../../src/tui/keymap.js';
import { parseKeys } from '../../src/tui/parse-key.js';

const key = (bytes: string) => parseKeys(bytes)[0]!;

describe('the keys of export and trash', () => {
  it('E exports from every view; t trashes only inside the Delete dialog; Tab and Ctrl-U only in a prompt', () => {
    for (const mode of ['grid', 'preview', 'culling'] as const) expect(matchAction(key('E'), mode)).toBe('image.export');
    expect(matchAction(key('t'), 'confirm')).toBe('confirm.trash');
    expect(matchAction(key('t'), 'grid')).toBeUndefined();
    expect(matchAction(key('\r'), 'confirm')).toBe('confirm.no');
    expect(matchAction(key('\t'), 'prompt')).toBe('prompt.toggle');
    expect(matchAction(key('\x15'), 'prompt')).toBe('prompt.clear');
    expect(matchAction(key('E'), 'prompt')).toBeUndefined(); // typed into the path
  });

  it('the help overlay lists them', () => {
    const rows = helpSections().flatMap((s) => s.rows.map((r) => `${r.keys} ${r.description}`));
    expect(rows).toContainEqual(expect.stringMatching(/^E export \(selection/));
    expect(rows).toContainEqual(expect.stringMatching(/^Delete remove or trash/));
    expect(rows).toContain('y t y: yes, remove · t: trash');
    expect(rows).toContain('Ctrl+U clear the text');
    expect(rows).toContain('Tab export: copy ⇄ move');
  });
});

describe('the destination typed', () => {
  it('~ is the home folder, shown again as ~; relative paths are from the start folder', async () => {
    expect(expandHome('~/Pictures/x', '/home/ann')).toBe('/home/ann/Pictures/x');
    expect(expandHome('~', '/home/ann')).toBe('/home/ann');
    expect(expandHome('/abs/~x', '/home/ann')).toBe('/abs/~x');
    expect(tildify('/home/ann/Pictures', '/home/ann')).toBe('~/Pictures');
    expect(tildify('/home/annex', '/home/ann')).toBe('/home/annex');
    expect(await resolveDestination('out', '/tmp/nowhere-tt')).toEqual({ dest: '/tmp/nowhere-tt/out' });
    expect(await resolveDestination('   ')).toEqual({ error: 'no destination folder typed' });
    expect(await resolveDestination('/dev/null')).toEqual({ error: '/dev/null is not a folder' });
  });
});

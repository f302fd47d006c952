import { describe, expect, it } from 'vitest';
import { defaultKeymap, displayKey, helpSections, matchAction, type Action, type InputMode } from '../../src/tui/keymap.js';
import { parseKeys, type KeyPress } from '../../src/tui/parse-key.js';

const key = (data: string): KeyPress => {
  const keys = parseKeys(data);
  expect(keys).toHaveLength(1);
  return keys[0]!;
};

describe('parseKeys', () => {
  it.each([
    ['\x1b[A', 'up'],
    ['\x1bOB', 'down'],
    ['\x1b[5~', 'pageup'],
    ['\x1b[6~', 'pagedown'],
    ['\x1b[H', 'home'],
    ['\x1b[F', 'end'],
    ['\x1b[1~', 'home'],
    ['\x1b[4~', 'end'],
    ['\x1bOP', 'f1'],
    ['\x1bOQ', 'f2'],
    ['\x1bOR', 'f3'],
    ['\x1bOS', 'f4'],
    ['\x1b[15~', 'f5'],
    ['\x1b[11~', 'f1'],
    ['\x1b[[E', 'f5'],
    ['\x1b[3~', 'delete'],
    ['\r', 'return'],
    [' ', 'space'],
    ['\x7f', 'backspace'],
    ['\x1b', 'escape'],
    ['G', 'G'],
  ])('%j is %s', (data, name) => {
    expect(key(data).name).toBe(name);
  });

  it('reads ctrl, shift-F-keys and the ctrl mouse wheel', () => {
    expect(key('\x01')).toMatchObject({ name: 'a', ctrl: true });
    expect(key('\x1b[1;2P')).toMatchObject({ name: 'f1', shift: true });
    expect(key('\x1b[<80;10;5M')).toMatchObject({ name: 'wheelup', ctrl: true });
    expect(key('\x1b[<65;10;5M')).toMatchObject({ name: 'wheeldown', ctrl: false });
  });

  it('splits a run of text into one press per character and ignores unknown sequences', () => {
    expect(parseKeys('jj3').map((k) => k.name)).toEqual(['j', 'j', '3']);
    expect(parseKeys('\x1b[?62;c')).toEqual([]);
    expect(parseKeys('\x1b[<0;10;5M')).toEqual([]);
  });
});

describe('matchAction', () => {
  const positive: [string, InputMode, Action][] = [
    ['\x1b[A', 'grid', 'grid.up'],
    ['k', 'grid', 'grid.up'],
    ['j', 'preview', 'grid.down'],
    ['h', 'culling', 'grid.left'],
    ['l', 'grid', 'grid.right'],
    ['\x1b[5~', 'grid', 'grid.pageUp'],
    ['\x1b[6~', 'grid', 'grid.pageDown'],
    ['\x1b[H', 'grid', 'grid.start'],
    ['\x1b[F', 'grid', 'grid.end'],
    ['+', 'grid', 'grid.fewerPerRow'],
    ['-', 'grid', 'grid.morePerRow'],
    ['\x1b[<80;1;1M', 'grid', 'grid.fewerPerRow'],
    ['0', 'grid', 'image.rate.0'],
    ['3', 'preview', 'image.rate.3'],
    ['5', 'culling', 'image.rate.5'],
    ['r', 'grid', 'image.reject'],
    ['\x1bOP', 'grid', 'image.label.red'],
    ['\x1bOQ', 'grid', 'image.label.yellow'],
    ['\x1bOR', 'grid', 'image.label.green'],
    ['\x1bOS', 'grid', 'image.label.blue'],
    ['\x1b[15~', 'grid', 'image.label.purple'],
    [']', 'grid', 'image.rotateCw'],
    ['[', 'grid', 'image.rotateCcw'],
    ['\x1b[3~', 'grid', 'image.remove'],
    [' ', 'grid', 'selection.toggle'],
    ['\x01', 'grid', 'selection.all'],
    ['\x1b', 'grid', 'selection.clear'],
    ['u', 'grid', 'history.undo'],
    ['u', 'preview', 'history.undo'],
    ['\x12', 'culling', 'history.redo'],
    ['\x1a', 'grid', 'app.suspend'],
    ['\r', 'confirm', 'confirm.no'],
    ['/', 'grid', 'collection.filter'],
    ['s', 'grid', 'collection.sort'],
    ['c', 'grid', 'collection.filmRoll'],
    ['g', 'grid', 'thumbs.generate'],
    ['G', 'grid', 'thumbs.retryFailed'],
    ['w', 'grid', 'view.preview'],
    ['\r', 'grid', 'view.preview'],
    ['w', 'preview', 'view.back'],
    ['\x1b', 'preview', 'view.back'],
    ['x', 'grid', 'view.culling'],
    ['x', 'culling', 'view.back'],
    ['p', 'grid', 'prefs.open'],
    ['?', 'grid', 'help.open'],
    ['q', 'grid', 'app.quit'],
    ['\x03', 'prompt', 'app.interrupt'],
    ['j', 'pane', 'pane.down'],
    ['\x1b[D', 'pane', 'pane.decrease'],
    ['\r', 'pane', 'pane.choose'],
    ['\x1b', 'pane', 'pane.close'],
    ['q', 'help', 'pane.close'],
    ['y', 'confirm', 'confirm.yes'],
    ['n', 'confirm', 'confirm.no'],
    ['\r', 'prompt', 'prompt.submit'],
    ['\x1b', 'prompt', 'prompt.cancel'],
    ['\x7f', 'prompt', 'prompt.backspace'],
  ];
  it.each(positive)('%j in %s → %s', (data, mode, action) => {
    expect(matchAction(key(data), mode)).toBe(action);
  });

  const negative: [string, InputMode][] = [
    ['j', 'prompt'], // typed text, not a move
    ['q', 'prompt'],
    ['3', 'confirm'],
    ['x', 'preview'],
    [' ', 'preview'],
    ['+', 'confirm'], // (in culling, + zooms: the loupe)
    ['g', 'help'],
    ['z', 'grid'],
    ['\x1bj', 'grid'], // alt+j
    ['\x1b[17~', 'grid'], // F6
  ];
  it.each(negative)('%j in %s does nothing', (data, mode) => {
    expect(matchAction(key(data), mode)).toBeUndefined();
  });

  it('every action of the keymap is reachable and the help lists every binding', () => {
    const rows = helpSections().flatMap((s) => s.rows);
    expect(rows).toHaveLength(defaultKeymap.filter((b) => b.help !== false).length);
    // Bindings folded into another's row (the loupe's pans): their keys are in the help all the same.
    const keys = rows.map((r) => r.keys).join(' ');
    for (const b of defaultKeymap.filter((b) => b.help === false)) for (const k of b.keys) expect(keys).toContain(displayKey(k).split('+').at(-1)!);
    expect(rows.find((r) => r.description === 'toggle red label')?.keys).toBe('F1');
    expect(rows.find((r) => r.description === 'select all')?.keys).toBe('Ctrl+A');
  });
});

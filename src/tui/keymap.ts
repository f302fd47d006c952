import type { ColorLabel } from '../db/types.js';
import type { KeyPress } from './parse-key.js';

/**
 * Every key of the lighttable as data: the input hook looks actions up here, the help
 * overlay is generated from it, and nothing else in src/tui compares key names.
 */

export type RatingAction = `image.rate.${0 | 1 | 2 | 3 | 4 | 5}`;
export type LabelAction = `image.label.${ColorLabel}`;
export type LoupeAction =
  | 'loupe.toggle'
  | 'loupe.zoomIn'
  | 'loupe.zoomOut'
  | 'loupe.fit'
  | `loupe.pan.${'up' | 'down' | 'left' | 'right'}`
  | `loupe.panFast.${'up' | 'down' | 'left' | 'right'}`;

export type Action =
  | 'grid.up'
  | 'grid.down'
  | 'grid.left'
  | 'grid.right'
  | 'grid.pageUp'
  | 'grid.pageDown'
  | 'grid.start'
  | 'grid.end'
  | 'grid.fewerPerRow'
  | 'grid.morePerRow'
  | RatingAction
  | 'image.reject'
  | LabelAction
  | 'image.rotateCw'
  | 'image.rotateCcw'
  | 'image.remove'
  | 'image.export'
  | 'selection.toggle'
  | 'selection.all'
  | 'selection.clear'
  | 'collection.filter'
  | 'collection.sort'
  | 'collection.filmRoll'
  | 'thumbs.generate'
  | 'thumbs.retryFailed'
  | 'thumbs.cancel'
  | 'view.preview'
  | 'view.culling'
  | 'view.back'
  | LoupeAction
  | 'view.clipping'
  | 'stack.toggle'
  | 'stack.toggleAll'
  | 'stack.pick'
  | 'view.sharpnessBadges'
  | 'prefs.open'
  | 'help.open'
  | 'help.nextPage'
  | 'help.prevPage'
  | 'app.quit'
  | 'app.interrupt'
  | 'app.suspend'
  | 'history.undo'
  | 'history.redo'
  | 'pane.up'
  | 'pane.down'
  | 'pane.decrease'
  | 'pane.increase'
  | 'pane.choose'
  | 'pane.close'
  | 'confirm.yes'
  | 'confirm.trash'
  | 'confirm.no'
  | 'prompt.submit'
  | 'prompt.cancel'
  | 'prompt.backspace'
  | 'prompt.toggle'
  | 'prompt.clear';

/**
 * Where a binding applies. 'browse' covers the three image views (grid, preview, culling);
 * 'pane' the preferences pane and the film-roll picker; the others are one view or overlay.
 */
export type KeymapMode = 'browse' | 'grid' | 'preview' | 'culling' | 'zoom' | 'loupe' | 'pane' | 'confirm' | 'prompt' | 'help' | 'any';

/** The state the input hook is in when a key arrives. */
export type InputMode = 'grid' | 'preview' | 'culling' | 'pane' | 'confirm' | 'prompt' | 'help';

export interface KeyBinding {
  /** Key specs: a name from parse-key ('up', 'f1', 'return', 'j', 'G'), optionally 'ctrl+'. */
  keys: readonly string[];
  action: Action;
  description: string;
  mode: KeymapMode;
  /** How help shows the keys (one row for several bindings), or false: listed in another's row. */
  help?: string | false;
  /** The help section it is listed in, when not its mode's. */
  helpSection?: KeymapMode;
}

const b = (keys: readonly string[], action: Action, description: string, mode: KeymapMode = 'browse'): KeyBinding => ({
  keys,
  action,
  description,
  mode,
});

export const defaultKeymap: readonly KeyBinding[] = [
  b(['ctrl+c'], 'app.interrupt', 'quit at once', 'any'),
  b(['ctrl+z'], 'app.suspend', 'suspend (fg brings it back)', 'browse'),
  // Moving
  b(['up', 'k'], 'grid.up', 'move up'),
  b(['down', 'j'], 'grid.down', 'move down'),
  b(['left', 'h'], 'grid.left', 'previous image'),
  b(['right', 'l'], 'grid.right', 'next image'),
  b(['pageup'], 'grid.pageUp', 'previous page'),
  b(['pagedown'], 'grid.pageDown', 'next page'),
  b(['home'], 'grid.start', 'first image'),
  b(['end'], 'grid.end', 'last image'),
  b(['+', 'ctrl+wheelup'], 'grid.fewerPerRow', 'fewer, larger thumbnails per row', 'grid'),
  b(['-', 'ctrl+wheeldown'], 'grid.morePerRow', 'more, smaller thumbnails per row', 'grid'),
  // Culling
  b(['0'], 'image.rate.0', 'rate 0 stars'),
  b(['1'], 'image.rate.1', 'rate 1 star'),
  b(['2'], 'image.rate.2', 'rate 2 stars'),
  b(['3'], 'image.rate.3', 'rate 3 stars'),
  b(['4'], 'image.rate.4', 'rate 4 stars'),
  b(['5'], 'image.rate.5', 'rate 5 stars'),
  b(['r'], 'image.reject', 'toggle reject'),
  b(['f1'], 'image.label.red', 'toggle red label'),
  b(['f2'], 'image.label.yellow', 'toggle yellow label'),
  b(['f3'], 'image.label.green', 'toggle green label'),
  b(['f4'], 'image.label.blue', 'toggle blue label'),
  b(['f5'], 'image.label.purple', 'toggle purple label'),
  b([']'], 'image.rotateCw', 'rotate clockwise'),
  b(['['], 'image.rotateCcw', 'rotate counter-clockwise'),
  b(['delete'], 'image.remove', 'remove or trash (asks)'),
  b(['E'], 'image.export', 'export (selection, else all)'),
  b(['u'], 'history.undo', 'undo the last change (library and sidecar)'),
  b(['ctrl+r'], 'history.redo', 'redo'),
  // Selection
  b(['space'], 'selection.toggle', 'select / unselect', 'grid'),
  b(['ctrl+a'], 'selection.all', 'select all', 'grid'),
  b(['escape'], 'selection.clear', 'clear the selection, else cancel background generation', 'grid'),
  // Collection
  b(['/'], 'collection.filter', 'filter: >=N, rejected, -rejected, a colour, sharp>=N, blurred, or name text', 'grid'),
  b(['s'], 'collection.sort', 'cycle the sort order', 'grid'),
  b(['c'], 'collection.filmRoll', 'pick the film roll', 'grid'),
  // Thumbnails
  b(['g'], 'thumbs.generate', 'generate all missing thumbnails in the background', 'grid'),
  b(['G'], 'thumbs.retryFailed', 'retry failed thumbnails', 'grid'),
  // Views
  b(['w', 'return'], 'view.preview', 'full preview', 'grid'),
  b(['w', 'return', 'escape'], 'view.back', 'back to the grid', 'preview'),
  b(['x'], 'view.culling', 'culling view (selection, or this image and the next)', 'grid'),
  b(['x', 'escape'], 'view.back', 'leave the culling view', 'culling'),
  // Two bindings to a help row: the help has to fit 80x50 (help-layout.test.tsx).
  { ...b(['o'], 'view.clipping', 'clipping / sharpness badges', 'browse'), help: 'o / S' },
  { ...b(['e'], 'stack.toggle', 'open/close stack / all', 'grid'), help: 'e / Ctrl+E' },
  { ...b(['ctrl+e'], 'stack.toggleAll', 'open/close all stacks', 'grid'), help: false },
  b(['P'], 'stack.pick', 'keep it, reject its stack', 'browse'),
  { ...b(['S'], 'view.sharpnessBadges', 'sharpness badges', 'browse'), help: false },
  // The loupe: in the culling view every image zooms and pans together.
  {
    ...b(['z'], 'loupe.toggle', 'zoom fit ↔ 100 % (a pixel per pixel), + - step fit, 50, 100, 200 %; culling view: all together', 'zoom'),
    help: 'z + -',
    helpSection: 'preview',
  },
  { ...b(['+'], 'loupe.zoomIn', 'zoom in', 'zoom'), help: false },
  { ...b(['-'], 'loupe.zoomOut', 'zoom out', 'zoom'), help: false },
  // Zoomed in: looked up before the view's own keys.
  {
    ...b(['up', 'k'], 'loupe.pan.up', 'zoomed: pan (Shift or capitals: faster); tab / Shift+tab: next / previous image; z or Esc: fit', 'loupe'),
    help: '↑↓←→ hjkl HJKL tab',
    helpSection: 'preview',
  },
  { ...b(['down', 'j'], 'loupe.pan.down', 'pan down', 'loupe'), help: false },
  { ...b(['left', 'h'], 'loupe.pan.left', 'pan left', 'loupe'), help: false },
  { ...b(['right', 'l'], 'loupe.pan.right', 'pan right', 'loupe'), help: false },
  { ...b(['shift+up', 'K'], 'loupe.panFast.up', 'pan up fast', 'loupe'), help: false },
  { ...b(['shift+down', 'J'], 'loupe.panFast.down', 'pan down fast', 'loupe'), help: false },
  { ...b(['shift+left', 'H'], 'loupe.panFast.left', 'pan left fast', 'loupe'), help: false },
  { ...b(['shift+right', 'L'], 'loupe.panFast.right', 'pan right fast', 'loupe'), help: false },
  { ...b(['z', 'escape'], 'loupe.fit', 'back to fit', 'loupe'), help: false },
  // The arrows pan while zoomed: tab moves on (in the culling view, the focus).
  { ...b(['tab'], 'grid.right', 'next image', 'loupe'), help: false },
  { ...b(['shift+tab'], 'grid.left', 'previous image', 'loupe'), help: false },
  b(['p'], 'prefs.open', 'preferences', 'browse'),
  b(['?'], 'help.open', 'this help', 'browse'),
  b(['q'], 'app.quit', 'quit', 'browse'),
  // Panes (preferences, film-roll picker)
  b(['up', 'k'], 'pane.up', 'previous item', 'pane'),
  b(['down', 'j'], 'pane.down', 'next item', 'pane'),
  b(['left', 'h', '-'], 'pane.decrease', 'previous value', 'pane'),
  b(['right', 'l', '+'], 'pane.increase', 'next value', 'pane'),
  b(['return', 'space'], 'pane.choose', 'choose / edit', 'pane'),
  b(['escape', 'q', 'p'], 'pane.close', 'close', 'pane'),
  b(['escape', 'q', '?'], 'pane.close', 'close', 'help'),
  // Paging of a help taller than the terminal (help-layout.ts); the overlay handles these itself.
  { ...b(['pagedown', 'space', 'down', 'j'], 'help.nextPage', 'next page', 'help'), help: 'PgDn Space ↓ j' },
  { ...b(['pageup', 'up', 'k'], 'help.prevPage', 'previous page', 'help'), help: 'PgUp ↑ k' },
  // Confirmation and prompts
  // One row for both answers of the Delete dialog (its hint line says more).
  { ...b(['y'], 'confirm.yes', 'y: yes, remove · t: trash', 'confirm'), help: 'y t' },
  { ...b(['t'], 'confirm.trash', 'move to the trash', 'confirm'), help: false },
  // The answer is No unless y is typed: Enter must never remove.
  b(['n', 'return', 'escape', 'q'], 'confirm.no', 'cancel (the default)', 'confirm'),
  b(['return'], 'prompt.submit', 'apply', 'prompt'),
  b(['escape'], 'prompt.cancel', 'cancel', 'prompt'),
  b(['backspace'], 'prompt.backspace', 'delete a character', 'prompt'),
  b(['ctrl+u'], 'prompt.clear', 'clear the text', 'prompt'),
  b(['tab'], 'prompt.toggle', 'export: copy ⇄ move', 'prompt'),
];

function modeApplies(bindingMode: KeymapMode, mode: InputMode): boolean {
  if (bindingMode === 'any' || bindingMode === mode) return true;
  if (bindingMode === 'zoom') return mode === 'preview' || mode === 'culling';
  return bindingMode === 'browse' && (mode === 'grid' || mode === 'preview' || mode === 'culling');
}

/** The spec string of a key press as the keymap writes it ('ctrl+a', 'f1', 'G'). */
export function keySpec(key: KeyPress): string {
  return key.ctrl ? `ctrl+${key.name}` : key.name;
}

/**
 * The action bound to a key in a mode, or undefined. Later bindings never shadow earlier ones.
 * `zoomed` (the loupe of the preview or culling view): its bindings come first. A shifted
 * named key ('shift+up') falls back to the plain one where it has no binding of its own.
 */
export function matchAction(
  key: KeyPress,
  mode: InputMode,
  keymap: readonly KeyBinding[] = defaultKeymap,
  zoomed = false,
): Action | undefined {
  if (key.meta) return undefined;
  const spec = keySpec(key);
  const specs = key.shift && !key.ctrl && key.name.length > 1 ? [`shift+${spec}`, spec] : [spec];
  const inLoupe = zoomed && (mode === 'preview' || mode === 'culling');
  for (const s of specs) {
    if (inLoupe) for (const binding of keymap) if (binding.mode === 'loupe' && binding.keys.includes(s)) return binding.action;
    for (const binding of keymap) {
      if (modeApplies(binding.mode, mode) && binding.keys.includes(s)) return binding.action;
    }
  }
  return undefined;
}

/** Human name of a key spec for the help overlay. */
export function displayKey(spec: string): string {
  const names: Record<string, string> = {
    up: '↑',
    down: '↓',
    left: '←',
    right: '→',
    pageup: 'PgUp',
    pagedown: 'PgDn',
    home: 'Home',
    end: 'End',
    return: 'Enter',
    escape: 'Esc',
    space: 'Space',
    delete: 'Delete',
    backspace: 'Backspace',
    tab: 'Tab',
    'ctrl+wheelup': 'Ctrl+wheel↑',
    'ctrl+wheeldown': 'Ctrl+wheel↓',
  };
  if (names[spec]) return names[spec];
  if (spec.startsWith('ctrl+')) return `Ctrl+${spec.slice(5).toUpperCase()}`;
  if (spec.startsWith('shift+')) return `Shift+${displayKey(spec.slice(6))}`;
  if (/^f\d+$/.test(spec)) return spec.toUpperCase();
  return spec;
}

export interface HelpSection {
  title: string;
  rows: { keys: string; description: string }[];
}

const SECTION_TITLES: Record<KeymapMode, string> = {
  any: 'Everywhere',
  browse: 'Grid, preview and culling',
  grid: 'Grid',
  preview: 'Full preview',
  culling: 'Culling view',
  zoom: 'Full preview and culling view',
  loupe: 'Zoomed in',
  pane: 'Preferences and pickers',
  help: 'Help',
  confirm: 'Confirmation',
  prompt: 'Prompts (filter, export)',
};

/** The help overlay's content, generated from the keymap itself. */
export function helpSections(keymap: readonly KeyBinding[] = defaultKeymap): HelpSection[] {
  const sections = new Map<KeymapMode, HelpSection>();
  for (const binding of keymap) {
    if (binding.help === false) continue;
    const mode = binding.helpSection ?? binding.mode;
    let section = sections.get(mode);
    if (!section) {
      section = { title: SECTION_TITLES[mode], rows: [] };
      sections.set(mode, section);
    }
    section.rows.push({ keys: binding.help ?? binding.keys.map(displayKey).join(' '), description: binding.description });
  }
  return [...sections.values()];
}

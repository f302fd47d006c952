import { COLOR_LABELS, type CollectionQuery, type ImageRecord } from '../../db/types.js';
import type { Action, LoupeAction } from '../keymap.js';
import { describeFilter } from '../state/filter.js';
import { nextSort, type Move } from '../state/lighttable.js';
import type { CullingEffects } from './culling.js';
import { fileEffects } from './files.js';

export { closeFileEffects } from './files.js';
import type { ExposureEffects } from './exposure.js';
import type { StackEffects } from './stacks.js';
import type { GenerationEffects } from './generation.js';
import type { StoreHost } from './host.js';
import type { LoupeEffects } from './loupe.js';
import type { PreferenceEffects } from './preferences.js';
import { filmRollChoices, isCurrent } from '../state/film-roll-choices.js';

/** What the keymap's actions reach: the store and its effect modules. */
export interface ActionContext {
  host: StoreHost;
  culling: CullingEffects;
  prefs: PreferenceEffects;
  generation: GenerationEffects;
  exposure: ExposureEffects;
  stacks: StackEffects;
  loupe: LoupeEffects;
  setQuery(query: CollectionQuery): void;
  setPerRow(thumbsPerRow: number): void;
  loadFilmRolls(): readonly { path: string; imageCount: number }[];
  retryFailed(): Promise<void>;
  enterCulling(): void;
  back(): void;
  current(): ImageRecord | undefined;
  quit(): void;
}

/** Runs one keymap action: a state change through the reducer, or an effect. */
export async function runAction(ctx: ActionContext, action: Action): Promise<void> {
  const { host, culling, prefs, generation } = ctx;
  const s = host.state;
  if (action.startsWith('grid.') && action !== 'grid.fewerPerRow' && action !== 'grid.morePerRow') {
    host.apply({ type: 'move', move: action.slice(5) as Move });
    return;
  }
  if (action.startsWith('loupe.')) return ctx.loupe.run(action as LoupeAction);
  if (action.startsWith('image.rate.')) return culling.cull({ rating: Number(action.slice(11)) });
  if (action.startsWith('image.label.')) {
    const label = COLOR_LABELS.find((l) => l === action.slice(12));
    return label ? culling.cull({ toggleLabels: [label] }) : undefined;
  }
  switch (action) {
    case 'grid.fewerPerRow':
    case 'grid.morePerRow':
      return ctx.setPerRow(s.perRow + (action === 'grid.fewerPerRow' ? -1 : 1));
    case 'image.reject':
      return culling.cull({ toggleReject: true });
    case 'image.rotateCw':
    case 'image.rotateCcw':
      return culling.rotate(action === 'image.rotateCw' ? 1 : -1);
    case 'image.remove':
      return fileEffects(host).askDelete(culling.targets());
    case 'image.export':
      return fileEffects(host).openExport();
    case 'selection.toggle': {
      const cur = ctx.current();
      if (cur) host.apply({ type: 'selection.toggle', id: cur.id });
      return;
    }
    case 'selection.all':
      return host.apply({ type: 'selection.all' });
    case 'selection.clear':
      // Esc: the selection first; with none, a running background generation.
      if (s.selection.all || s.selection.ids.size > 0) return host.apply({ type: 'selection.clear' });
      return generation.cancel();
    case 'history.undo':
    case 'history.redo':
      return culling.step(action === 'history.undo' ? 'undo' : 'redo');
    case 'app.suspend':
      return host.services.suspend?.();
    case 'collection.filter':
      return host.apply({ type: 'overlay', overlay: { kind: 'prompt', purpose: 'filter', text: describeFilter(s.query) } });
    case 'collection.sort':
      return ctx.setQuery({ ...s.query, sort: nextSort(s.query.sort) });
    case 'collection.filmRoll': {
      const i = filmRollChoices(ctx.loadFilmRolls(), s.opened).findIndex((c) => isCurrent(c, s.query));
      return host.apply({ type: 'overlay', overlay: { kind: 'filmroll', index: Math.max(0, i) } });
    }
    case 'thumbs.generate':
      return generation.start();
    case 'thumbs.retryFailed':
      return ctx.retryFailed();
    case 'thumbs.cancel':
      return generation.cancel();
    case 'view.preview':
      if (s.total > 0) host.apply({ type: 'view', view: 'preview' });
      return;
    case 'view.culling':
      return ctx.enterCulling();
    case 'view.back':
      return ctx.back();
    case 'view.clipping':
      return ctx.exposure.toggleClipping();
    case 'stack.toggle':
      return ctx.stacks.toggleCurrent();
    case 'stack.toggleAll':
      return ctx.stacks.toggleAll();
    case 'stack.pick':
      return ctx.stacks.pickAndRejectOthers();
    case 'view.sharpnessBadges':
      return ctx.stacks.toggleSharpnessBadges();
    case 'prefs.open':
      return host.apply({ type: 'overlay', overlay: { kind: 'prefs', index: 0 } });
    case 'help.open':
      return host.apply({ type: 'overlay', overlay: { kind: 'help' } });
    case 'app.quit':
    case 'app.interrupt':
      return ctx.quit();
    case 'pane.up':
    case 'pane.down':
      return prefs.move(action === 'pane.up' ? -1 : 1);
    case 'pane.decrease':
    case 'pane.increase':
      return prefs.step(action === 'pane.decrease' ? -1 : 1);
    case 'pane.choose':
      return prefs.choose();
    case 'pane.close':
      return host.apply({ type: 'overlay', overlay: null });
    case 'confirm.yes':
      return culling.confirmRemove();
    case 'confirm.trash':
      return fileEffects(host).trash();
    case 'confirm.no':
      return host.apply({ type: 'overlay', overlay: null });
    case 'prompt.submit':
      return s.overlay?.kind === 'prompt' && s.overlay.purpose === 'export' ? fileEffects(host).submitExport() : prefs.submitPrompt();
    case 'prompt.cancel':
      fileEffects(host).cancelExport();
      return prefs.cancelPrompt();
    case 'prompt.toggle':
      return fileEffects(host).toggleMove();
    case 'prompt.clear':
      if (s.overlay?.kind === 'prompt') host.apply({ type: 'overlay', overlay: { ...s.overlay, text: '' } });
      return;
    case 'prompt.backspace': {
      const o = s.overlay;
      if (o?.kind === 'prompt') host.apply({ type: 'overlay', overlay: { ...o, text: o.text.slice(0, -1) } });
      return;
    }
    default:
      return;
  }
}

import type { Preferences } from '../../config/preferences.js';
import { sanitizeText } from '../../util/sanitize.js';
import { filmRollChoices, type FilmRollChoice, type FilmRollScope } from '../state/film-roll-choices.js';
import { parseFilter, withFilter } from '../state/filter.js';
import { PREF_ROWS } from '../state/prefs.js';
import type { StoreHost } from './host.js';

/** Quiet time after the last burst-preference step before the stacks are recomputed (ms). */
const RESTACK_DELAY_MS = 400;

/** Index of the monitor-profile row in the pane (its prompt returns there). */
const MONITOR_PROFILE_ROW = PREF_ROWS.findIndex((r) => r.text);

export interface PrefsHooks {
  /** The protocol changed: pictures of the old one must go. */
  protocolChanged(): void;
  /** The thumbnails' pixels change (source, colour management). */
  pixelsChanged(): void;
  setQueryFromFilter(query: ReturnType<typeof withFilter>): void;
  filmRolls(): readonly { path: string; imageCount: number }[];
  setScope(scope: FilmRollScope): void;
}

/** The preferences pane, the film-roll picker and the text prompts: moves, steps, choices, saves. */
export class PreferenceEffects {
  readonly #host: StoreHost;
  readonly #hooks: PrefsHooks;
  #prefs: Preferences;
  #restackTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(host: StoreHost, hooks: PrefsHooks) {
    this.#host = host;
    this.#hooks = hooks;
    this.#prefs = host.services.prefs;
  }

  get prefs(): Preferences {
    return this.#prefs;
  }

  #choices(): FilmRollChoice[] {
    return filmRollChoices(this.#hooks.filmRolls(), this.#host.state.opened);
  }

  move(delta: number): void {
    const o = this.#host.state.overlay;
    if (o?.kind === 'prefs') {
      const index = (o.index + delta + PREF_ROWS.length) % PREF_ROWS.length;
      this.#host.apply({ type: 'overlay', overlay: { kind: 'prefs', index } });
    } else if (o?.kind === 'filmroll') {
      const n = this.#choices().length;
      this.#host.apply({ type: 'overlay', overlay: { kind: 'filmroll', index: (o.index + delta + n) % n } });
    }
  }

  step(delta: 1 | -1): void {
    const o = this.#host.state.overlay;
    if (o?.kind === 'filmroll') return this.move(delta);
    if (o?.kind !== 'prefs') return;
    const row = PREF_ROWS[o.index];
    if (row?.step) this.set(row.step(this.#prefs, delta));
  }

  choose(): void {
    const host = this.#host;
    const o = host.state.overlay;
    if (o?.kind === 'filmroll') {
      const choice = this.#choices()[o.index];
      host.apply({ type: 'overlay', overlay: null });
      if (choice) this.#hooks.setScope(choice.scope);
      return;
    }
    if (o?.kind !== 'prefs') return;
    const row = PREF_ROWS[o.index];
    if (row?.text) {
      host.apply({ type: 'overlay', overlay: { kind: 'prompt', purpose: 'monitorProfile', text: this.#prefs.monitorProfile ?? '' } });
    } else if (row?.step) {
      this.set(row.step(this.#prefs, 1));
    }
  }

  cancelPrompt(): void {
    const o = this.#host.state.overlay;
    const back = o?.kind === 'prompt' && o.purpose === 'monitorProfile';
    this.#host.apply({ type: 'overlay', overlay: back ? { kind: 'prefs', index: MONITOR_PROFILE_ROW } : null });
  }

  submitPrompt(): void {
    const host = this.#host;
    const o = host.state.overlay;
    if (o?.kind !== 'prompt') return;
    if (o.purpose === 'monitorProfile') {
      host.apply({ type: 'overlay', overlay: { kind: 'prefs', index: MONITOR_PROFILE_ROW } });
      this.set({ ...this.#prefs, monitorProfile: o.text.trim() || null });
      return;
    }
    host.apply({ type: 'overlay', overlay: null });
    this.#hooks.setQueryFromFilter(withFilter(host.state.query, parseFilter(o.text)));
    if (host.state.total === 0) host.message('no image matches this filter (/ to change it)');
  }

  /**
   * The stored stacks follow new burst preferences: once the keys stop for a moment (a walk of
   * every roll is one synchronous pass over the library), in the write queue.
   */
  #restackSoon(): void {
    const host = this.#host;
    if (!host.services.library.restack) return;
    clearTimeout(this.#restackTimer);
    this.#restackTimer = setTimeout(() => {
      void host.enqueueWrite(async () => {
        const p = this.#prefs;
        const changed = host.services.library.restack!({ gapSeconds: p.burstGapSeconds, maxDistance: p.burstSimilarity });
        host.message(`stacks recomputed: ${changed} image${changed === 1 ? '' : 's'} changed stack`);
        host.dataChanged();
      });
    }, RESTACK_DELAY_MS);
    this.#restackTimer.unref?.();
  }

  /** A recompute not yet started is dropped (the next session's import or scoring restacks). */
  close(): void {
    clearTimeout(this.#restackTimer);
  }

  set(prefs: Preferences): void {
    const host = this.#host;
    const before = this.#prefs;
    this.#prefs = prefs;
    host.services.cache.setPreferences(prefs);
    if (prefs.protocol !== before.protocol && host.services.switchProtocol) this.#hooks.protocolChanged();
    if (
      prefs.thumbnailSource !== before.thumbnailSource ||
      prefs.colorManagement !== before.colorManagement ||
      prefs.monitorProfile !== before.monitorProfile
    ) {
      this.#hooks.pixelsChanged();
    }
    // The collection lists pairs as one item or two: count and page again.
    if (prefs.rawJpegPairs !== before.rawJpegPairs) host.dataChanged();
    if (prefs.burstGapSeconds !== before.burstGapSeconds || prefs.burstSimilarity !== before.burstSimilarity) this.#restackSoon();
    // Saves run in order, so the file always ends with the last change.
    void host.enqueueWrite(() =>
      host.services.savePreferences(prefs).then(
        () => host.message('preferences saved'),
        (err: unknown) => host.message(`preferences not saved: ${sanitizeText(err instanceof Error ? err.message : String(err))}`),
      ),
    );
    host.syncThumbs(false);
    host.publish();
  }
}

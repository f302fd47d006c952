import path from 'node:path';
import { DEFAULT_DESTINATION, resolveDestination, tildify } from '../../files/destination.js';
import type { ExportSummary } from '../../files/export.js';
import { sanitizeText } from '../../util/sanitize.js';
import type { FileProgress } from '../files-port.js';
import { reduce } from '../state/lighttable.js';
import type { StoreHost } from './host.js';

/** At most one progress line per this many ms (a fast copy would otherwise redraw per file). */
const PROGRESS_MS = 100;
const ALL_PAGE = 5000;

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const errText = (err: unknown) => sanitizeText(err instanceof Error ? err.message : String(err));
const firstError = (e: { path: string; message: string }) => `${e.path ? `${sanitizeText(path.basename(e.path))}: ` : ''}${sanitizeText(e.message)}`;

interface ExportDraft {
  ids: number[];
  /** Rejected images among the chosen ones, left out (export never takes rejects). */
  rejected: number;
  move: boolean;
}

/**
 * The lighttable's acting on decisions: `E` exports (copy, or move with Tab) the selection or
 * the images shown to a folder typed in a prompt, and Delete offers "remove from the library"
 * or "move to the trash". Both use src/files through services.files, the code of `termtable
 * export` and `trash-rejects`. A copy runs beside everything else (the keys keep working, the
 * status line shows its progress); a move and a trash change the library's paths, so they run
 * in the write queue, after the decisions typed before them.
 */
export class FileEffects {
  readonly #host: StoreHost;
  #draft: ExportDraft | null = null;
  #running: { abort: AbortController; done: Promise<void>; progress: string } | null = null;

  constructor(host: StoreHost) {
    this.#host = host;
  }

  // ── export ─────────────────────────────────────────────────────────────────────────

  /** E: asks for the destination, offering the last one used. */
  async openExport(): Promise<void> {
    const host = this.#host;
    const files = host.services.files;
    if (!files) return host.message('could not export: not available here');
    if (this.#running) return host.message(`an export is running (${this.#running.progress}); wait for it to finish`);
    const chosen = this.#exportChoice();
    const ids = chosen.filter((r) => !r.rejected).map((r) => r.id);
    if (!ids.length) return host.message(chosen.length ? 'nothing to export: every image chosen is rejected' : 'nothing to export');
    this.#draft = { ids, rejected: chosen.length - ids.length, move: false };
    const last = await files.lastDestination().catch(() => null);
    host.apply({ type: 'overlay', overlay: { kind: 'prompt', purpose: 'export', text: last ? tildify(last) : DEFAULT_DESTINATION, ...this.#labels() } });
  }

  /** Tab in the export prompt: copy ⇄ move. */
  toggleMove(): void {
    const o = this.#host.state.overlay;
    if (o?.kind !== 'prompt' || o.purpose !== 'export' || !this.#draft) return;
    this.#draft.move = !this.#draft.move;
    this.#host.apply({ type: 'overlay', overlay: { ...o, ...this.#labels() } });
  }

  /** Enter in the export prompt: a folder that cannot be used keeps the prompt open, saying why. */
  async submitExport(): Promise<void> {
    const host = this.#host;
    const o = host.state.overlay;
    const draft = this.#draft;
    const files = host.services.files;
    if (o?.kind !== 'prompt' || o.purpose !== 'export' || !draft || !files) return;
    const r = await resolveDestination(o.text);
    if ('error' in r) {
      host.apply({ type: 'overlay', overlay: { ...o, hint: `cannot export there: ${sanitizeText(r.error)} — change it, or Esc` } });
      return;
    }
    const ro = host.services.library.readOnlyReason();
    host.apply({ type: 'overlay', overlay: null });
    this.#draft = null;
    if (draft.move && ro) return host.message(`could not move: the library is read-only (${sanitizeText(ro)})`);
    const abort = new AbortController();
    const work = () => this.#export(draft, r.dest, abort.signal);
    // A move changes the library's paths: after the decisions queued before it, never beside them.
    const done = draft.move ? host.enqueueWrite(work) : work();
    const running = { abort, done, progress: 'starting' };
    this.#running = running;
    void done.finally(() => {
      if (this.#running === running) this.#running = null;
    });
  }

  cancelExport(): void {
    this.#draft = null;
  }

  async #export(draft: ExportDraft, dest: string, signal: AbortSignal): Promise<void> {
    const host = this.#host;
    const verb = draft.move ? 'moving' : 'copying';
    const shown = sanitizeText(tildify(dest));
    let last = 0;
    const onProgress = (p: FileProgress) => {
      const progress = `${p.done}/${p.total}`;
      if (this.#running) this.#running.progress = progress;
      const now = Date.now();
      if (now - last < PROGRESS_MS && p.done < p.total) return;
      last = now;
      host.message(`${verb} ${progress} · ${sanitizeText(path.basename(p.file))} → ${shown}`);
    };
    host.message(`${verb} ${plural(draft.ids.length, 'image')} to ${shown}…`);
    let summary: ExportSummary;
    try {
      summary = await host.services.files!.exportImages(draft.ids, { dest, move: draft.move, signal, onProgress });
    } catch (err) {
      return host.message(`could not ${draft.move ? 'move' : 'export'}: ${errText(err)}`);
    }
    if (draft.move) host.dataChanged();
    if (host.closed) return;
    let remembered = '';
    await host.services.files!.rememberDestination(dest).catch((err: unknown) => (remembered = `; destination not remembered: ${errText(err)}`));
    host.message(exportResult(summary, draft, shown) + remembered);
  }

  /** The selection, else every image the collection shows, with their records (for the rejects). */
  #exportChoice(): { id: number; rejected: boolean }[] {
    const s = this.#host.state;
    const lib = this.#host.services.library;
    if (s.selection.ids.size > 0 && !s.selection.all) {
      return [...s.selection.ids].map((id) => ({ id, rejected: lib.get(id)?.rejected ?? false }));
    }
    const out: { id: number; rejected: boolean }[] = [];
    for (let off = 0; off < s.total; off += ALL_PAGE) for (const r of lib.page(s.query, off, ALL_PAGE)) out.push({ id: r.id, rejected: r.rejected });
    return out;
  }

  #labels(): { title: string; hint: string } {
    const d = this.#draft!;
    const what = plural(d.ids.length, 'image');
    const left = d.rejected ? `${d.rejected} rejected left out · ` : '';
    return d.move
      ? { title: `MOVE ${what} (and their sidecars, pairs) to: `, hint: `${left}Tab: copy instead · Enter moves (the library follows) · Esc cancels · Ctrl-U clears` }
      : { title: `copy ${what} (and their sidecars, pairs) to: `, hint: `${left}Tab: move instead · Enter copies · Esc cancels · Ctrl-U clears · a taken name gets -1, never overwritten` };
  }

  // ── delete ─────────────────────────────────────────────────────────────────────────

  /**
   * Delete: asks at once (so `Delete y` typed fast answers this question), then names how many
   * files a trash would take once they are counted. The answer is No unless y or t is typed.
   */
  async askDelete(ids: readonly number[]): Promise<void> {
    const host = this.#host;
    if (!ids.length) return;
    const first = host.recordById(ids[0]!) ?? host.services.library.get(ids[0]!);
    const what = ids.length === 1 ? sanitizeText(first?.filename ?? 'this image') : plural(ids.length, 'image');
    const files = host.services.files;
    const trash = files ? " · t: move to the trash (u can't undo it: restore from your desktop's trash)" : '';
    const overlay = {
      kind: 'confirm' as const,
      ids,
      question: `Delete ${what}? [y/${files ? 't/' : ''}N]`,
      hint: `y: remove from the library, files stay (u undoes)${trash} · Enter/n/Esc: keep`,
    };
    host.apply({ type: 'overlay', overlay });
    if (!files) return;
    let count: number;
    try {
      count = (await files.filesOf(ids)).length;
    } catch {
      return; // the question stands without the count
    }
    if (host.state.overlay !== overlay) return;
    const along = count > ids.length ? ` (${count} files with pairs and sidecars)` : '';
    host.apply({ type: 'overlay', overlay: { ...overlay, question: `Delete ${what}${along}? [y/t/N]` } });
  }

  /** t in the Delete dialog: the files go to the freedesktop.org Trash, the images leave the library. */
  trash(): Promise<void> | void {
    const host = this.#host;
    const o = host.state.overlay;
    const files = host.services.files;
    if (o?.kind !== 'confirm' || !files) return;
    host.apply({ type: 'overlay', overlay: null });
    const ro = host.services.library.readOnlyReason();
    if (ro) return host.message(`could not move to the trash: the library is read-only (${sanitizeText(ro)})`);
    const ids = [...o.ids];
    return host.enqueueWrite(async () => {
      host.message(`moving ${plural(ids.length, 'image')} to the trash…`);
      let s;
      try {
        s = await files.trashImages(ids, (p) => host.message(`moving to the trash ${p.done}/${p.total} · ${sanitizeText(path.basename(p.file))}`));
      } catch (err) {
        return host.message(`could not move to the trash: ${errText(err)}`);
      }
      let next = reduce(host.state, { type: 'selection.clear' });
      if (next.view === 'culling') next = reduce(next, { type: 'view', view: 'grid' });
      host.replaceState(next);
      host.relayout();
      host.dataChanged();
      const where = s.plan[0] ? ` (${sanitizeText(tildify(path.dirname(s.plan[0].to)))})` : '';
      const moved = `moved ${plural(s.files, 'file')} of ${plural(s.images, 'image')} to the trash${where}; u cannot undo this: restore them from your desktop's trash`;
      host.message(s.errors.length ? `could not trash ${plural(s.errors.length, 'item')}: ${firstError(s.errors[0]!)}; ${moved}` : moved);
    });
  }

  /** Quitting: a running export stops after the file it is on (every file is whole at one end). */
  async close(): Promise<void> {
    const running = this.#running;
    if (!running) return;
    running.abort.abort();
    await running.done.catch(() => undefined);
  }
}

function exportResult(s: ExportSummary, draft: ExportDraft, shown: string): string {
  const verb = draft.move ? 'moved' : 'copied';
  const extra = [
    s.alreadyThere ? `${s.alreadyThere} already there` : '',
    s.renamed ? `${s.renamed} renamed -N to avoid a clash` : '',
    draft.rejected ? `${draft.rejected} rejected left out` : '',
    s.interrupted ? 'stopped' : '',
  ].filter(Boolean);
  const done = `${verb} ${plural(s.files, 'file')} (${mb(s.bytes)}) of ${plural(s.images, 'image')} to ${shown}${extra.length ? `, ${extra.join(', ')}` : ''}`;
  if (!s.errors.length) return done;
  return `could not ${draft.move ? 'move' : 'export'} ${plural(s.errors.length, 'item')}: ${firstError(s.errors[0]!)}; ${done}`;
}

const effects = new WeakMap<StoreHost, FileEffects>();

/** The store's file effects, made on first use (kept out of store.ts, which holds the others). */
export function fileEffects(host: StoreHost): FileEffects {
  let e = effects.get(host);
  if (!e) effects.set(host, (e = new FileEffects(host)));
  return e;
}

/** Stops what the store's file effects are doing (store.close). */
export async function closeFileEffects(host: StoreHost): Promise<void> {
  await effects.get(host)?.close();
}

import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Library } from '../db/library.js';
import type { ColorLabel, ImageRecord } from '../db/types.js';
import { bundleFiles, bundlesOf, withSuffix, type Bundle } from './bundle.js';
import { MoveJournal } from './journal.js';
import { moveBundle } from './move-bundle.js';
import { finishInterrupted } from './recover.js';
import { copyNoReplace, exists, fsyncDir, removeDeadParts, sameContent } from './transfer.js';
import { isWithin } from '../util/folders.js';

export interface ExportOptions {
  /** Destination folder (created if missing). */
  dest: string;
  /** Only images rated at least this; rejected images are never exported. @default 1, or 0 with `ids` */
  minRating?: number;
  /** Only these images (the lighttable's selection or collection) instead of the whole library. @default every image */
  ids?: readonly number[];
  /** Only images carrying at least one of these labels. @default any */
  labels?: readonly ColorLabel[];
  /** Only these film rolls and the film rolls in folders below them. @default every film roll */
  films?: readonly string[];
  /** Move instead of copy: the library follows the files. @default false */
  move?: boolean;
  /** Plan only; touch nothing. @default false */
  dryRun?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: ExportProgress) => void;
}

export interface ExportProgress {
  done: number;
  total: number;
  file: string;
}

/** One bundle's part of the plan. */
export interface ExportStep {
  bundle: Bundle;
  /** Clash suffix given to every member (0: none). */
  suffix: number;
  /** Every member; `present` ones are already at `to` byte for byte (an earlier copy). */
  files: { from: string; to: string; present: boolean }[];
  /** Library images among the members and where they go. */
  images: { id: number; to: string }[];
}

export interface ExportSummary {
  /** Library images exported (a pair counts both when both are in the library). */
  images: number;
  /** Files copied or moved. */
  files: number;
  bytes: number;
  /** Files left alone because an identical copy was already at the destination. */
  alreadyThere: number;
  /** Bundles given a -N suffix because the name was taken. */
  renamed: number;
  /** Film rolls' common folder, whose sub-folders are kept under DEST. */
  root: string | null;
  plan: { from: string; to: string }[];
  /** Interrupted moves of an earlier run finished first. */
  finished: number;
  errors: { path: string; message: string }[];
  interrupted: boolean;
}


/** The picks: images matching the filters, in id order. */
export function selectPicks(lib: Library, opts: Pick<ExportOptions, 'minRating' | 'labels' | 'films' | 'dest' | 'ids'>): ImageRecord[] {
  // Images picked by hand (the lighttable) need no rating; a whole library exports the rated.
  const min = opts.minRating ?? (opts.ids ? 0 : 1);
  const films = (opts.films ?? []).map((f) => path.resolve(f));
  const dest = path.resolve(opts.dest);
  const out: ImageRecord[] = [];
  for (const r of opts.ids ? lib.getMany(opts.ids) : lib.iterate()) {
    if (r.rejected || r.rating < min) continue;
    // Already in DEST (moved there by an interrupted run, or DEST was imported): not a source.
    if (isWithin(r.filmRoll, dest)) continue;
    if (opts.labels?.length && !r.labels.some((l) => opts.labels!.includes(l))) continue;
    if (films.length && !films.some((f) => isWithin(r.filmRoll, f))) continue;
    out.push(r);
  }
  return out;
}

/** The deepest folder holding every given folder. */
export function commonRoot(dirs: readonly string[]): string | null {
  if (dirs.length === 0) return null;
  let root = dirs[0]!;
  for (const d of dirs) while (!isWithin(d, root)) root = path.dirname(root);
  return root;
}

/**
 * Where each bundle goes: DEST plus its folder relative to the common root, under the first
 * clash suffix (none, -1, -2 …) at which no member's name is taken. For a copy, a name
 * holding the same bytes is not taken (a second run after an interruption finishes the job
 * instead of making -1 copies); for a move every existing name is, and so is any path the
 * library already knows.
 */
export async function planExport(
  lib: Library,
  picks: readonly ImageRecord[],
  dest: string,
  move: boolean,
  knownRoot?: string,
): Promise<{ root: string | null; steps: ExportStep[]; missing: string[] }> {
  const bundles = await bundlesOf(picks.map((p) => p.path));
  const root = commonRoot([...new Set([...bundles.map((b) => b.dir), ...(knownRoot && bundles.length ? [knownRoot] : [])])]);
  const claimed = new Set<string>();
  const steps: ExportStep[] = [];
  const found = new Set(bundles.flatMap((b) => b.images.map((n) => path.join(b.dir, n))));
  const missing = picks.map((p) => p.path).filter((p) => !found.has(p));
  for (const bundle of bundles) {
    const names = bundleFiles(bundle);
    if (bundle.images.length === 0) continue; // its file is gone (reported as missing)
    const dir = path.join(path.resolve(dest), path.relative(root!, bundle.dir));
    if (dir === bundle.dir) continue; // already where it would go
    for (let n = 0; ; n++) {
      const files: ExportStep['files'] = [];
      let free = true;
      for (const name of names) {
        const from = path.join(bundle.dir, name);
        const to = path.join(dir, withSuffix(name, bundle.stem, n));
        let present = false;
        if (claimed.has(to) || (move && lib.getByPath(to))) free = false;
        else if (await exists(to)) {
          if (!move && (await sameContent(from, to))) present = true;
          else free = false;
        }
        if (!free) break;
        files.push({ from, to, present });
      }
      if (!free) continue;
      for (const f of files) claimed.add(f.to);
      const images: ExportStep['images'] = [];
      for (const name of bundle.images) {
        const rec = lib.getByPath(path.join(bundle.dir, name));
        if (rec) images.push({ id: rec.id, to: path.join(dir, withSuffix(name, bundle.stem, n)) });
      }
      steps.push({ bundle, suffix: n, files, images });
      break;
    }
  }
  return { root, steps, missing };
}

/** Copies (or moves) the picks with their sidecars and pair partners into DEST. */
export async function exportPicks(lib: Library, opts: ExportOptions): Promise<ExportSummary> {
  const summary: ExportSummary = {
    images: 0, files: 0, bytes: 0, alreadyThere: 0, renamed: 0, root: null, plan: [], finished: 0, errors: [], interrupted: false,
  };
  const journal = opts.move && !opts.dryRun ? new MoveJournal(lib.file) : undefined;
  await journal?.lock();
  try {
    const dest = path.resolve(opts.dest);
    let knownRoot: string | undefined;
    if (journal) {
      const { finished, problems, lastExport } = await finishInterrupted(lib, journal);
      summary.finished = finished;
      for (const p of problems) summary.errors.push({ path: '', message: p });
      if (lastExport?.dest === dest) knownRoot = lastExport.root;
    }
    const picks = selectPicks(lib, opts);
    const { root, steps, missing } = await planExport(lib, picks, dest, opts.move === true, knownRoot);
    for (const m of missing) summary.errors.push({ path: m, message: 'no such file (offline or deleted?); not exported' });
    summary.root = root;
    if (journal && root && steps.length) await journal.beginExport(dest, root);
    for (const s of steps) for (const f of s.files) if (!f.present) summary.plan.push({ from: f.from, to: f.to });
    if (opts.dryRun) {
      for (const s of steps) tally(summary, s, await sizes(s));
      return summary;
    }
    if (!opts.move) for (const dir of new Set(steps.map((s) => path.dirname(s.files[0]!.to)))) await removeDeadParts(dir);
    for (const [i, step] of steps.entries()) {
      if (opts.signal?.aborted) {
        summary.interrupted = true;
        break;
      }
      opts.onProgress?.({ done: i, total: steps.length, file: step.files[0]!.from });
      try {
        const bytes = await sizes(step);
        await mkdir(path.dirname(step.files[0]!.to), { recursive: true });
        if (opts.move) {
          await moveBundle(lib, journal!, { kind: 'move', files: step.files.map((f) => [f.from, f.to]), images: step.images });
        } else {
          for (const f of step.files) if (!f.present) await copyNoReplace(f.from, f.to, { syncDir: false });
          await fsyncDir(path.dirname(step.files[0]!.to)); // once per bundle, not per file
        }
        tally(summary, step, bytes);
      } catch (err) {
        summary.errors.push({ path: step.files[0]!.from, message: (err as Error).message });
      }
      opts.onProgress?.({ done: i + 1, total: steps.length, file: step.files[0]!.from });
    }
    if (journal && !summary.interrupted && (await journal.pending()).length === 0) await journal.clear();
    return summary;
  } finally {
    await journal?.unlock();
  }
}

async function sizes(step: ExportStep): Promise<number> {
  let bytes = 0;
  for (const f of step.files) if (!f.present) bytes += (await stat(f.from)).size;
  return bytes;
}

function tally(summary: ExportSummary, step: ExportStep, bytes: number): void {
  summary.images += step.images.length;
  summary.files += step.files.filter((f) => !f.present).length;
  summary.alreadyThere += step.files.filter((f) => f.present).length;
  summary.bytes += bytes;
  if (step.suffix > 0) summary.renamed += 1;
}

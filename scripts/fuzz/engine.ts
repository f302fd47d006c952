import { createHash } from 'node:crypto';
import { Rng } from './prng.js';
import { mutate } from './mutate.js';
import { FORMATS, seedsOf, type Seed, type SeedSource } from './seeds.js';
import { runBatch, type BatchOptions, type BatchResult, type FailureKind } from './batch.js';

/** Everything that identifies a mutant: it is re-made from this alone (no image is stored). */
export interface MutantId {
  seed: number;
  source: SeedSource;
  format: string;
  index: number;
}

export interface MadeMutant extends MutantId {
  file: string;
  base: string;
  steps: string[];
  bytes: Buffer;
}

export interface FuzzFailure extends MutantId {
  kind: FailureKind;
  phase: string;
  detail: string;
  base: string;
  steps: string[];
  sha256: string;
}

export interface RunOptions extends BatchOptions {
  /** Mutants per child process. @default 24 */
  batchSize?: number;
  /** Child processes at once. @default 2 */
  jobs?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface FuzzOptions extends RunOptions {
  seed: number;
  /** Mutants per source. */
  count: number;
  sources: readonly SeedSource[];
  /** Formats to fuzz. @default every format with a seed */
  formats?: readonly string[];
}

export interface FuzzFigures {
  tried: number;
  byFormat: Record<string, number>;
  crashes: number;
  hangs: number;
  decodeFailures: number;
  memoryFailures: number;
  thumbnailsChecked: number;
  importErrors: number;
  skulls: number;
  /** Skulls by message, most frequent first. */
  skullCauses: [string, number][];
  peakRssBytes: number;
  children: number;
  elapsedMs: number;
  failures: FuzzFailure[];
  unattributed: string[];
  /** Formats asked for that have no seed in a source (e.g. the DNG family without ../shared/tools). */
  unseeded: string[];
}

export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** The mutant (seed, source, format, index): its base and splice partner and its steps all come from one generator. */
export function makeMutant(id: MutantId, seeds: ReadonlyMap<string, readonly Seed[]>): MadeMutant | undefined {
  const own = seeds.get(id.format);
  if (!own?.length) return undefined;
  const rng = Rng.forMutant(id.seed, id.source, id.format, id.index);
  const base = rng.pick(own);
  const all = [...seeds.keys()].sort().flatMap((f) => seeds.get(f)!);
  const partner = rng.pick(all);
  const m = mutate(rng, base.bytes, partner.bytes);
  return {
    ...id,
    file: `${id.source}-${id.format}-${id.index}.${FORMATS[id.format] ?? id.format}`,
    base: base.name,
    steps: m.steps,
    bytes: m.bytes,
  };
}

function mergeCounts(all: Record<string, number>[]): [string, number][] {
  const out = new Map<string, number>();
  for (const counts of all) for (const [k, v] of Object.entries(counts)) out.set(k, (out.get(k) ?? 0) + v);
  return [...out].sort((a, b) => b[1] - a[1]);
}

function figuresOf(results: BatchResult[], ids: readonly MutantId[], failures: FuzzFailure[], started: number): FuzzFigures {
  const byFormat: Record<string, number> = {};
  for (const m of ids) byFormat[m.format] = (byFormat[m.format] ?? 0) + 1;
  const count = (k: FailureKind) => failures.filter((f) => f.kind === k).length;
  return {
    tried: ids.length,
    byFormat,
    crashes: count('crash'),
    hangs: count('hang'),
    decodeFailures: count('decode'),
    memoryFailures: count('memory'),
    thumbnailsChecked: results.reduce((s, r) => s + r.thumbnailsChecked, 0),
    importErrors: results.reduce((s, r) => s + r.importErrors, 0),
    skulls: results.reduce((s, r) => s + r.skulls, 0),
    skullCauses: mergeCounts(results.map((r) => r.skullCauses)),
    peakRssBytes: Math.max(0, ...results.map((r) => r.peakRssBytes)),
    children: results.reduce((s, r) => s + r.children, 0),
    elapsedMs: Date.now() - started,
    failures,
    unattributed: results.flatMap((r) => r.unattributed),
    unseeded: [],
  };
}

export type SeedsBySource = ReadonlyMap<SeedSource, ReadonlyMap<string, readonly Seed[]>>;

/**
 * Runs mutants in batches, `jobs` child processes at a time. Each batch's mutants are made
 * when it starts and dropped when it ends, so memory does not grow with the count.
 * Ids without a seed here are skipped (the caller filters them out to count them).
 */
export async function runMutants(ids: readonly MutantId[], seeds: SeedsBySource, opts: RunOptions): Promise<FuzzFigures> {
  const started = Date.now();
  const batchSize = opts.batchSize ?? 24;
  const jobs = opts.jobs ?? 2;
  const results: BatchResult[] = [];
  const failures: FuzzFailure[] = [];
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < ids.length) {
      const batchIds = ids.slice(next, next + batchSize);
      next += batchIds.length;
      const made = batchIds.flatMap((id) => makeMutant(id, seeds.get(id.source) ?? new Map()) ?? []);
      const r = await runBatch(made.map((m) => ({ name: m.file, bytes: m.bytes })), opts);
      results.push(r);
      for (const f of r.failures) {
        const m = made.find((x) => x.file === f.file)!;
        failures.push({
          seed: m.seed, source: m.source, format: m.format, index: m.index,
          kind: f.kind, phase: f.phase, detail: f.detail, base: m.base, steps: m.steps, sha256: sha256(m.bytes),
        });
      }
      done += batchIds.length;
      opts.onProgress?.(done, ids.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, Math.ceil(ids.length / batchSize)) }, worker));
  return figuresOf(results, ids, failures, started);
}

/**
 * A seeded, reproducible fuzz run: `count` mutants per source, spread round-robin over the
 * formats that have seeds there (mutant i is format i mod F, index i div F).
 */
export async function fuzz(opts: FuzzOptions): Promise<FuzzFigures> {
  const started = Date.now();
  const ids: MutantId[] = [];
  const seeds = new Map<SeedSource, ReadonlyMap<string, readonly Seed[]>>();
  const unseeded = new Set<string>();
  for (const source of opts.sources) {
    const own = await seedsOf(source);
    seeds.set(source, own);
    const wanted = opts.formats ?? Object.keys(FORMATS);
    const formats = wanted.filter((f) => own.get(f)?.length);
    for (const f of wanted) if (!formats.includes(f)) unseeded.add(`${source}:${f}`);
    for (let i = 0; i < opts.count && formats.length; i++) {
      ids.push({ seed: opts.seed, source, format: formats[i % formats.length]!, index: Math.floor(i / formats.length) });
    }
  }
  const figures = await runMutants(ids, seeds, opts);
  return { ...figures, elapsedMs: Date.now() - started, unseeded: [...unseeded] };
}

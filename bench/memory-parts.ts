/**
 * Where a lighttable's RSS went, for the whole-process memory benchmarks (memory, generation):
 * bench/child/memory-probe.mjs is loaded into the program with `node --import` and samples
 * process.memoryUsage(), the anonymous part of the RSS and the thread count every 100 ms.
 * MEMORY_ENV='MALLOC_ARENA_MAX=2 …' adds variables to the program's environment and
 * MEMORY_PROBE_SHARP='cache=0,concurrency=1' has the probe set libvips's, so a setting can be
 * tried without a rebuild. MEMORY_PROBE_SNAPSHOT=FILE (MEMORY_PROBE_SNAPSHOT_AFTER_S, 30) writes
 * one heap snapshot of the program (that run's RSS then includes the snapshot's own cost).
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const MiB = 1024 * 1024;
const PROBE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'child', 'memory-probe.mjs');

/** One line of memory-probe.mjs. */
export interface ProbeSample {
  t: number;
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  anon: number;
  threads: number;
  /** V8's new space (young generation) then. */
  newSpace?: number;
  /** CPU time of the whole process so far, µs. */
  cpu?: number;
}

/** The process's CPU time from its first sample to its last, in seconds (null without samples). */
export function cpuSeconds(samples: ProbeSample[]): number | null {
  const first = samples.find((s) => s.cpu !== undefined);
  const last = samples.findLast((s) => s.cpu !== undefined);
  return first && last ? (last.cpu! - first.cpu!) / 1e6 : null;
}

/** MEMORY_ENV's NAME=value words. */
export const EXTRA_ENV = (process.env.MEMORY_ENV ?? '').split(/\s+/).filter((kv) => /^[A-Z_][A-Z0-9_]*=/.test(kv));

/**
 * The environment words (NAME=value, unquoted) and the node arguments that load the probe
 * writing to `outFile` (removed first).
 */
export function probeLaunch(outFile: string): { env: string[] } {
  rmSync(outFile, { force: true });
  const env = [`MEMORY_PROBE_OUT=${outFile}`, ...EXTRA_ENV];
  for (const key of ['MEMORY_PROBE_SHARP', 'MEMORY_PROBE_PIN_NEW_SPACE_MB', 'MEMORY_PROBE_SNAPSHOT', 'MEMORY_PROBE_SNAPSHOT_AFTER_S']) if (process.env[key]) env.push(`${key}=${process.env[key]}`);
  // Through NODE_OPTIONS, so the launcher (bin/termtable) that the benchmarks start passes it on.
  env.push(`NODE_OPTIONS=--import=${pathToFileURL(PROBE).href}`);
  return { env };
}

/** Every sample the probe wrote, in order. */
export function probeSamples(file: string): ProbeSample[] {
  if (!existsSync(file)) return [];
  const out: ProbeSample[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as ProbeSample);
    } catch {
      // A line cut by the process's exit.
    }
  }
  return out;
}

/** The sample with the highest RSS, or null when there is none. */
export function peakSample(samples: ProbeSample[]): ProbeSample | null {
  let best: ProbeSample | null = null;
  for (const s of samples) if (!best || s.rss > best.rss) best = s;
  return best;
}

export function describeParts(s: ProbeSample | null): string {
  if (!s) return 'parts: no probe samples';
  const mb = (n: number) => (n / MiB).toFixed(0);
  return (
    `at peak: V8 heap ${mb(s.heapTotal)} (used ${mb(s.heapUsed)}, new space ${mb(s.newSpace ?? 0)}), external ${mb(s.external)} (array buffers ${mb(s.arrayBuffers)}), ` +
    `anonymous ${mb(s.anon)}, ${s.threads} threads`
  );
}

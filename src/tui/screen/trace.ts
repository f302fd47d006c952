/**
 * A timeline of what the lighttable wrote and why, for finding where time goes over a slow
 * link (bench/remote.ts passes it through SSH): TERMTABLE_TRACE=FILE appends one line per event,
 * `MS EVENT DETAILS`, milliseconds since start. Off (a no-op) without the variable. Synchronous
 * appends: a diagnostic, never on by default.
 */
import { appendFileSync } from 'node:fs';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

const file = process.env.TERMTABLE_TRACE;
const t0 = performance.now();

export const tracing = Boolean(file);

export function trace(event: string, details = ''): void {
  if (!file) return;
  try {
    appendFileSync(file, `${(performance.now() - t0).toFixed(1)} ${event} ${details}\n`);
  } catch {
    // a diagnostic must never break the app
  }
}

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak-callbacks',
};

/**
 * Garbage collections in the timeline, on its clock, with their pause: a next image's frame
 * that took 25-38 ms where 3-7 ms was expected had one or two 3-14 ms scavenges inside it.
 */
export function traceCollections(): void {
  if (!file) return;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? 0;
      trace('gc', `${GC_KINDS[kind] ?? kind} ${e.duration.toFixed(1)} ms, from ${(e.startTime - t0).toFixed(1)}`);
    }
  }).observe({ entryTypes: ['gc'] });
}

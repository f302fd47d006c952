/**
 * exifr keeps each options object it has prepared (pick lists turned into tag sets, segment
 * dependencies) in a Map keyed by that object itself. Every message to the metadata worker
 * carries a fresh copy of the options, so each file paid for preparing them again and the
 * Map kept every copy for the worker's life (one per file of an import). Equal options are
 * handed to exifr as one object instead: prepared once, kept once.
 */

/** More distinct option sets than the readers use (two): past it the table starts again. */
const MAX_KEPT = 16;
const kept = new Map<string, Record<string, unknown>>();

/** The first object seen with these options (compared by their JSON). */
export function sharedOptions(options: Record<string, unknown>): Record<string, unknown> {
  const key = JSON.stringify(options);
  const known = kept.get(key);
  if (known) return known;
  if (kept.size >= MAX_KEPT) kept.clear();
  kept.set(key, options);
  return options;
}

import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

/**
 * How far V8 lets the JavaScript heap grow past what the last full collection kept, in
 * percent. V8 picks a factor of up to 4x when a program allocates fast, and the lighttable
 * does: every page turn makes a page of encoded pictures (kitty base64 PNGs, sixel strings,
 * half-block text) and Ink frames, most of it garbage a page later. Paging 2,000 images at
 * 240x66 in kitty under cacheSizeMB 16, the heap reached 193 MB (161 MB used, 35 MB live after
 * a collection): RSS 315 MB. With 20 % it stayed under 91 MB: RSS 215 MB (bench/memory.ts).
 * The price is more frequent, smaller collections.
 */
export const HEAP_GROWING_PERCENT = 20;

/**
 * The young generation's size at most (V8's new space, two semi-spaces). V8 grows it to 32 MB
 * on 64-bit when much survives a scavenge, as a page of pictures does: in every protocol the
 * lighttable's heap was then 35-40 MB over what it used (bench/memory.ts, blocks at 80x24:
 * 65 MB heap, 27 used). 8 MB rather than 16: kitty at 240x66, paging 2,000 images side by
 * side in one session (load 4-7), peaked at 175 / 208 MiB under cacheSizeMB 16 / 64 against
 * 194 / 220 MiB with 16 MB (V8 heap 49 / 61 MB against 63 / 73), and the whole process used
 * no more CPU for it (29.3 / 28.8 s against 30.8 / 29.2 s): fewer short-lived picture strings
 * are promoted into the old generation, which then collects less. `--max-semi-space-size=4` says
 * so, and bin/termtable (the shell launcher npm links) passes it to node; V8 reads it only when
 * the heap is made, before any of our code runs, so for node started otherwise (`node
 * bin/termtable.js`, the tests) the new space is held here: `--semi-space-growth-factor` is
 * read at each growth, and is set to 1 once the new space has reached the cap (and back to 2
 * should V8 shrink it below). In a micro-benchmark of short-lived strings alone a 16 MB new
 * space scavenged as fast as V8's 32 MB one and 8 MB was up to 3x slower; in the lighttable,
 * where pictures are what is allocated, the process's CPU time did not grow. V8 puts the factor back
 * to 2 whenever it sets up another isolate's heap (a worker thread starting), so the hold is
 * set again after every collection while the new space is at the cap; a collection that
 * comes between a worker's start and that can still double it once (seen in about half the
 * runs of a test that starts a sixel worker mid-way, and in the sixel rows of the bench).
 */
export const NEW_SPACE_CAP_BYTES = 8 * 1024 * 1024;

let applied = false;

/**
 * Keeps the lighttable's JavaScript heap near its live size, so the byte bounds of the picture
 * caches (memory-budget.ts) are what the process costs. Once per process; V8 reads both flags
 * at each collection, so setting them after start-up takes effect.
 */
export function boundHeapGrowth(): void {
  if (applied) return;
  applied = true;
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  holdNewSpace();
}

/** The new space's growth stops at NEW_SPACE_CAP_BYTES: checked after every collection. */
function holdNewSpace(): void {
  let held = false;
  const check = () => {
    const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    if (!space) return;
    const full = space.space_size >= NEW_SPACE_CAP_BYTES;
    // Once full, set again each time: a worker's start may have reset it.
    if (full === held && !full) return;
    held = full;
    v8.setFlagsFromString(`--semi-space-growth-factor=${full ? 1 : 2}`);
  };
  check();
  // A growth comes at the end of a scavenge; the next one needs the new space filled first.
  const observer = new PerformanceObserver(check);
  observer.observe({ entryTypes: ['gc'] });
}

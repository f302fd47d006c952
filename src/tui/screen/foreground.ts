/**
 * While a key's own pictures are being written, work for what may come next (the neighbours'
 * encodes and histograms) waits.
 *
 * Why: the lighttable writes with non-blocking stdout (the writer must be able to drop a
 * picture over a slow link), so the terminal is fed only when the event loop polls. Any
 * JavaScript running meanwhile leaves the pty empty: a next-image key whose neighbour's
 * encode, histogram and disk-cache write started while its 1.4 MB sixel was being written
 * took 38-40 ms to write it, one whose neighbours were done 27 ms (trace, 160x48, idle
 * machine; a plain process writing the same bytes: about 25 ms).
 *
 * One gate for the process: the lighttable has one terminal. A hold ends when the graphics
 * layer's foreground pictures are written, and in any case after MAX_HOLD_MS, so that work
 * ahead is never starved by a slow link (there the write takes seconds and the next image's
 * encode must run beside it).
 */
export const MAX_HOLD_MS = 150;

let holding = false;
/**
 * The last hold ran out (MAX_HOLD_MS) before its pictures were written: frames that come while
 * they still are (over a slow link, seconds) start no new hold, or the work ahead would wait
 * for the whole write after all.
 */
let capped = false;
let timer: NodeJS.Timeout | null = null;
let waiters: (() => void)[] = [];

function release(): void {
  holding = false;
  if (timer) clearTimeout(timer);
  timer = null;
  const run = waiters;
  waiters = [];
  for (const w of run) w();
}

/** The graphics layer queued pictures a key asked for. */
export function foregroundBegin(): void {
  if (holding || capped) return;
  holding = true;
  timer = setTimeout(() => {
    capped = true;
    release();
  }, MAX_HOLD_MS);
  timer.unref?.();
}

/** Everything queued is written (or dropped). */
export function foregroundEnd(): void {
  capped = false;
  if (holding) release();
}

export function foregroundBusy(): boolean {
  return holding;
}

/** Runs `fn` now when nothing is held, else once the hold ends (at most once per fn while held). */
export function afterForeground(fn: () => void): void {
  if (!holding) return fn();
  if (!waiters.includes(fn)) waiters.push(fn);
}

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

let applied = false;

/**
 * Keeps the lighttable's JavaScript heap near its live size, so the byte bounds of the picture
 * caches (memory-budget.ts) are what the process costs. Once per process; V8 reads the flag
 * at each collection, so setting it after start-up takes effect.
 */
export function boundHeapGrowth(): void {
  if (applied) return;
  applied = true;
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}

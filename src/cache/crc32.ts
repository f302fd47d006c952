import { createRequire } from 'node:module';
import { crc32 as zlibCrc32 } from 'node:zlib';

/**
 * CRC-32 (the zlib/PNG polynomial: the same values as node:zlib's crc32) for the saved memory
 * cache's frames, through @node-rs/crc32 where its prebuilt binary loads.
 *
 * Why not node:zlib's alone: loading a 500 MB cache file checks every byte, and zlib's table
 * CRC ran at 1.6-2.2 GB/s here (about 0.21 s of the load's main thread, CPU profile of
 * bench/child/load-cache.mjs), the package's SIMD one at 4.7-4.9 GB/s, on 20 KB slices as on
 * whole buffers. A platform without a binary gets zlib's: the same values, slower.
 */
type Crc32 = (data: Uint8Array, value?: number) => number;

export interface Crc32Impl {
  crc32: Crc32;
  kind: 'native' | 'zlib';
}

let impl: Crc32Impl | undefined;

/**
 * The package's crc32 when `load` gives one that agrees with zlib's, else zlib's. `load` is
 * the package's import (a parameter so a test can be a platform without the binary).
 */
export function pickCrc32(load: () => unknown): Crc32Impl {
  try {
    const fast = (load() as typeof import('@node-rs/crc32')).crc32;
    // A build whose values differed would call every saved file corrupt: checked once.
    const probe = Buffer.from('termtable crc32 probe', 'latin1');
    if (fast(probe, 7) === zlibCrc32(probe, 7)) return { crc32: (data, value = 0) => fast(data, value), kind: 'native' };
  } catch {
    // No binary for this platform (or no package): zlib's.
  }
  return { crc32: (data, value = 0) => zlibCrc32(data, value), kind: 'zlib' };
}

function current(): Crc32Impl {
  // Through createRequire and under another name than `require`: the bundler leaves the call
  // alone, so the native package is found in node_modules at run time, as sharp is.
  return (impl ??= pickCrc32(() => createRequire(import.meta.url)('@node-rs/crc32')));
}

/** CRC-32 of `data`, continuing from `value` (a CRC of the bytes before it). */
export function crc32(data: Uint8Array, value = 0): number {
  return current().crc32(data, value);
}

/** Which implementation answers (for the bench's figures). */
export function crc32Implementation(): Crc32Impl['kind'] {
  return current().kind;
}

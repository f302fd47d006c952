/**
 * Start-up with a saved memory cache bigger than the preference: each load in a child process
 * of its own (bench/child/load-cache.mjs over dist/), wall time and peak RSS.
 *  - a 500 MB file under cacheSizeMB 64 against a 64 MB file under cacheSizeMB 64: the bigger
 *    file must cost what 64 MB costs (reading stops at the bound), in time and memory;
 *  - the 500 MB file under cacheSizeMB 512 against `fs.readFile` of it, for scale, and against
 *    bench/child/check-floor.mjs: the reads, CRC checks and copies every checked load must do
 *    and nothing else (what is above it is our entries, the LRU, the modules and their GC);
 *  - the CRC-32's throughput on the file's bytes, native (src/cache/crc32.ts) and node:zlib's.
 * Run: npm run bench -- cacheload. TERMTABLE_BENCH_BIN=path/to/bin/termtable.js measures another
 * build (its dist/ beside bin/); CACHELOAD_BASE=path/to/dist adds a line of that build's load of
 * the 500 MB file under 512 against this one's, run in turn (before and after, in one run).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchBuild } from './build.js';
import sharp from 'sharp';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { CACHE_FILE_VERSION, writeCacheFile } from '../src/cache/cache-file.js';
import { crc32, crc32Implementation } from '../src/cache/crc32.js';
import type { CachedThumb } from '../src/cache/entry.js';
import { report, runOnce } from './proc.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(here, '..');
const PHOTOS = path.resolve(REPO, '../shared/corpus/photos');
const WORK = path.join(os.tmpdir(), 'termtable-bench-cacheload');
const MB = 1024 * 1024;
const NODE = process.execPath;
const CHILD = path.join(here, 'child', 'load-cache.mjs');
const FLOOR = path.join(here, 'child', 'check-floor.mjs');

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** mip0-mip2 of the corpus photos, as real thumbnails are. */
async function samples(): Promise<Omit<CachedThumb, 'id'>[]> {
  const out: Omit<CachedThumb, 'id'>[] = [];
  const files = existsSync(PHOTOS) ? readdirSync(PHOTOS).filter((n) => /\.jpe?g$/i.test(n)).sort() : [];
  for (const name of files) {
    for (const [level, size] of [[0, 128], [1, 256], [2, 512]] as const) {
      const { data, info } = await sharp(path.join(PHOTOS, name)).rotate().resize(size, size, { fit: 'inside' }).jpeg({ quality: 85 }).toBuffer({ resolveWithObject: true });
      out.push({ level, jpeg: data, width: info.width, height: info.height, source: 'processed', rotation: 0, processedAsked: false, colorKey: 0, fileSize: 1, mtime: 1 });
    }
  }
  if (out.length === 0) {
    // No corpus: noise thumbnails of the same sizes.
    for (const size of [128, 256, 512]) {
      const data = await sharp({ create: { width: size, height: Math.round((size * 2) / 3), channels: 3, background: '#777', noise: { type: 'gaussian', mean: 120, sigma: 40 } } }).jpeg({ quality: 85 }).toBuffer();
      out.push({ level: size === 128 ? 0 : size === 256 ? 1 : 2, jpeg: data, width: size, height: Math.round((size * 2) / 3), source: 'processed', rotation: 0, processedAsked: false, colorKey: 0, fileSize: 1, mtime: 1 });
    }
  }
  return out;
}

/** A cache file of about `mb` MB (written once per format version and kept). */
async function ensureFile(mb: number, pool: Omit<CachedThumb, 'id'>[]): Promise<string> {
  const file = path.join(WORK, `v${CACHE_FILE_VERSION}-${mb}mb`, 'mipmaps.cache');
  if (existsSync(file) && statSync(file).size >= (mb - 2) * MB) return file;
  function* entries(): Generator<CachedThumb> {
    let bytes = 0;
    for (let id = 1; bytes < mb * MB; id++) {
      const s = pool[id % pool.length]!;
      bytes += s.jpeg.length + 48;
      yield { ...s, id };
    }
  }
  await writeCacheFile(file, entries());
  return file;
}

/** Seconds of CRC over the whole file, in 64 MB pieces read first (only the CRC is timed). */
function crcSeconds(file: string, crc: (b: Buffer) => number): number {
  const piece = Buffer.allocUnsafeSlow(64 * MB);
  const fd = openSync(file, 'r');
  let spent = 0;
  try {
    for (let n; (n = readSync(fd, piece, 0, piece.length, null)) > 0; ) {
      const t0 = performance.now();
      crc(piece.subarray(0, n));
      spent += performance.now() - t0;
    }
  } finally {
    closeSync(fd);
  }
  return spent / 1000;
}

const DIST = benchBuild().dist;
const pool = await samples();
const big = await ensureFile(500, pool);
const small = await ensureFile(64, pool);
log(`files: ${(statSync(big).size / MB).toFixed(0)} MB and ${(statSync(small).size / MB).toFixed(0)} MB (${pool.length} distinct thumbnails); dist: ${DIST}`);
for (const [file, mb] of [[big, 64], [small, 64], [big, 512]] as const) {
  const r = spawnSync(NODE, [CHILD, DIST, file, String(mb)], { encoding: 'utf8' });
  log(`  ${path.basename(path.dirname(file))} under cacheSizeMB ${mb}: ${r.stdout.trim()}${r.stderr ? ` (${r.stderr.trim()})` : ''}`);
}
runOnce({ label: 'page cache warm', argv: ['dd', `if=${big}`, 'of=/dev/null', 'bs=8M', 'status=none'] });

log('\n## loading the saved memory cache (whole processes, medians of 5 interleaved runs)');
report(
  { label: 'load 500 MB file, cacheSizeMB 64', argv: [NODE, CHILD, DIST, big, '64'] },
  { label: 'load 64 MB file, cacheSizeMB 64', argv: [NODE, CHILD, DIST, small, '64'] },
  1.3,
  5,
  { rssGoal: 1.2 },
);
report(
  { label: 'load 500 MB file, cacheSizeMB 512', argv: [NODE, CHILD, DIST, big, '512'] },
  { label: 'node fs.readFile of it', argv: [NODE, '-e', `require('fs').readFileSync(${JSON.stringify(big)})`] },
  2.5,
  5,
);
report(
  { label: 'load 500 MB file, cacheSizeMB 512', argv: [NODE, CHILD, DIST, big, '512'] },
  { label: 'reads, CRC checks and copies alone (check-floor.mjs)', argv: [NODE, FLOOR, DIST, big] },
  1.5,
  5,
);
const base = process.env.CACHELOAD_BASE;
if (base) {
  // Goal 1: this build no slower than the one it is compared with.
  report(
    { label: 'load 500 MB file, cacheSizeMB 512, this build', argv: [NODE, CHILD, DIST, big, '512'] },
    { label: `the same by ${base}`, argv: [NODE, CHILD, path.resolve(base), big, '512'] },
    1,
    5,
  );
}

const fileMB = statSync(big).size / MB;
const rate = (sec: number) => `${sec.toFixed(3)} s (${(fileMB / 1024 / sec).toFixed(2)} GB/s)`;
const ours = Math.min(...[0, 1, 2].map(() => crcSeconds(big, (b) => crc32(b))));
const zlibs = Math.min(...[0, 1, 2].map(() => crcSeconds(big, (b) => zlibCrc32(b))));
log(`\nCRC-32 of the ${fileMB.toFixed(0)} MB file (best of 3, CPU-bound): ${crc32Implementation()} ${rate(ours)}; node:zlib ${rate(zlibs)}`);

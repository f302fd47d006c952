/**
 * Mipmap cache benchmark: `node --expose-gc --import tsx bench/cache.ts [N_IMAGES] [batch] [startup]`
 * (both parts by default; --expose-gc makes the memory figures exact, it runs without too).
 *
 * 1. Batch generation of mip0-mip2 on 24-megapixel JPEGs (made by
 *    /work/shared/tools/make-scale-set.sh from the corpus photos, under os.tmpdir()):
 *    MipmapCache.generateMissing (one decode per image, disk backend on, concurrency 2)
 *    against vipsthumbnail making the same three sizes (once per size, 2 processes) and
 *    against sharp making one 512-px thumbnail per image, two at a time. Goals: ≥3x
 *    vipsthumbnail; within 1.3x of sharp.
 * 2. Start-up: loading a cache file holding 512 MB of thumbnails, against a plain
 *    fs.readFile of the same file, and memory use after the load against the 512 MB bound.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { writeCacheFile } from '../src/cache/cache-file.js';
import type { CachedThumb } from '../src/cache/entry.js';
import { MipmapCache } from '../src/cache/mipmap-cache.js';
import type { ThumbSubject } from '../src/cache/types.js';
import { defaultPreferences } from '../src/config/preferences.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const N = Number(args.find((a) => /^\d+$/.test(a)) ?? 40);
const parts = args.filter((a) => a === 'batch' || a === 'startup');
const PARALLEL = 2;
const ROUNDS = 3;
const WORK = path.join(os.tmpdir(), 'termtable-bench-cache');
const SCALE = path.join(WORK, 'scale');
const CORPUS_PHOTOS = path.resolve(here, '../../shared/corpus/photos');
const TOOL = '/work/shared/tools/make-scale-set.sh';

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

function makeSet(): string[] {
  const dir = path.join(SCALE, 'large');
  const have = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.jpg')).length : 0;
  if (have < N) {
    log(`making ${N} 24 MP JPEGs in ${SCALE} (once; kept for later runs)...`);
    const r = spawnSync('bash', [TOOL, SCALE, String(N), '0', CORPUS_PHOTOS], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new Error('make-scale-set.sh failed');
  }
  return readdirSync(dir)
    .filter((n) => n.endsWith('.jpg'))
    .sort()
    .slice(0, N)
    .map((n) => path.join(dir, n));
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

/** Runs jobs with at most `width` in flight. */
async function pool<T>(items: readonly T[], width: number, job: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await job(items[next++]!);
    }),
  );
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}`))));
  });
}

async function ours(files: string[], round: number): Promise<number> {
  const dir = path.join(WORK, `ours-${round}`);
  rmSync(dir, { recursive: true, force: true });
  const cache = await MipmapCache.open({
    libraryPath: path.join(dir, 'library.db'),
    prefs: { ...defaultPreferences(), concurrency: PARALLEL, diskBackend: true },
    loadCacheFile: false,
    saveCacheFile: false,
    diskDir: path.join(dir, 'mipmaps.d'),
  });
  const subjects: ThumbSubject[] = files.map((f, i) => {
    const s = statSync(f);
    return { id: i + 1, path: f, fileSize: s.size, mtime: Math.trunc(s.mtimeMs), orientation: 1, rotation: 0 };
  });
  const seconds = await timed(async () => {
    const summary = await cache.generateMissing({ subjects, minLevel: 0, maxLevel: 2 });
    if (summary.generated !== files.length) throw new Error(`generated ${summary.generated} of ${files.length}`);
  });
  await cache.close();
  return seconds;
}

async function vipsthumbnail(files: string[], round: number): Promise<number> {
  const dir = path.join(WORK, `vips-${round}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const halves = Array.from({ length: PARALLEL }, (_, k) => files.filter((_, i) => i % PARALLEL === k));
  return timed(async () => {
    for (const size of [128, 256, 512]) {
      // One process per half of the files per size: no per-file spawn cost.
      await Promise.all(halves.map((part) => run('vipsthumbnail', ['-s', String(size), '-o', `${dir}/%s_${size}.jpg`, ...part])));
    }
  });
}

async function sharpOne512(files: string[]): Promise<number> {
  return timed(() =>
    pool(files, PARALLEL, async (f) => {
      await sharp(f).resize(512, 512, { fit: 'inside' }).jpeg().toBuffer();
    }),
  );
}

async function batchBench(): Promise<void> {
  const files = makeSet();
  const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
  log(`\n## batch generation: ${files.length} images of 6000x4000, ${(bytes / files.length / 1e6).toFixed(1)} MB each, ${PARALLEL} at a time`);
  for (const f of files) readFileSync(f); // page cache warm for every contender
  const times = { ours: [] as number[], vips: [] as number[], sharp: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    times.sharp.push(await sharpOne512(files));
    times.ours.push(await ours(files, round));
    times.vips.push(await vipsthumbnail(files, round));
  }
  const best = (xs: number[]) => Math.min(...xs);
  const rate = (s: number) => files.length / s;
  const o = rate(best(times.ours));
  const v = rate(best(times.vips));
  const s = rate(best(times.sharp));
  log(`MipmapCache.generateMissing mip0-2:   ${o.toFixed(1)} images/s (best of ${ROUNDS}: ${times.ours.map((x) => x.toFixed(2)).join(', ')} s)`);
  log(`vipsthumbnail 128+256+512 (3 passes): ${v.toFixed(1)} images/s (${times.vips.map((x) => x.toFixed(2)).join(', ')} s)`);
  log(`sharp one 512-px thumbnail:           ${s.toFixed(1)} images/s (${times.sharp.map((x) => x.toFixed(2)).join(', ')} s)`);
  log(`ratio ours / vipsthumbnail: ${(o / v).toFixed(2)}x (goal >= 3)`);
  log(`ratio sharp-512 / ours:     ${(s / o).toFixed(2)}x (goal <= 1.3)`);
  for (let round = 0; round < ROUNDS; round++) {
    rmSync(path.join(WORK, `ours-${round}`), { recursive: true, force: true });
    rmSync(path.join(WORK, `vips-${round}`), { recursive: true, force: true });
  }
}

/** Realistic thumbnails (mip0-mip2 of the scale set) replicated under many ids up to `targetBytes`. */
async function syntheticEntries(targetBytes: number): Promise<CachedThumb[]> {
  const files = makeSet().slice(0, 8);
  const samples: { level: 0 | 1 | 2; jpeg: Buffer; width: number; height: number }[] = [];
  for (const f of files) {
    for (const [level, size] of [[0, 128], [1, 256], [2, 512]] as const) {
      const { data, info } = await sharp(f).resize(size, size, { fit: 'inside' }).jpeg({ quality: 85 }).toBuffer({ resolveWithObject: true });
      samples.push({ level, jpeg: data, width: info.width, height: info.height });
    }
  }
  const out: CachedThumb[] = [];
  let total = 0;
  for (let id = 1; total < targetBytes; id++) {
    const s = samples[id % samples.length]!;
    // A copy per entry: like a real cache, no two entries share memory.
    const jpeg = Buffer.from(s.jpeg);
    out.push({ id, level: s.level, jpeg, width: s.width, height: s.height, source: 'processed', rotation: 0, processedAsked: false, colorKey: 0, fileSize: 1, mtime: 1 });
    total += jpeg.length + 256;
  }
  return out;
}

function mem(): string {
  const m = process.memoryUsage();
  const f = (n: number) => `${(n / 1048576).toFixed(0)} MB`;
  return `rss ${f(m.rss)}, heapUsed ${f(m.heapUsed)}, external ${f(m.external)}, arrayBuffers ${f(m.arrayBuffers)}`;
}

/** Written once and kept; in its own function so the entries are garbage before measuring. */
async function ensureStartupFile(boundMB: number): Promise<string> {
  const MB = 1024 * 1024;
  const file = path.join(WORK, 'startup', 'mipmaps.cache');
  if (!existsSync(file) || statSync(file).size < (boundMB - 16) * MB) {
    await writeCacheFile(file, await syntheticEntries((boundMB - 4) * MB));
  }
  return file;
}

async function startupBench(): Promise<void> {
  const MB = 1024 * 1024;
  const bound = 512;
  log(`\n## start-up: cache file holding ${bound} MB of thumbnails, preference cacheSizeMB=${bound}`);
  const file = await ensureStartupFile(bound);
  const size = statSync(file).size;
  global.gc?.();
  log(`file: ${(size / MB).toFixed(0)} MB; before load: ${mem()}`);

  const tRead = await timed(async () => {
    await readFile(file);
  });
  global.gc?.();
  let cache: MipmapCache | undefined;
  const tLoad = await timed(async () => {
    cache = await MipmapCache.open({
      libraryPath: path.join(WORK, 'startup', 'library.db'),
      prefs: { ...defaultPreferences(), cacheSizeMB: bound },
      cacheFile: file,
      diskDir: path.join(WORK, 'startup', 'mipmaps.d'),
      saveCacheFile: false,
    });
  });
  global.gc?.();
  const st = cache!.memoryStats();
  log(`MipmapCache.open (load + checksums + LRU fill): ${(tLoad * 1000).toFixed(0)} ms, ${(size / MB / tLoad).toFixed(0)} MB/s`);
  log(`plain fs.readFile of the same file:            ${(tRead * 1000).toFixed(0)} ms`);
  log(`ratio load / readFile: ${(tLoad / tRead).toFixed(2)}x`);
  log(`LRU after load: ${st.entries} entries, ${(st.bytes / MB).toFixed(0)} MB of ${(st.maxBytes / MB).toFixed(0)} MB bound (${st.bytes <= st.maxBytes ? 'inside' : 'OVER'})`);
  log(`after load: ${mem()}`);
  await cache!.close();
}

if (parts.length === 0 || parts.includes('batch')) await batchBench();
if (parts.length === 0 || parts.includes('startup')) await startupBench();

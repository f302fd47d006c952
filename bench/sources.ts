/**
 * Benchmarks of src/cache/sources, each against a peer measured in the same run:
 *  1. Embedded-preview path on the raw files of ../shared/corpus/raw: ms per image for a
 *     512-px thumbnail, against `exiftool -b -PreviewImage FILE` piped into a sharp resize.
 *     Goal: 10x faster.
 *  1b. The same on generated 24 MP DNGs with full-size previews (shared/tools/make-raw-set.mjs),
 *     two in flight, images/s for mip0-mip2; plus half-size raw decoding for scale.
 *  1c. The startup bench's 40 DNGs with 1616-px previews (bench/startup.ts makes them), mip0-mip2
 *     as import makes them (focus and dHash measured too), two in flight, CPU and wall time
 *     against bench/floor/dng-previews.mjs's own steps run in this process: the thumbnail
 *     work alone, without the import around it.
 *  2. mip0-mip2 from 24 MP JPEGs (made once with shared/tools/make-scale-set.sh under
 *     os.tmpdir()), two images in flight: images/s against vipsthumbnail run once per size
 *     (goal: 3x) and against sharp making one 512-px thumbnail per image (goal: within 1.3x).
 * Run: node --import tsx bench/sources.ts [--images N] [--rounds N]; SOURCES_ONLY=dng runs only 1c.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { makeThumbnails } from '../src/cache/sources/index.js';
import type { Level } from '../src/cache/types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CORPUS = path.resolve(here, '../../shared/corpus');
const TOOLS = path.resolve(here, '../../shared/tools');
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i !== -1 ? Number(process.argv[i + 1]) : fallback;
};
const IMAGES = arg('--images', 16);
const ROUNDS = arg('--rounds', 7);
const RAWS = arg('--raws', 8);
const PARALLEL = 2;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};
const subject = (file: string) => ({ id: 0, path: file, fileSize: 0, mtime: 0, orientation: 1, rotation: 0 });
const opts = (levels: Level[]) => ({ levels, sourcePref: 'never' as const, colorManagement: true, monitorProfile: null });

function exiftoolPreview(file: string, tag: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('exiftool', ['-b', `-${tag}`, file], { stdio: ['ignore', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

async function peerEmbedded(file: string, tag: string): Promise<void> {
  const jpeg = await exiftoolPreview(file, tag);
  await sharp(jpeg).resize(512, 512, { fit: 'inside' }).jpeg({ quality: 85 }).toBuffer();
}

async function benchEmbedded(): Promise<void> {
  console.log(`\n## 1. embedded previews of corpus/raw: 512-px thumbnail, ms per image (median of ${ROUNDS})`);
  const files: Array<{ file: string; tag: string }> = [];
  for (const name of readdirSync(path.join(CORPUS, 'raw')).sort()) {
    const file = path.join(CORPUS, 'raw', name);
    const r = await makeThumbnails(subject(file), opts([2]));
    if (!r.ok || r.thumbs[0]?.source !== 'embedded') continue;
    const tag = (await exiftoolPreview(file, 'PreviewImage')).length > 0 ? 'PreviewImage' : 'JpgFromRaw';
    files.push({ file, tag });
  }
  console.log('file | ours ms (median / best) | exiftool+sharp ms (median / best) | ratio of medians');
  let oursTotal = 0;
  let peerTotal = 0;
  let oursBest = 0;
  let peerBest = 0;
  for (const { file, tag } of files) {
    const ours: number[] = [];
    const peer: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      let t = performance.now();
      await makeThumbnails(subject(file), opts([2]));
      ours.push(performance.now() - t);
      t = performance.now();
      await peerEmbedded(file, tag);
      peer.push(performance.now() - t);
    }
    const o = median(ours);
    const p = median(peer);
    oursTotal += o;
    peerTotal += p;
    oursBest += Math.min(...ours);
    peerBest += Math.min(...peer);
    console.log(
      `${path.basename(file)} | ${o.toFixed(1)} / ${Math.min(...ours).toFixed(1)} | ${p.toFixed(1)} / ${Math.min(...peer).toFixed(1)} (-${tag}) | ${(p / o).toFixed(1)}x`,
    );
  }
  const n = files.length;
  console.log(
    `mean over ${n} files: ours ${(oursTotal / n).toFixed(1)} ms/image, exiftool+sharp ${(peerTotal / n).toFixed(1)} ms/image → ours ${(peerTotal / oursTotal).toFixed(1)}x faster (goal ≥ 10x)`,
  );
  console.log(
    `best runs (least disturbed by other load): ours ${(oursBest / n).toFixed(1)} ms/image, exiftool+sharp ${(peerBest / n).toFixed(1)} ms/image → ${(peerBest / oursBest).toFixed(1)}x`,
  );
}

async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<number> {
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await fn(item);
      }
    }),
  );
  return (performance.now() - start) / 1000;
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}`))));
  });
}

async function benchLevels(): Promise<void> {
  const dir = path.join(os.tmpdir(), 'termtable-bench-sources', 'scale');
  const large = path.join(dir, 'large');
  const have = existsSync(large) ? readdirSync(large).filter((f) => f.endsWith('.jpg')).length : 0;
  if (have < IMAGES) {
    console.log(`\n(making ${IMAGES} 24 MP JPEGs in ${dir} with make-scale-set.sh; kept for later runs)`);
    const made = spawnSync('bash', [path.join(TOOLS, 'make-scale-set.sh'), dir, String(IMAGES), '0', path.join(CORPUS, 'photos')], { stdio: 'inherit' });
    if (made.status !== 0) throw new Error('make-scale-set.sh failed');
  }
  const files = readdirSync(large).filter((f) => f.endsWith('.jpg')).sort().slice(0, IMAGES).map((f) => path.join(large, f));
  const out = path.join(os.tmpdir(), `termtable-bench-vips-${process.pid}`);
  mkdirSync(out, { recursive: true });

  const methods: Record<string, () => Promise<number>> = {
    'ours mip0-2 (one decode)': () =>
      inParallel(files, PARALLEL, async (f) => {
        const r = await makeThumbnails(subject(f), opts([0, 1, 2]));
        if (!r.ok) throw new Error(r.detail);
      }),
    'vipsthumbnail x3 sizes': () =>
      inParallel(
        files.flatMap((f) => [128, 256, 512].map((s) => ({ f, s }))),
        PARALLEL,
        ({ f, s }) => run('vipsthumbnail', [f, '-s', String(s), '-o', path.join(out, `%s_${s}.jpg[Q=85]`)]),
      ),
    'sharp one 512-px': () =>
      inParallel(files, PARALLEL, async (f) => {
        await sharp(f).resize(512, 512, { fit: 'inside' }).jpeg({ quality: 85 }).toBuffer();
      }),
  };
  const rates: Record<string, number[]> = {};
  await methods['sharp one 512-px']?.(); // warm the page cache
  for (let round = 0; round < 3; round++) {
    for (const [name, fn] of Object.entries(methods)) {
      const seconds = await fn();
      (rates[name] ??= []).push(files.length / seconds);
    }
  }
  rmSync(out, { recursive: true, force: true });
  console.log(`\n## 2. mip0-mip2 from ${files.length} 24 MP JPEGs, ${PARALLEL} in flight, images/s (median of 3 rounds, interleaved)`);
  const ours = median(rates['ours mip0-2 (one decode)'] ?? []);
  const vips = median(rates['vipsthumbnail x3 sizes'] ?? []);
  const one = median(rates['sharp one 512-px'] ?? []);
  console.log(`ours (mip0+mip1+mip2, one decode): ${ours.toFixed(2)} images/s`);
  console.log(`vipsthumbnail once per size:       ${vips.toFixed(2)} images/s → ours ${(ours / vips).toFixed(2)}x (goal ≥ 3x)`);
  console.log(`sharp one 512-px thumbnail:        ${one.toFixed(2)} images/s → sharp/ours ${(one / ours).toFixed(2)} (goal ≤ 1.3)`);
}

async function benchGeneratedRaws(): Promise<void> {
  const base = path.join(os.tmpdir(), 'termtable-bench-sources');
  const scale = path.join(base, 'scale', 'sources.txt');
  const dir = path.join(base, 'raw');
  const have = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.dng')).length : 0;
  if (have < RAWS) {
    if (!existsSync(scale)) throw new Error(`${scale} missing: section 2 makes it`);
    console.log(`\n(making ${RAWS} 24 MP DNGs in ${dir} with make-raw-set.mjs; kept for later runs)`);
    // make-raw-set.mjs finds sharp from its working directory.
    const made = spawnSync(process.execPath, [path.join(TOOLS, 'make-raw-set.mjs'), dir, String(RAWS), '--src', scale], {
      stdio: 'inherit',
      cwd: path.resolve(here, '..'),
    });
    if (made.status !== 0) throw new Error('make-raw-set.mjs failed');
  }
  const files = readdirSync(dir).filter((f) => f.endsWith('.dng')).sort().slice(0, RAWS).map((f) => path.join(dir, f));
  const rates: Record<string, number[]> = {};
  for (let round = 0; round < 3; round++) {
    const ours = await inParallel(files, PARALLEL, async (f) => {
      const r = await makeThumbnails(subject(f), opts([0, 1, 2]));
      if (!r.ok || r.thumbs[0]?.source !== 'embedded') throw new Error(`${f}: not from the embedded preview`);
    });
    (rates.ours ??= []).push(files.length / ours);
    const peer = await inParallel(files, PARALLEL, (f) => peerEmbedded(f, 'PreviewImage'));
    (rates.peer ??= []).push(files.length / peer);
  }
  const decode = await inParallel(files.slice(0, 4), PARALLEL, async (f) => {
    const r = await makeThumbnails(subject(f), { ...opts([0, 1, 2]), sourcePref: 'always' });
    if (!r.ok || r.thumbs[0]?.source !== 'processed') throw new Error(`${f}: not decoded`);
  });
  const ours = median(rates.ours ?? []);
  const peer = median(rates.peer ?? []);
  console.log(`\n## 1b. ${files.length} generated 24 MP DNGs (full-size 6000x4000 preview), ${PARALLEL} in flight, images/s (median of 3)`);
  console.log(`ours mip0-2 from the embedded preview: ${ours.toFixed(1)} images/s (${(1000 / ours).toFixed(1)} ms/image)`);
  console.log(`exiftool -b -PreviewImage + sharp 512: ${peer.toFixed(1)} images/s → ours ${(ours / peer).toFixed(1)}x`);
  console.log(`ours mip0-2 decoding the raw (LibRaw half-size, sourcePref always): ${(4 / decode).toFixed(2)} images/s`);
}

/** The floor script's functions (bench/floor/dng-previews.mjs), imported by URL: it is plain JavaScript. */
interface DngFloor {
  previewSizes(file: string): Promise<Buffer[]>;
}

async function benchDngPreviews(): Promise<void> {
  const dir = path.join(os.tmpdir(), 'termtable-bench-startup', 'dng');
  const have = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.dng')).length : 0;
  if (have < 40) {
    console.log(`\n(making 40 DNGs with 1616-px previews in ${dir} with make-raw-set.mjs, as bench/startup.ts does)`);
    const made = spawnSync(process.execPath, [path.join(TOOLS, 'make-raw-set.mjs'), dir, '40', '--src', path.join(CORPUS, 'photos'), '--preview', '1616'], {
      stdio: 'inherit',
      cwd: path.resolve(here, '..'),
    });
    if (made.status !== 0) throw new Error('make-raw-set.mjs failed');
  }
  const files = readdirSync(dir).filter((f) => f.endsWith('.dng')).sort().slice(0, 40).map((f) => path.join(dir, f));
  const floorUrl = new URL('./floor/dng-previews.mjs', import.meta.url).href;
  const floor = (await import(floorUrl)) as DngFloor;
  const timed = async (fn: (f: string) => Promise<void>) => {
    const cpu0 = process.cpuUsage();
    const wall = await inParallel(files, PARALLEL, fn);
    const cpu = process.cpuUsage(cpu0);
    return { wall, cpu: (cpu.user + cpu.system) / 1e6 };
  };
  const ours = async (f: string) => {
    const r = await makeThumbnails(subject(f), { ...opts([0, 1, 2]), analyse: true });
    if (!r.ok || r.thumbs[0]?.source !== 'embedded') throw new Error(`${f}: not from the embedded preview`);
  };
  const peer = async (f: string) => {
    await floor.previewSizes(f);
  };
  await timed(ours);
  await timed(peer);
  const a = { wall: [] as number[], cpu: [] as number[] };
  const b = { wall: [] as number[], cpu: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    const x = await timed(ours);
    const y = await timed(peer);
    a.wall.push(x.wall);
    a.cpu.push(x.cpu);
    b.wall.push(y.wall);
    b.cpu.push(y.cpu);
  }
  console.log(`\n## 1c. ${files.length} DNGs with 1616-px previews, mip0-mip2 in this process, ${PARALLEL} in flight (median of ${ROUNDS}, interleaved)`);
  console.log(`ours (focus and dHash measured too): ${median(a.wall).toFixed(3)} s, CPU ${median(a.cpu).toFixed(3)} s`);
  console.log(
    `dng-previews.mjs steps:              ${median(b.wall).toFixed(3)} s, CPU ${median(b.cpu).toFixed(3)} s → ours ${(median(a.wall) / median(b.wall)).toFixed(2)}x wall, ${(median(a.cpu) / median(b.cpu)).toFixed(2)}x CPU`,
  );
}

const only = process.env.SOURCES_ONLY;
if (only === 'dng') {
  await benchDngPreviews();
  process.exit(0);
}
await benchEmbedded();
await benchDngPreviews();
await benchLevels();
await benchGeneratedRaws();
process.exit(0);

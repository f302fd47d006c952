/**
 * Focus score benchmark (issue 13): `node --import tsx bench/sharpness.ts [N_IMAGES]`.
 *
 * 1. Cost: generate-cache's work (MipmapCache.generateMissing of mip0-mip2 into a fresh disk
 *    cache, concurrency 2) over N 12-megapixel JPEGs, with the focus score and dHash measured
 *    by every job and written to the library with the stacks recomputed (AnalysisRecorder, as
 *    the command runs it), against the same run without; rounds alternate, medians compared.
 *    Goal: at most +10 %.
 * 2. Ranking: the score against blur (Gaussian sigma 0, 0.5, 1, 1.5, 2, 3, 4 at 1024 px) on
 *    the corpus photos and pictures made here, through the real thumbnail pipeline: Spearman's
 *    rank correlation of score and sigma for each photo (-1 is a perfect ranking), and pooled
 *    over all photos; and on a synthetic burst (one scene, small shifts and blurs), whether
 *    the unblurred frame ranks first.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { AnalysisRecorder } from '../src/analysis/recorder.js';
import { MipmapCache } from '../src/cache/mipmap-cache.js';
import { makeThumbnails } from '../src/cache/sources/index.js';
import { subjectFromRecord } from '../src/cache/subject.js';
import { defaultPreferences } from '../src/config/preferences.js';
import { importFolders } from '../src/db/import.js';
import { Library } from '../src/db/library.js';
import { scene } from '../test/analysis/scene.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const N = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 24);
const ROUNDS = 5;
const WORK = path.join(os.tmpdir(), 'termtable-bench-sharpness');
const CORPUS_PHOTOS = path.resolve(here, '../../shared/corpus/photos');
const SIGMAS = [0, 0.5, 1, 1.5, 2, 3, 4];

const log = (line: string) => process.stdout.write(`${line}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number, d = 2) => n.toFixed(d);

/** Sources of pictures: the corpus photos sharp decodes, or made scenes without ../shared. */
async function basePictures(): Promise<{ name: string; png: Buffer }[]> {
  const out: { name: string; png: Buffer }[] = [];
  for (const [i, [w, h]] of ([[1536, 1024], [1024, 1536], [1200, 800]] as const).entries()) {
    out.push({ name: `scene-${i}`, png: await (await scene(w, h, { variant: i * 2 })).png().toBuffer() });
  }
  if (existsSync(CORPUS_PHOTOS)) {
    for (const f of readdirSync(CORPUS_PHOTOS).filter((n) => /\.(jpe?g|png|tiff?|webp|avif)$/i.test(n)).sort()) {
      out.push({ name: f, png: await sharp(path.join(CORPUS_PHOTOS, f)).rotate().resize(1024, 1024, { fit: 'inside' }).png().toBuffer() });
    }
  } else log('(no ../shared/corpus: made pictures only)');
  return out;
}

async function makeSet(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const bases = await basePictures();
  for (let i = 0; i < N; i++) {
    const b = bases[i % bases.length]!;
    await sharp(b.png).resize(4240, 2832, { fit: 'fill' }).jpeg({ quality: 90 }).toFile(path.join(dir, `img-${String(i).padStart(3, '0')}.jpg`));
  }
}

async function costPart(): Promise<void> {
  log(`\n-- generate-cache of mip0-mip2, ${N} x 12 MP JPEGs, concurrency 2: with the focus score vs without --`);
  const photos = path.join(WORK, 'photos');
  if (!existsSync(photos) || readdirSync(photos).length < N) {
    rmSync(photos, { recursive: true, force: true });
    await makeSet(photos);
  }
  const libFile = path.join(WORK, 'lib.db');
  rmSync(libFile, { force: true });
  const lib = Library.open(libFile);
  await importFolders(lib, [photos]);
  const prefs = { ...defaultPreferences(), concurrency: 2 };
  const times: Record<'with' | 'without', number[]> = { with: [], without: [] };
  // CPU seconds of the process (libvips' threads included): on a machine shared with other
  // work the wall clock swings by 2x between rounds, the CPU spent much less.
  const cpu: Record<'with' | 'without', number[]> = { with: [], without: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of round % 2 ? (['with', 'without'] as const) : (['without', 'with'] as const)) {
      const disk = path.join(WORK, `disk-${mode}`);
      rmSync(disk, { recursive: true, force: true });
      lib.connection().exec('UPDATE images SET sharpness = NULL, dhash = NULL, stack_id = NULL');
      const recorder = mode === 'with' ? new AnalysisRecorder(lib, prefs) : undefined;
      const cache = await MipmapCache.open({
        libraryPath: libFile, prefs, diskDir: disk, loadCacheFile: false, saveCacheFile: false,
        ...(recorder ? { makeThumbnails: recorder.maker } : {}),
      });
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const summary = await cache.generateMissing({ subjects: [...lib.iterate()].map(subjectFromRecord), minLevel: 0, maxLevel: 2 });
      recorder?.finish();
      times[mode].push((performance.now() - t0) / 1000);
      const c = process.cpuUsage(c0);
      cpu[mode].push((c.user + c.system) / 1e6);
      await cache.close();
      if (summary.generated !== N) throw new Error(`generated ${summary.generated} of ${N}`);
      if (recorder && recorder.written !== N) throw new Error(`measured ${recorder.written} of ${N}`);
    }
  }
  lib.close();
  const w = median(times.with);
  const wo = median(times.without);
  log(`without the score: ${fmt(wo)} s (median of ${ROUNDS}: ${times.without.map((t) => fmt(t)).join(', ')})`);
  log(`with the score:    ${fmt(w)} s (median of ${ROUNDS}: ${times.with.map((t) => fmt(t)).join(', ')})`);
  const cw = median(cpu.with);
  const cwo = median(cpu.without);
  const pct = (a: number, b: number) => `${a >= b ? '+' : ''}${fmt(((a - b) / b) * 100, 1)} %`;
  log(`CPU without: ${fmt(cwo)} s, with: ${fmt(cw)} s (medians; ${cpu.without.map((t) => fmt(t)).join(', ')} / ${cpu.with.map((t) => fmt(t)).join(', ')})`);
  log(`cost of the score: wall ${pct(w, wo)}, CPU ${pct(cw, cwo)} (goal: at most +10 %) -> ${w <= wo * 1.1 && cw <= cwo * 1.1 ? 'OK' : 'OVER'}`);
}

/** Spearman's rho with average ranks for ties. */
function spearman(xs: number[], ys: number[]): number {
  const rank = (v: number[]) => {
    const order = v.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
    const r = new Array<number>(v.length);
    for (let i = 0; i < order.length; ) {
      let j = i;
      while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
      for (let k = i; k <= j; k++) r[order[k]![1]] = (i + j) / 2 + 1;
      i = j + 1;
    }
    return r;
  };
  const rx = rank(xs);
  const ry = rank(ys);
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const mx = mean(rx);
  const my = mean(ry);
  let num = 0;
  let dx = 0;
  let dy = 0;
  for (let i = 0; i < rx.length; i++) {
    num += (rx[i]! - mx) * (ry[i]! - my);
    dx += (rx[i]! - mx) ** 2;
    dy += (ry[i]! - my) ** 2;
  }
  return num / Math.sqrt(dx * dy);
}

async function scoreOf(file: string): Promise<number> {
  const r = await makeThumbnails({ id: 1, path: file, fileSize: 0, mtime: 0, orientation: 1, rotation: 0 }, {
    levels: [0, 1, 2], sourcePref: 'never', colorManagement: true, monitorProfile: null, analyse: true,
  });
  const a = r.ok ? r.thumbs.find((t) => t.analysis)?.analysis : undefined;
  if (!a) throw new Error(`${file}: not measured`);
  return a.sharpness;
}

async function rankingPart(): Promise<void> {
  log(`\n-- focus score vs blur (sigma ${SIGMAS.join(', ')} at 1024 px), Spearman's rho --`);
  const dir = path.join(WORK, 'blur');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const rhos: number[] = [];
  const pooledScore: number[] = [];
  const pooledSigma: number[] = [];
  for (const b of await basePictures()) {
    const scores: number[] = [];
    for (const sigma of SIGMAS) {
      const file = path.join(dir, `${b.name}-${sigma}.png`);
      await (sigma ? sharp(b.png).blur({ sigma, minAmplitude: 0.01 }) : sharp(b.png)).png().toFile(file);
      scores.push(await scoreOf(file));
    }
    rhos.push(spearman(scores, SIGMAS));
    pooledScore.push(...scores);
    pooledSigma.push(...SIGMAS);
  }
  const perfect = rhos.filter((r) => r <= -0.9999).length;
  log(`photos: ${rhos.length}; per photo rho: mean ${fmt(rhos.reduce((s, r) => s + r, 0) / rhos.length, 3)}, worst ${fmt(Math.max(...rhos), 3)}; perfect ranking (rho = -1) in ${perfect} of ${rhos.length}`);
  log(`pooled over all photos (different scenes compared with each other): rho ${fmt(spearman(pooledScore, pooledSigma), 3)}`);

  // A synthetic burst: one scene, shifted by 0-3 % and blurred by different amounts.
  const frames = [
    { variant: 0, blur: 0 }, { variant: 1, blur: 0.7 }, { variant: 2, blur: 1.2 }, { variant: 1, blur: 1.8 },
    { variant: 3, blur: 2.5 }, { variant: 2, blur: 3.5 },
  ];
  const burst: number[] = [];
  for (const [i, f] of frames.entries()) {
    const file = path.join(dir, `burst-${i}.jpg`);
    await (await scene(1200, 800, f)).jpeg({ quality: 92 }).toFile(file);
    burst.push(await scoreOf(file));
  }
  const best = burst.indexOf(Math.max(...burst));
  log(`synthetic burst of ${frames.length}: scores ${burst.map((s) => fmt(s, 1)).join(', ')}; rho vs blur ${fmt(spearman(burst, frames.map((f) => f.blur)), 3)}; sharpest frame ${best} (${best === 0 ? 'the unblurred one: OK' : 'NOT the unblurred one'})`);
}

mkdirSync(WORK, { recursive: true });
await costPart();
await rankingPart();

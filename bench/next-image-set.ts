/**
 * The photos bench/next-image.ts culls, and the floor it is measured against: 24 MP JPEGs
 * (grainy, so they weigh what a camera's do) and 24 MP DNGs with a full-size embedded preview
 * (../shared/tools/make-raw-set.mjs), each imported into a library of its own; and the same
 * run's plain sharp decode + resize of each file's JPEG (the embedded preview of a raw, the
 * file itself for a JPEG) to the preview's box, from a cold and a warm page cache.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { findEmbeddedPreviews } from '../src/cache/sources/embedded.js';
import { FileReader } from '../src/cache/sources/file-reader.js';

export interface PhotoSet {
  name: 'jpeg' | 'raw';
  dir: string;
  files: string[];
  env: { XDG_DATA_HOME: string; XDG_CACHE_HOME: string; XDG_CONFIG_HOME: string };
}

export interface Floor {
  coldMs: number[];
  warmMs: number[];
}

/**
 * Drops a file's pages from the page cache (`dd iflag=nocache count=0`: posix_fadvise
 * DONTNEED on the whole file; no root, nothing else on the machine is touched).
 */
export function dropPageCache(files: readonly string[]): void {
  for (const f of files) spawnSync('dd', [`if=${f}`, 'iflag=nocache', 'count=0', 'status=none']);
}

/** Every file under dir (the disk cache's thumbnails too). */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

async function grainyJpeg(src: string, out: string, i: number): Promise<void> {
  // A real photo scaled to 6000x4000 under sensor-like noise: q92 keeps it at 8-12 MB.
  const base = await sharp(src).rotate().resize(6000, 4000, { fit: 'cover', position: i % 2 ? 'north' : 'south' }).raw().toBuffer();
  const noise = await sharp({ create: { width: 6000, height: 4000, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 22 } } })
    .raw()
    .toBuffer();
  for (let p = 0; p < base.length; p++) base[p] = Math.max(0, Math.min(255, base[p]! + noise[p]! - 128));
  await sharp(base, { raw: { width: 6000, height: 4000, channels: 3 } }).jpeg({ quality: 92 }).toFile(out);
}

function sources(corpusPhotos: string): string[] {
  return readdirSync(corpusPhotos)
    .filter((f) => /\.jpe?g$/i.test(f) && !/cmyk|crash/i.test(f))
    .sort()
    .map((f) => path.join(corpusPhotos, f));
}

/** Makes (once, kept in work for later runs) and imports both sets. */
export async function prepareSets(work: string, bin: string, count: number, shared: string, log: (s: string) => void): Promise<PhotoSet[]> {
  const photos = path.join(shared, 'corpus/photos');
  const srcs = sources(photos);
  if (srcs.length === 0) throw new Error(`no JPEG photos in ${photos}`);
  const sets: PhotoSet[] = [];
  for (const name of ['jpeg', 'raw'] as const) {
    const dir = path.join(work, name, 'photos');
    const env = {
      XDG_DATA_HOME: path.join(work, name, 'data'),
      XDG_CACHE_HOME: path.join(work, name, 'cache'),
      XDG_CONFIG_HOME: path.join(work, name, 'config'),
    };
    const marker = path.join(work, name, `.ready-${count}`);
    if (!existsSync(marker)) {
      rmSync(path.join(work, name), { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const t0 = Date.now();
      if (name === 'jpeg') {
        for (let i = 0; i < count; i++) await grainyJpeg(srcs[i % srcs.length]!, path.join(dir, `J${String(i).padStart(3, '0')}.jpg`), i);
      } else {
        const tool = path.join(shared, 'tools/make-raw-set.mjs');
        execFileSync(process.execPath, [tool, dir, String(count), '--src', photos, '--preview', 'full', '--preview-tags', 'jif'], { stdio: 'ignore' });
      }
      const r = spawnSync(process.execPath, [bin, 'import', '--json', dir], { env: { ...process.env, ...env }, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`import of ${dir} failed: ${r.stderr}`);
      writeFileSync(marker, r.stdout);
      log(`(made and imported ${count} ${name} files in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${dir})`);
    }
    const files = readdirSync(dir)
      .filter((f) => !f.endsWith('.xmp'))
      .sort()
      .map((f) => path.join(dir, f));
    sets.push({ name, dir, files, env });
  }
  return sets;
}

/** Where each file's JPEG is: the largest embedded preview of a raw, the whole file of a JPEG. */
async function jpegRange(file: string): Promise<{ offset: number; length: number }> {
  if (/\.jpe?g$/i.test(file)) return { offset: 0, length: (await readFile(file)).length };
  const reader = await FileReader.open(file);
  try {
    const scan = await findEmbeddedPreviews(reader, 'raw-tiff');
    const best = scan.previews[0];
    if (!best) throw new Error(`${file}: no embedded preview`);
    return { offset: best.offset, length: best.length };
  } finally {
    await reader.close();
  }
}

async function decodeOnce(file: string, range: { offset: number; length: number }, box: { width: number; height: number }): Promise<number> {
  const t0 = performance.now();
  const fh = await open(file, 'r');
  const buf = Buffer.alloc(range.length);
  try {
    await fh.read(buf, 0, range.length, range.offset);
  } finally {
    await fh.close();
  }
  await sharp(buf).rotate().resize(box.width, box.height, { fit: 'inside' }).raw().toBuffer();
  return performance.now() - t0;
}

/**
 * The floor: read the JPEG's bytes, decode and resize them to the box with sharp (its
 * shrink-on-load included), once from a cold page cache and once warm, for every file.
 */
export async function measureFloor(set: PhotoSet, box: { width: number; height: number }): Promise<Floor> {
  const floor: Floor = { coldMs: [], warmMs: [] };
  for (const file of set.files) {
    const range = await jpegRange(file);
    dropPageCache([file]);
    floor.coldMs.push(await decodeOnce(file, range, box));
    floor.warmMs.push(await decodeOnce(file, range, box));
  }
  return floor;
}

/**
 * Setting up bench/remote.ts: the baseline build (a git worktree at the commit before issue 8's
 * work, built with tsc), a set of photo-like JPEGs, and one library and thumbnail cache per
 * build, imported and warmed with generate-cache so both builds read the same thumbnails from
 * disk and neither makes one while it is measured.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, readdirSync, symlinkSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';

export const BASELINE_COMMIT = 'bd08dff';

function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.status !== 0) throw new Error(`bench remote: ${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${String(r.stderr ?? '').slice(-400)}`);
  return String(r.stdout ?? '');
}

/** A build is a checkout with dist/ compiled; the baseline is made on demand, never committed. */
export function ensureBaseline(repo: string, dir: string): void {
  if (existsSync(path.join(dir, 'dist/cli/main.js'))) return;
  if (!existsSync(dir)) run('git', ['-C', repo, 'worktree', 'add', '--detach', dir, BASELINE_COMMIT]);
  if (!existsSync(path.join(dir, 'node_modules'))) symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'));
  process.stdout.write(`building the baseline (${BASELINE_COMMIT}) in ${dir}\n`);
  run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: dir });
}

/**
 * COUNT grainy 3000×2000 JPEGs from the corpus's photos (cropped differently, so every page
 * looks like photos and no two neighbours are alike), or from noise when the corpus is absent.
 * Ten distinct ones are made per source and copied round-robin: each file still gets its own
 * image id, thumbnail and terminal picture.
 */
export async function makePhotos(dir: string, count: number, corpus: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  if (readdirSync(dir).length >= count) return;
  const photos = existsSync(corpus)
    ? readdirSync(corpus).filter((f) => /\.jpe?g$/i.test(f) && !f.startsWith('cmyk')).map((f) => path.join(corpus, f))
    : [];
  const distinct = Math.min(count, 40);
  const made: string[] = [];
  for (let i = 0; i < distinct; i++) {
    const file = path.join(dir, `P${String(i).padStart(4, '0')}.jpg`);
    const src = photos[i % Math.max(1, photos.length)];
    const base = src
      ? sharp(src).rotate().resize(3000, 2000, { fit: 'cover', position: (['centre', 'north', 'south', 'east', 'west'] as const)[Math.floor(i / Math.max(1, photos.length)) % 5] })
      : sharp({ create: { width: 3000, height: 2000, channels: 3, background: { r: (i * 53) % 255, g: (i * 97) % 255, b: (i * 31) % 255 } } });
    const flat = await base.removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const grain = await sharp({ create: { width: 3000, height: 2000, channels: 3, background: { r: 0, g: 0, b: 0 }, noise: { type: 'gaussian', mean: 0, sigma: 6 } } }).raw().toBuffer();
    const px = flat.data;
    for (let j = 0; j < px.length; j++) px[j] = Math.max(0, Math.min(255, px[j]! + grain[j]! - 3));
    await sharp(px, { raw: { width: 3000, height: 2000, channels: 3 } }).jpeg({ quality: 90 }).toFile(file);
    made.push(file);
  }
  for (let i = distinct; i < count; i++) await copyFile(made[i % distinct]!, path.join(dir, `P${String(i).padStart(4, '0')}.jpg`));
}

export interface BuildEnv {
  name: 'new' | 'baseline';
  dir: string;
  env: Record<string, string>;
}

/** Imports DIR into the build's own library and makes every grid thumbnail on disk. */
export function prepareLibrary(build: BuildEnv, photos: string): void {
  for (const d of Object.values(build.env)) spawnSync('mkdir', ['-p', d]);
  const opts = { env: { ...process.env, ...build.env } };
  const bin = path.join(build.dir, 'bin/termtable.js');
  run(process.execPath, [bin, 'import', photos, '--json'], opts);
  run(process.execPath, [bin, 'generate-cache', '--max-mip', '3', '--json'], opts);
}

export function buildEnv(name: BuildEnv['name'], dir: string, work: string): BuildEnv {
  const root = path.join(work, name);
  return {
    name,
    dir,
    env: {
      XDG_DATA_HOME: path.join(root, 'data'),
      XDG_CACHE_HOME: path.join(root, 'cache'),
      XDG_CONFIG_HOME: path.join(root, 'config'),
    },
  };
}

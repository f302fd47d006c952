/**
 * Libraries of photo-like JPEGs for the whole-process lighttable benchmarks: DISTINCT
 * 1500x1000 images (noise over a colour, blurred, quality 90) copied under new names up to
 * `count`, imported by the binary under test without thumbnails. Kept between runs (a marker
 * file names the count), so only the first run pays for them.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

const DISTINCT = 60;

export async function makePhotoLibrary(opts: {
  work: string;
  library: string;
  count: number;
  bin: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}): Promise<void> {
  const { work, library, count, bin, env, log } = opts;
  const marker = path.join(work, `.imported-${count}`);
  if (existsSync(marker)) return;
  rmSync(work, { recursive: true, force: true });
  const photos = path.join(work, 'photos');
  mkdirSync(photos, { recursive: true });
  log(`(making ${count} images in ${work}; kept for later runs)`);
  const sources: string[] = [];
  for (let i = 0; i < DISTINCT; i++) {
    const file = path.join(photos, `img-${String(i).padStart(5, '0')}.jpg`);
    const hue = (i * 47) % 360;
    const background = { r: Math.round(Math.abs(Math.sin(hue)) * 255), g: Math.round(Math.abs(Math.cos(hue)) * 255), b: Math.round((hue / 360) * 255) };
    await sharp({ create: { width: 1500, height: 1000, channels: 3, background, noise: { type: 'gaussian', mean: 110, sigma: 45 } } })
      .blur(1.5)
      .jpeg({ quality: 90 })
      .toFile(file);
    sources.push(file);
  }
  for (let i = DISTINCT; i < count; i++) copyFileSync(sources[i % DISTINCT]!, path.join(photos, `img-${String(i).padStart(5, '0')}.jpg`));
  const r = spawnSync(process.execPath, [bin, '--library', library, 'import', '--json', '--no-thumbnails', photos], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`import failed: ${r.stderr}`);
  writeFileSync(marker, r.stdout);
}

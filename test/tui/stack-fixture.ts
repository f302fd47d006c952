import { mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { analysePixels } from '../../src/analysis/analyse.js';
import { importFolders } from '../../src/db/import.js';
import { recordAnalyses } from '../../src/db/library-analysis.js';
import { Library } from '../../src/db/library.js';
import { restackFilmRolls } from '../../src/db/stacks.js';

/**
 * A shoot with one burst: three frames of one scene a second apart (b1 slightly blurred, b2
 * sharp, b3 more blurred), then two different scenes minutes later. Made with sharp, capture
 * times in EXIF, imported into a real library, measured by the focus score and dHash from
 * the files' own pixels and stacked by the library (src/db/stacks.ts).
 */
export async function makeBurstShoot(): Promise<{ root: string; photos: string; library: Library }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'termtable-stacks-'));
  const photos = path.join(root, 'photos');
  await mkdir(photos, { recursive: true });
  const scene = await texturedScene(600, 400, 1);
  const other = await texturedScene(600, 400, 2);
  const frames: [string, Buffer, number, string][] = [
    ['b1.jpg', scene, 1.5, '2024:05:01 10:00:00'],
    ['b2.jpg', scene, 0, '2024:05:01 10:00:01'],
    ['b3.jpg', scene, 3, '2024:05:01 10:00:02'],
    ['c1.jpg', other, 0, '2024:05:01 10:05:00'],
    ['d1.jpg', await texturedScene(600, 400, 3), 0, '2024:05:01 11:00:00'],
  ];
  for (const [name, png, sigma, at] of frames) {
    let img = sharp(png);
    if (sigma > 0) img = img.blur(sigma);
    await img.jpeg({ quality: 92 }).withExif({ IFD2: { DateTimeOriginal: at } }).toFile(path.join(photos, name));
  }
  const library = Library.open(path.join(root, 'data', 'library.db'));
  await importFolders(library, [photos]);
  const recs = library.page({ sort: 'name' }, 0, 100);
  const writes = [];
  for (const r of recs) {
    const { data, info } = await sharp(r.path).resize(512).raw().toBuffer({ resolveWithObject: true });
    writes.push({ id: r.id, fileSize: r.fileSize, mtime: r.mtime, analysis: await analysePixels(data, { width: info.width, height: info.height, channels: info.channels as 3 }) });
  }
  recordAnalyses(library, writes);
  restackFilmRolls(library);
  return { root, photos, library };
}

/** Blocks of colour with fine stripes in them: detail for the focus score, a layout for the dHash. */
async function texturedScene(width: number, height: number, seed: number): Promise<Buffer> {
  const px = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const block = (Math.floor(x / (120 + seed * 40)) + Math.floor(y / (100 + seed * 30)) * seed) % 3;
      const stripe = (x + y * seed) % 6 < 3 ? 60 : 0;
      const i = (y * width + x) * 3;
      px[i] = block === 0 ? 200 - stripe : 40 + stripe;
      px[i + 1] = block === 1 ? 190 - stripe : 50 + stripe;
      px[i + 2] = block === 2 ? 180 - stripe : 60 + stripe;
    }
  }
  return sharp(px, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

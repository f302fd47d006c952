/**
 * `npm run demo`: a small sample collection in a temporary folder, opened in the lighttable.
 * Photos are synthesised with sharp (gradients in varied colours, two portraits, one stored
 * sideways with EXIF orientation 6, camera EXIF on most), plus one corrupt file and one file
 * deleted after import, so a newcomer sees thumbnails, skulls and culling with one command.
 * Everything (library, cache, preferences) lives in the temporary folder.
 */
import { mkdir, mkdtemp, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

interface Sample {
  name: string;
  width: number;
  height: number;
  from: [number, number, number];
  to: [number, number, number];
  orientation?: number;
  camera?: { make: string; model: string; exposure: string; f: string; iso: string; focal: string; date: string };
}

/** A diagonal gradient with a bright disc, so thumbnails are recognisable and orientation visible. */
function gradient(s: Sample): Buffer {
  const px = Buffer.alloc(s.width * s.height * 3);
  const cx = s.width * 0.3;
  const cy = s.height * 0.35;
  const r2 = (Math.min(s.width, s.height) * 0.18) ** 2;
  for (let y = 0; y < s.height; y++) {
    for (let x = 0; x < s.width; x++) {
      const t = (x / s.width + y / s.height) / 2;
      const i = (y * s.width + x) * 3;
      const inDisc = (x - cx) ** 2 + (y - cy) ** 2 < r2;
      for (let c = 0; c < 3; c++) {
        const v = s.from[c]! + (s.to[c]! - s.from[c]!) * t;
        px[i + c] = inDisc ? Math.min(255, v + 110) : v;
      }
    }
  }
  return px;
}

const CAMERAS = [
  { make: 'Fujifilm', model: 'X-T4', exposure: '1/250', f: '28/10', iso: '200', focal: '35/1', date: '2025:06:21 05:12:00' },
  { make: 'Canon', model: 'EOS R6', exposure: '1/60', f: '4/1', iso: '1600', focal: '24/1', date: '2025:06:21 21:40:10' },
  { make: 'Nikon', model: 'Z 6II', exposure: '2/1', f: '8/1', iso: '100', focal: '14/1', date: '2025:06:22 23:02:45' },
];

function samples(): Sample[] {
  const palette: [number, number, number][] = [
    [200, 40, 30], [240, 170, 20], [30, 150, 60], [20, 90, 200], [140, 40, 170],
    [10, 10, 40], [250, 120, 90], [60, 200, 200], [120, 120, 120], [230, 230, 200],
  ];
  return palette.flatMap((from, i) => {
    const to = palette[(i + 3) % palette.length]!;
    const portrait = i === 2 || i === 7;
    const s: Sample = {
      name: `iceland-${String(i + 1).padStart(2, '0')}.jpg`,
      width: portrait ? 400 : 600,
      height: portrait ? 600 : 400,
      from,
      to,
      ...(i % 4 !== 3 ? { camera: CAMERAS[i % CAMERAS.length]! } : {}),
    };
    // Stored sideways (portrait pixels of a landscape scene), upright only once orientation 6 is applied.
    if (i === 5) Object.assign(s, { width: 400, height: 600, orientation: 6 });
    return [s];
  });
}

async function writeSample(dir: string, s: Sample): Promise<void> {
  let img = sharp(gradient(s), { raw: { width: s.width, height: s.height, channels: 3 } });
  if (s.camera) {
    img = img.withExif({
      IFD0: { Make: s.camera.make, Model: s.camera.model },
      IFD2: {
        ExposureTime: s.camera.exposure,
        FNumber: s.camera.f,
        ISOSpeedRatings: s.camera.iso,
        FocalLength: s.camera.focal,
        DateTimeOriginal: s.camera.date,
      },
    });
  }
  // sharp writes Orientation itself (an IFD0 Orientation given to withExif is overridden).
  if (s.orientation) img = img.withMetadata({ orientation: s.orientation });
  await img.jpeg({ quality: 85 }).toFile(path.join(dir, s.name));
}

async function main(): Promise<number> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'termtable-demo-'));
  // The demo never touches the user's own library, cache or preferences.
  process.env.XDG_DATA_HOME = path.join(root, 'data');
  process.env.XDG_CACHE_HOME = path.join(root, 'cache');
  process.env.XDG_CONFIG_HOME = path.join(root, 'config');
  const photos = path.join(root, 'iceland-2025');
  await mkdir(photos, { recursive: true });
  for (const s of samples()) await writeSample(photos, s);
  await writeFile(path.join(photos, 'corrupt-card-read.jpg'), Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 0x42)]));
  const doomed = path.join(photos, 'deleted-after-import.jpg');
  await writeSample(photos, { name: 'deleted-after-import.jpg', width: 600, height: 400, from: [90, 60, 30], to: [20, 20, 20] });

  const { Library } = await import('../src/db/library.js');
  const { importFolders } = await import('../src/db/import.js');
  const { defaultLibraryPath } = await import('../src/config/paths.js');
  const lib = Library.open(defaultLibraryPath());
  const summary = await importFolders(lib, [photos]);
  lib.close();
  await unlink(doomed);
  process.stderr.write(`demo collection: ${photos} (${summary.imported} images; one corrupt, one deleted after import)\n`);

  const { main: cli } = await import('../src/cli/main.js');
  return cli([process.execPath, 'termtable', '--no-import', ...process.argv.slice(2)]);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);

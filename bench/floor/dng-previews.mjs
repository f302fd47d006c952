// The floor for importing DNGs with embedded previews: a plain script that finds each file's
// preview (IFD0 and its SubIFDs, the largest JPEG-compressed preview strip), decodes it once
// with sharp and writes 512-, 256- and 128-px JPEGs, two files in flight.
// Usage: node bench/floor/dng-previews.mjs OUTDIR FILE...
// bench/sources.ts imports findPreview and threeSizes to run the same steps in-process.
import { mkdirSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';

export async function findPreview(fh) {
  const head = Buffer.alloc(8);
  await fh.read(head, 0, 8, 0);
  const le = head.toString('latin1', 0, 2) === 'II';
  const u16 = (b, o) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (b, o) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const best = { length: 0, offset: 0 };
  const queue = [u32(head, 4)];
  while (queue.length) {
    const at = queue.shift();
    const countBuf = Buffer.alloc(2);
    await fh.read(countBuf, 0, 2, at);
    const n = u16(countBuf, 0);
    const ifd = Buffer.alloc(n * 12);
    await fh.read(ifd, 0, n * 12, at + 2);
    const tags = new Map();
    for (let i = 0; i < n; i++) {
      const tag = u16(ifd, i * 12);
      const count = u32(ifd, i * 12 + 4);
      tags.set(tag, { count, value: u32(ifd, i * 12 + 8), short: u16(ifd, i * 12 + 8) });
    }
    const sub = tags.get(330);
    if (sub) {
      if (sub.count === 1) queue.push(sub.value);
      else {
        const offs = Buffer.alloc(sub.count * 4);
        await fh.read(offs, 0, offs.length, sub.value);
        for (let i = 0; i < sub.count; i++) queue.push(u32(offs, i * 4));
      }
    }
    const compression = tags.get(259)?.short;
    const preview = tags.get(254)?.value === 1;
    const strip = tags.get(273);
    const bytes = tags.get(279);
    if (preview && (compression === 7 || compression === 6) && strip?.count === 1 && bytes && bytes.value > best.length) {
      best.offset = strip.value;
      best.length = bytes.value;
    }
  }
  if (!best.length) throw new Error('no preview');
  const jpeg = Buffer.alloc(best.length);
  await fh.read(jpeg, 0, best.length, best.offset);
  return jpeg;
}

/** The preview's 512-, 256- and 128-px JPEGs, from one decode. */
export async function threeSizes(jpeg) {
  const { data, info } = await sharp(jpeg).resize(512, 512, { fit: 'inside' }).raw().toBuffer({ resolveWithObject: true });
  const raw = { width: info.width, height: info.height, channels: info.channels };
  const out = [];
  for (const size of [512, 256, 128]) out.push(await sharp(data, { raw }).resize(size, size, { fit: 'inside' }).jpeg({ quality: 85 }).toBuffer());
  return out;
}

/** One file's preview found and its three sizes made. */
export async function previewSizes(file) {
  const fh = await open(file, 'r');
  let jpeg;
  try {
    jpeg = await findPreview(fh);
  } finally {
    await fh.close();
  }
  return threeSizes(jpeg);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [out, ...files] = process.argv.slice(2);
  mkdirSync(out, { recursive: true });
  let next = 0;
  await Promise.all([0, 1].map(async () => {
    while (next < files.length) {
      const file = files[next++];
      const sizes = await previewSizes(file);
      const base = path.join(out, path.basename(file));
      [512, 256, 128].forEach((size, i) => writeFileSync(`${base}.${size}.jpg`, sizes[i]));
    }
  }));
}

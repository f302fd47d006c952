/**
 * Terminal graphics figures: bytes per page of a 6×4 grid for each protocol, the kitty id-reuse
 * saving when a page is revisited, encode time per thumbnail, and peers measured in the same run:
 * ImageMagick's sixel writer, and terminal-image@4.3 when it can be imported (it is not a
 * dependency: install it anywhere and point TERMINAL_IMAGE_DIR at its package folder).
 * Run: node --import tsx bench/render.ts
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { testCaps } from '../src/render/caps.js';
import { halfBlockLines } from '../src/render/encoders/half-block.js';
import { Painter } from '../src/render/painter.js';
import { createRenderer } from '../src/render/renderer.js';
import type { CellBox, ImageInput, Placement, RenderedImage, TerminalCaps } from '../src/render/types.js';
import { CORPUS_DIR } from '../test/helpers/corpus.js';

const CELL = { width: 9, height: 18 }; // kitty's measured cell here
const BOX: CellBox = { cols: 24, rows: 10 }; // a 6×4 grid fills ~160×48 cells
const GRID_COLS = 6;
const PAGE = 24;

const fmtBytes = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} MB` : `${(n / 1e3).toFixed(1)} kB`);
const now = () => performance.now();

/** 48 mip2-sized (512 px) thumbnails from the corpus photos: two pages. */
async function makeThumbs(): Promise<ImageInput[]> {
  const dir = path.join(CORPUS_DIR, 'photos');
  const files = readdirSync(dir).filter((f) => /\.(jpe?g|tif|webp|png)$/i.test(f)).sort();
  const out: ImageInput[] = [];
  for (let i = 0; out.length < PAGE * 2; i += 1) {
    const file = path.join(dir, files[i % files.length]!);
    const flip = Math.floor(i / files.length) % 2 === 1;
    let img = sharp(file).rotate().resize(512, 512, { fit: 'inside' });
    if (flip) img = img.flop();
    const { data, info } = await img.jpeg({ quality: 85 }).toBuffer({ resolveWithObject: true });
    out.push({ key: `t${out.length}`, data, width: info.width, height: info.height });
  }
  return out;
}

function placements(images: RenderedImage[]): Placement[] {
  return images.map((image, i) => ({
    key: `slot${i}`,
    rect: { col: (i % GRID_COLS) * (BOX.cols + 2), row: Math.floor(i / GRID_COLS) * (BOX.rows + 2), ...BOX },
    image,
  }));
}

/** Bytes that reach the terminal to show a page: painter output plus in-tree text. */
function pageBytes(painter: Painter, images: RenderedImage[]): number {
  const { before, after } = painter.frame(placements(images));
  const text = images.reduce((n, img) => n + (img.lines ? Buffer.byteLength(img.lines.join('\n')) : 0), 0);
  return Buffer.byteLength(before) + Buffer.byteLength(after) + text;
}

interface Row {
  name: string;
  msPerThumb: number;
  page: number;
  revisit: number;
}

async function measure(name: string, caps: TerminalCaps, thumbs: ImageInput[]): Promise<Row> {
  // Warm-up (sharp, the sixel worker's first call) on one picture, in a throwaway renderer.
  const warm = createRenderer(caps);
  await warm.render(thumbs[0]!, BOX);
  await warm.close();

  const renderer = createRenderer(caps);
  const page1 = thumbs.slice(0, PAGE);
  const page2 = thumbs.slice(PAGE, PAGE * 2);
  const t0 = now();
  const enc1: RenderedImage[] = [];
  for (const t of page1) enc1.push(await renderer.render(t, BOX));
  const msPerThumb = (now() - t0) / page1.length;
  const enc2 = await Promise.all(page2.map((t) => renderer.render(t, BOX)));
  const painter = renderer.painter;
  const page = pageBytes(painter, enc1);
  pageBytes(painter, enc2);
  // Revisit page 1: cached encodings; kitty sends placements by id only.
  const again = await Promise.all(page1.map((t) => renderer.render(t, BOX)));
  const revisit = pageBytes(painter, again);
  await renderer.close();
  return { name, msPerThumb, page, revisit };
}

/** ImageMagick writing sixel for the same thumbnails at the same pixel size. */
function magickSixel(thumbs: ImageInput[]): { msPerThumb: number; page: number } | null {
  const probe = spawnSync('convert', ['-version'], { encoding: 'utf8' });
  if (probe.status !== 0) return null;
  const dir = os.tmpdir();
  let bytes = 0;
  let ms = 0;
  for (const [i, t] of thumbs.slice(0, PAGE).entries()) {
    const file = path.join(dir, `termtable-bench-${process.pid}-${i}.jpg`);
    writeFileSync(file, t.data);
    const w = BOX.cols * CELL.width;
    const h = BOX.rows * CELL.height;
    const t0 = now();
    const out = execFileSync('convert', [file, '-resize', `${w}x${h}`, 'sixel:-'], { maxBuffer: 64 << 20 });
    ms += now() - t0;
    bytes += out.length;
  }
  return { msPerThumb: ms / PAGE, page: bytes };
}

type TerminalImage = { buffer(b: Buffer, o: { width: number; height: number; preserveAspectRatio?: boolean }): Promise<string> };

async function loadTerminalImage(): Promise<TerminalImage | null> {
  process.env.FORCE_COLOR = '3';
  const dir = process.env.TERMINAL_IMAGE_DIR;
  try {
    const mod = dir
      ? await import(pathToFileURL(path.join(dir, 'index.js')).href)
      : await import('terminal-image' as string);
    return (mod.default ?? mod) as TerminalImage;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  console.log(`render bench: ${PAGE} thumbnails (512 px JPEG) per page, box ${BOX.cols}x${BOX.rows} cells, cell ${CELL.width}x${CELL.height} px`);
  const thumbs = await makeThumbs();
  const base = { cellPx: CELL, cellPxMeasured: true, truecolor: true };
  const rows: Row[] = [];
  rows.push(await measure('kitty (direct, by id)', testCaps('kitty', base), thumbs));
  rows.push(await measure('kitty (Unicode placeholders)', testCaps('kitty', { ...base, kittyPlaceholders: true }), thumbs));
  rows.push(await measure('sixel (worker)', testCaps('sixel', base), thumbs));
  rows.push(await measure('iTerm2', testCaps('iterm2', base), thumbs));
  rows.push(await measure('half-blocks 24-bit', testCaps('blocks', base), thumbs));
  rows.push(await measure('half-blocks 256', testCaps('blocks', { ...base, truecolor: false }), thumbs));

  console.log('\nprotocol                       encode/thumb   bytes/page   revisit bytes   revisit/first');
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(30)} ${`${r.msPerThumb.toFixed(1)} ms`.padStart(12)} ${fmtBytes(r.page).padStart(12)} ${fmtBytes(r.revisit).padStart(15)} ${(r.revisit / r.page).toFixed(3).padStart(15)}`,
    );
  }
  const kitty = rows[0]!;
  console.log(`\nkitty id reuse: revisiting a page sends ${fmtBytes(kitty.revisit)} instead of ${fmtBytes(kitty.page)} (${(kitty.page / Math.max(1, kitty.revisit)).toFixed(0)}x fewer bytes)`);

  const sixel = rows[2]!;
  const magick = magickSixel(thumbs);
  if (magick) {
    console.log(
      `peer ImageMagick sixel: ${magick.msPerThumb.toFixed(1)} ms/thumb (process per image), ${fmtBytes(magick.page)}/page; ours ${sixel.msPerThumb.toFixed(1)} ms, ${fmtBytes(sixel.page)} → time ratio ours/peer ${(sixel.msPerThumb / magick.msPerThumb).toFixed(2)}, bytes ratio ${(sixel.page / magick.page).toFixed(2)}`,
    );
  } else console.log('peer ImageMagick sixel: convert not found, skipped');

  const ti = await loadTerminalImage();
  if (!ti) {
    console.log('peer terminal-image: not importable (set TERMINAL_IMAGE_DIR to its package folder), skipped');
    return;
  }
  // Thumbnails (512 px) to half-blocks at the same box.
  let tiMs = 0;
  let tiBytes = 0;
  for (const t of thumbs.slice(0, PAGE)) {
    const t0 = now();
    const s = await ti.buffer(t.data, { width: BOX.cols, height: BOX.rows });
    tiMs += now() - t0;
    tiBytes += Buffer.byteLength(s);
  }
  const blocks = rows[4]!;
  console.log(
    `peer terminal-image half-blocks (thumbnails): ${(tiMs / PAGE).toFixed(1)} ms/thumb, ${fmtBytes(tiBytes)}/page; ours ${blocks.msPerThumb.toFixed(1)} ms, ${fmtBytes(blocks.page)} → time ratio ours/peer ${(blocks.msPerThumb / (tiMs / PAGE)).toFixed(2)}`,
  );
  // A full camera file, as terminal-image would be used without a cache.
  const big = path.join(CORPUS_DIR, 'photos', 'nikon-d70.jpg');
  const bigData = await sharp(big).toBuffer();
  let t0 = now();
  await ti.buffer(bigData, { width: BOX.cols, height: BOX.rows });
  const tiBig = now() - t0;
  t0 = now();
  const { data, info } = await sharp(bigData).resize(BOX.cols, BOX.rows * 2, { fit: 'inside' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  halfBlockLines(data, info.width, info.height, info.channels, 24);
  const oursBig = now() - t0;
  console.log(
    `peer terminal-image on a 6 MP camera JPEG (3008x2000): ${tiBig.toFixed(0)} ms; sharp + our half-blocks ${oursBig.toFixed(0)} ms → ${(tiBig / oursBig).toFixed(0)}x slower`,
  );
}

await main();

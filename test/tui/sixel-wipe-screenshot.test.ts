import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NEEDS_SHARED, sharedTool } from '../helpers/corpus.js';
import { run as runAsync } from '../helpers/run.js';
import { shotLibrary } from '../helpers/shot-library.js';

/**
 * Sixel pixels stay on screen until something is written over them. In xterm (term-shot, under
 * Xvfb), a 4:3 photo, magenta with one green detail, in the full preview at 140×40, whose box
 * is wider than the 1000 pixels xterm draws of a sixel: the loupe (z) must be centred with
 * nothing of the fit picture around it, z again must leave the fit picture alone, and a
 * rotation (]) a portrait picture alone. The screenshot's magenta region is what is looked
 * at: with what an earlier picture left beside it, it has neither shape.
 */
const TERM_SHOT = sharedTool('term-shot');
const haveXterm = spawnSync('which', ['xterm']).status === 0;
const COLS = 140;
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'termtable-sixel-wipe-'));
  const photos = path.join(root, 'photos');
  await mkdir(photos, { recursive: true });
  const square = await sharp({ create: { width: 40, height: 40, channels: 3, background: '#00e000' } }).png().toBuffer();
  await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#c000c0' } })
    .composite([{ input: square, left: 1740, top: 1240 }])
    .jpeg({ quality: 95 })
    .toFile(path.join(photos, 'magenta.jpg'));
  await shotLibrary(root, photos);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
});

interface Region {
  left: number;
  top: number;
  width: number;
  height: number;
  screenWidth: number;
}

/**
 * The bounding box of the first band of rows from the top holding magenta pixels: the preview's
 * picture and anything left beside it (the filmstrip's thumbnail below is a band of its own).
 */
async function magentaRegion(png: string): Promise<Region> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const magenta = (x: number, y: number) => {
    const i = (y * info.width + x) * 3;
    return data[i]! > 140 && data[i + 2]! > 140 && data[i + 1]! < 80;
  };
  let top = -1, bottom = -1, minX = Infinity, maxX = -1;
  for (let y = 0; y < info.height; y++) {
    let any = false;
    for (let x = 0; x < info.width; x++) {
      if (!magenta(x, y)) continue;
      any = true;
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
    }
    if (any && top < 0) top = y;
    if (any) bottom = y;
    else if (top >= 0) break;
  }
  return { left: minX, top, width: maxX - minX + 1, height: bottom - top + 1, screenWidth: info.width };
}

async function shot(name: string, keys: string): Promise<Region> {
  const out = path.join(root, `${name}.png`);
  const run = await runAsync(
    TERM_SHOT!,
    ['--term', 'xterm-sixel', '--cols', String(COLS), '--rows', '40', '--wait', '12', '--key-delay', '500', '--keys', keys, '--settle', '12', '-o', out, '--', path.join(root, 'run.sh')],
    { timeout: 150_000 },
  );
  expect(run.status, run.stderr).toBe(0);
  return magentaRegion(out);
}

describe.skipIf(TERM_SHOT !== undefined && !haveXterm)('sixel pictures replaced in the same place, in xterm', () => {
  beforeEach((ctx) => {
    if (TERM_SHOT === undefined) ctx.skip(NEEDS_SHARED);
  });

  it('z past xterm’s 1000-pixel limit: the loupe picture is centred and nothing of the fit picture is left around it', async () => {
    const r = await shot('zoomed', 'w z');
    const cell = r.screenWidth / COLS;
    expect(r.width, JSON.stringify(r)).toBeLessThanOrEqual(1001);
    // Centred: as much screen to its left as to its right, within a cell.
    expect(Math.abs(r.left - (r.screenWidth - r.left - r.width)), JSON.stringify(r)).toBeLessThanOrEqual(cell + 1);
    // The box's shape (140 cells wide, under 30 rows: wider than 2:1), not the 4:3 fit sticking out above and below.
    expect(r.width / r.height, JSON.stringify(r)).toBeGreaterThan(1.9);
  }, 240_000);

  it('z twice: back at fit, only the 4:3 picture is on screen', async () => {
    const r = await shot('fit-again', 'w z z');
    expect(Math.abs(r.width / r.height - 4 / 3), JSON.stringify(r)).toBeLessThan(0.04);
  }, 240_000);

  it('] in the preview: the rotated picture (3:4) alone, nothing of the landscape one beside it', async () => {
    const r = await shot('rotated', 'w bracketright');
    expect(Math.abs(r.width / r.height - 3 / 4), JSON.stringify(r)).toBeLessThan(0.04);
  }, 240_000);
});

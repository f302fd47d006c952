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
 * The loupe in real terminals under Xvfb (term-shot): a 12 MP photo, grey with a 40×40-pixel
 * green square, its only detail (so its sharpest tile), opened in the full preview and zoomed with `z`. At 100 % the
 * square must cover 40×40 pixels of the screenshot, in the middle of the picture's box: one
 * image pixel per screen pixel, whatever cell size the terminal has (at fit it covers 6×6 in kitty).
 * The photo is imported (thumbnails and focus score made) before the terminal starts, so the
 * fixed waits of term-shot cover only the launch and the loupe's decode, also on a loaded machine.
 */
const TERM_SHOT = sharedTool('term-shot');
const have = (bin: string) => spawnSync('which', [bin]).status === 0;
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'termtable-loupe-shot-'));
  const photos = path.join(root, 'photos');
  await mkdir(photos, { recursive: true });
  const square = await sharp({ create: { width: 40, height: 40, channels: 3, background: '#00e000' } }).png().toBuffer();
  await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#808080' } })
    // Inside one tile of the focus score (8 on the long edge), at the centre that tile reports
    // (0.44, 0.42): z opens on the sharpest tile (issue 13), so the square is where z looks.
    .composite([{ input: square, left: 1740, top: 1240 }])
    .jpeg({ quality: 95 })
    .toFile(path.join(photos, 'target.jpg'));
  // xdotool holds each key half the key delay: over X's autorepeat delay (660 ms) a key repeats,
  // and a doubled z zooms in and straight out again. Hence a short --key-delay below.
  await shotLibrary(root, photos);
});

afterAll(async () => {
  // The app in the emulator may still be saving its cache as its window closes (ENOTEMPTY in a
  // CI run at load 11): rm tries again.
  await rm(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
});

/** The bounding box of the screenshot's green pixels. */
async function greenBox(png: string): Promise<{ left: number; top: number; width: number; height: number; imageWidth: number }> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let minX = Infinity, minY = Infinity, maxX = -1, maxY = -1;
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      const i = (y * info.width + x) * 3;
      if (data[i + 1]! > 150 && data[i]! < 90 && data[i + 2]! < 90) {
        minX = Math.min(minX, x);
        maxX = Math.max(maxX, x);
        minY = Math.min(minY, y);
        maxY = Math.max(maxY, y);
      }
    }
  }
  return { left: minX, top: minY, width: maxX - minX + 1, height: maxY - minY + 1, imageWidth: info.width };
}

for (const term of ['kitty', 'xterm-sixel'] as const) {
  describe.skipIf(TERM_SHOT !== undefined && !have(term === 'kitty' ? 'kitty' : 'xterm'))(`loupe screenshot in ${term}`, () => {
    beforeEach((ctx) => {
      if (TERM_SHOT === undefined) ctx.skip(NEEDS_SHARED);
    });
    it('z: a 40×40-pixel detail covers 40×40 screen pixels', async () => {
      const out = path.join(root, `${term}.png`);
      const run = await runAsync(
        TERM_SHOT!,
        ['--term', term, '--cols', '100', '--rows', '30', '--wait', '12', '--key-delay', '500', '--keys', 'w z', '--settle', '12', '-o', out, '--', path.join(root, 'run.sh')],
        { timeout: 150_000 },
      );
      expect(run.status, run.stderr).toBe(0);
      const g = await greenBox(out);
      // JPEG edges and the terminal's own scaling of nothing: a pixel either way at most.
      expect(Math.abs(g.width - 40), `green ${g.width}x${g.height} at ${g.left},${g.top}`).toBeLessThanOrEqual(2);
      expect(Math.abs(g.height - 40), `green ${g.width}x${g.height}`).toBeLessThanOrEqual(2);
    }, 240_000);
  });
}

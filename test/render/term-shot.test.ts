/**
 * `termtable show` in real terminal emulators (Xvfb + xterm/kitty/mlterm, optionally tmux) via
 * shared/tools/term-shot, checked on the screenshot's pixels: the picture's region has the
 * photo's colours, the skull's region has text.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { beforeEach, describe, expect, it } from 'vitest';
import { BIN, REPO_ROOT, sharedTool, skipWithoutTool } from '../helpers/corpus.js';
import { colourDistance, quadrantJpeg, QUADRANTS, tempDir } from './helpers.js';

const TERM_SHOT = sharedTool('term-shot') ?? 'term-shot';

function termShot(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile(TERM_SHOT, args, { timeout: 90_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as NodeJS.ErrnoException & { code?: number }).code as unknown as number) ?? 1 : 0, output: `${stdout}${stderr}` }),
    );
  });
}

interface Shot {
  width: number;
  height: number;
  channels: number;
  data: Buffer;
}

async function load(file: string): Promise<Shot> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: info.channels, data };
}

function pixel(s: Shot, x: number, y: number): [number, number, number] {
  const i = (y * s.width + x) * s.channels;
  return [s.data[i]!, s.data[i + 1]!, s.data[i + 2]!];
}

/** Bounding box of the pixels close to any of the photo's four colours. */
function pictureBox(s: Shot) {
  let left = s.width;
  let top = s.height;
  let right = -1;
  let bottom = -1;
  let count = 0;
  for (let y = 0; y < s.height; y += 1) {
    for (let x = 0; x < s.width; x += 1) {
      const p = pixel(s, x, y);
      if (QUADRANTS.some((q) => colourDistance(p, q) < 40)) {
        count += 1;
        left = Math.min(left, x);
        right = Math.max(right, x);
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
      }
    }
  }
  return { left, top, right, bottom, count };
}

function meanColour(s: Shot, x0: number, y0: number, x1: number, y1: number): number[] {
  const sum = [0, 0, 0];
  let n = 0;
  for (let y = Math.floor(y0); y < y1; y += 1) {
    for (let x = Math.floor(x0); x < x1; x += 1) {
      const p = pixel(s, x, y);
      sum[0]! += p[0];
      sum[1]! += p[1];
      sum[2]! += p[2];
      n += 1;
    }
  }
  return sum.map((v) => v / Math.max(1, n));
}

async function checkShot(file: string): Promise<void> {
  const shot = await load(file);
  const box = pictureBox(shot);
  const w = box.right - box.left + 1;
  const h = box.bottom - box.top + 1;
  // The picture is there, big enough, with the photo's 3:2 shape.
  expect(box.count).toBeGreaterThan(5000);
  expect(w / h).toBeGreaterThan(1.2);
  expect(w / h).toBeLessThan(1.8);
  // Each quadrant's mean colour (inner half, away from the seams) matches the photo's.
  const cells = [
    [0, 0],
    [1, 0],
    [0, 1],
    [1, 1],
  ] as const;
  cells.forEach(([cx, cy], q) => {
    const x0 = box.left + (cx * w) / 2 + w / 8;
    const y0 = box.top + (cy * h) / 2 + h / 8;
    const mean = meanColour(shot, x0, y0, x0 + w / 4, y0 + h / 4);
    expect(colourDistance(mean, QUADRANTS[q]!), `quadrant ${q} of ${path.basename(file)}`).toBeLessThan(45);
  });
  // The skull sits to the right of the picture, same rows: its text differs from the background.
  const bg = pixel(shot, shot.width - 2, shot.height - 2);
  let text = 0;
  for (let y = box.top; y <= box.bottom + h / 3 && y < shot.height; y += 1) {
    for (let x = box.right + 4; x < Math.min(shot.width, box.right + w * 1.2); x += 1) {
      if (colourDistance(pixel(shot, x, y), bg) > 100) text += 1;
    }
  }
  expect(text, `skull text pixels in ${path.basename(file)}`).toBeGreaterThan(300);
}

/** Red pixels (the photo's top-left quadrant) left and right of the screen's middle column. */
async function redHalves(file: string): Promise<{ left: number; right: number }> {
  const shot = await load(file);
  let left = 0;
  let right = 0;
  for (let y = 0; y < shot.height; y += 1) {
    for (let x = 0; x < shot.width; x += 1) {
      if (colourDistance(pixel(shot, x, y), QUADRANTS[0]!) < 40) {
        if (x < shot.width / 3) left += 1;
        else right += 1;
      }
    }
  }
  return { left, right };
}

describe('painter in a real terminal (term-shot)', () => {
  beforeEach(skipWithoutTool('term-shot'));
  it('places the same picture twice at absolute cells through tmux passthrough in kitty', async () => {
    const root = tempDir('termtable-paint-');
    const photo = path.join(root, 'q.jpg');
    writeFileSync(photo, await quadrantJpeg(600, 400));
    // A tiny client of the built API, as the TUI uses it: detect, render, paint at absolute cells.
    const script = path.join(root, 'paint.mjs');
    const api = pathToFileURL(path.join(REPO_ROOT, 'dist', 'render', 'index.js')).href;
    writeFileSync(
      script,
      `import { readFileSync } from 'node:fs';
import { detectTerminal, createRenderer } from ${JSON.stringify(api)};
const { caps } = await detectTerminal({});
const r = createRenderer(caps);
const img = await r.render({ key: 'q', data: readFileSync(${JSON.stringify(photo)}), width: 600, height: 400 }, { cols: 20, rows: 7 });
process.stdout.write('\\x1b[2J\\x1b[H' + caps.protocol + (caps.passthrough ? ' via tmux' : '') + '\\n');
const f = r.painter.frame([
  { key: 'a', rect: { col: 2, row: 3, cols: 20, rows: 7 }, image: img },
  { key: 'b', rect: { col: 60, row: 12, cols: 20, rows: 7 }, image: img },
]);
process.stdout.write(f.before + f.after + '\\x1b[22;1H');
await r.close();
`,
    );
    const out = path.join(root, 'paint.png');
    let run = await termShot(['--term', 'kitty', '--tmux', '--wait', '4', '-o', out, '--', process.execPath, script]);
    expect(run.code, run.output).toBe(0);
    let red = await redHalves(out);
    if (red.left < 1000 || red.right < 1000) {
      run = await termShot(['--term', 'kitty', '--tmux', '--wait', '12', '-o', out, '--', process.execPath, script]);
      expect(run.code, run.output).toBe(0);
      red = await redHalves(out);
    }
    expect(red.left).toBeGreaterThan(1000);
    expect(red.right).toBeGreaterThan(1000);
  }, 180_000);
});

describe('show in real terminals (term-shot)', () => {
  beforeEach(skipWithoutTool('term-shot'));
  const root = tempDir('termtable-shot-');
  const photo = path.join(root, 'quadrants.jpg');
  // A JPEG cut in half: a thumbnail that cannot be made, so the sheet shows a skull.
  const truncated = path.join(root, 'truncated.jpg');
  const setup = quadrantJpeg(600, 400).then((jpeg) => {
    writeFileSync(photo, jpeg);
    writeFileSync(truncated, jpeg.subarray(0, jpeg.length >> 1));
  });
  const command = [
    'env',
    `XDG_DATA_HOME=${path.join(root, 'data')}`,
    `XDG_CACHE_HOME=${path.join(root, 'cache')}`,
    `XDG_CONFIG_HOME=${path.join(root, 'config')}`,
    process.execPath,
    BIN,
    'show',
    '--size',
    '24',
    '--cols',
    '2',
    photo,
    truncated,
  ];

  const cases: { name: string; args: string[] }[] = [
    { name: 'xterm as VT340 (sixel)', args: ['--term', 'xterm-sixel'] },
    { name: 'kitty (kitty graphics)', args: ['--term', 'kitty'] },
    { name: 'mlterm (sixel)', args: ['--term', 'mlterm'] },
    { name: 'tmux in xterm (sixel passthrough)', args: ['--term', 'xterm-sixel', '--tmux'] },
    { name: 'tmux in kitty (kitty passthrough)', args: ['--term', 'kitty', '--tmux'] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      await setup;
      const out = path.join(root, `${c.args.join('').replace(/[^a-z]/g, '')}.png`);
      // The capture happens after a fixed wait; on a loaded machine the sheet may not be out yet
      // (kitty renders in software here), so a failed check is retried once with a longer wait.
      const first = await termShot([...c.args, '--wait', '4', '-o', out, '--', ...command]);
      expect(first.code, first.output).toBe(0);
      try {
        await checkShot(out);
      } catch {
        const again = await termShot([...c.args, '--wait', '12', '-o', out, '--', ...command]);
        expect(again.code, again.output).toBe(0);
        await checkShot(out);
      }
    }, 180_000);
  }
});

import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BIN, NEEDS_SHARED, sharedTool } from '../helpers/corpus.js';
import { run as runAsync } from '../helpers/run.js';

/**
 * The lighttable in a real kitty under Xvfb (term-shot): the first three thumbnails of a
 * collection of pure red, green and blue photos must show those colours where the layout
 * put them, with detection choosing the protocol by itself.
 */
const TERM_SHOT = sharedTool('term-shot');
const hasKitty = spawnSync('which', ['kitty']).status === 0;
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'termtable-shot-'));
  const photos = path.join(root, 'photos');
  await mkdir(photos, { recursive: true });
  for (const [name, background] of [['a-red', '#e00000'], ['b-green', '#00d000'], ['c-blue', '#0000e0']] as const) {
    await sharp({ create: { width: 600, height: 400, channels: 3, background } }).jpeg().toFile(path.join(photos, `${name}.jpg`));
  }
  const env = `XDG_DATA_HOME=${root}/data XDG_CACHE_HOME=${root}/cache XDG_CONFIG_HOME=${root}/config`;
  await writeFile(
    path.join(root, 'run.sh'),
    `#!/bin/sh\ncd ${JSON.stringify(root)}\n${env} exec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} photos\n`,
  );
  await chmod(path.join(root, 'run.sh'), 0o755);
});

afterAll(async () => {
  // The app in the emulator may still be storing an encoded picture as its window closes
  // (ENOTEMPTY once, in a run at load 9): rm tries again.
  await rm(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
});

async function meanColour(png: string, left: number, top: number, width: number, height: number) {
  const { data, info } = await sharp(png).extract({ left, top, width, height }).raw().toBuffer({ resolveWithObject: true });
  const sum = [0, 0, 0];
  for (let i = 0; i < data.length; i += info.channels) for (let c = 0; c < 3; c++) sum[c]! += data[i + c]!;
  const n = data.length / info.channels;
  return sum.map((s) => s / n) as [number, number, number];
}

// Without ../shared the test is counted by the shared-skip reporter; without kitty (a machine
// that has ../shared but not the emulators .ci/run installs) it is simply skipped.
describe.skipIf(TERM_SHOT !== undefined && !hasKitty)('screenshot in a real kitty', () => {
  beforeEach((ctx) => {
    if (TERM_SHOT === undefined) ctx.skip(NEEDS_SHARED);
  });
  it('shows red, green and blue thumbnails in the first three cells', async () => {
    const out = path.join(root, 'grid.png');
    // `s` sorts by name (taken → name) so the order is red, green, blue.
    const run = await runAsync(
      TERM_SHOT!,
      ['--term', 'kitty', '--cols', '120', '--rows', '40', '--wait', '6', '--keys', 's', '--settle', '3', '-o', out, '--', path.join(root, 'run.sh')],
      { timeout: 90_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    const meta = await sharp(out).metadata();
    const cellW = meta.width! / 120;
    const cellH = meta.height! / 40;
    // Grid at 120×40: cells 20 columns wide; image area columns 1-18, rows 2-7 of each cell.
    const expectations: [number, (c: [number, number, number]) => boolean][] = [
      [0, ([r, g, b]) => r > 150 && g < 90 && b < 90],
      [1, ([r, g, b]) => g > 150 && r < 90 && b < 90],
      [2, ([r, g, b]) => b > 150 && r < 90 && g < 90],
    ];
    for (const [i, ok] of expectations) {
      const left = Math.round((i * 20 + 6) * cellW);
      const top = Math.round(3.5 * cellH);
      const colour = await meanColour(out, left, top, Math.round(8 * cellW), Math.round(2 * cellH));
      expect(ok(colour), `cell ${i} mean colour ${colour.map(Math.round).join(',')}`).toBe(true);
    }
  }, 180_000);
});

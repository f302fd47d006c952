import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../src/db/library.js';
import { pickFromStack } from '../../src/db/stacks-pick.js';
import { undo } from '../../src/db/undo.js';
import { BIN } from '../helpers/corpus.js';
import { run } from '../helpers/run.js';
import { scene } from './scene.js';

/*
 * Bursts end to end, on photos the test makes (runs without ../shared): JPEGs with capture
 * times (and sub-second times) in EXIF, imported by the real binary, which makes the
 * thumbnails, measures them and forms the stacks; then list --json / --stacks, pick and undo,
 * and generate-cache measuring what lacks a score.
 */

let home: string;
let env: NodeJS.ProcessEnv;
let roll: string;
let library: string;

beforeAll(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'tt-bursts-'));
  env = {
    ...process.env,
    XDG_DATA_HOME: path.join(home, 'data'),
    XDG_CACHE_HOME: path.join(home, 'cache'),
    XDG_CONFIG_HOME: path.join(home, 'config'),
  };
  roll = path.join(home, 'shoot');
  library = path.join(home, 'lib.db');
  mkdirSync(roll);
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

async function tt(...args: string[]) {
  const r = await run(process.execPath, [BIN, '--library', library, ...args], { env, timeout: 180_000 });
  if (r.status !== 0) throw new Error(`termtable ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  return r.stdout;
}

/** One frame: the scene shifted by `variant` per cent and blurred, taken at `time` + `subsec`. */
async function frame(name: string, time: string, subsec: string, opts: { variant?: number; blur?: number }) {
  const img = await scene(1200, 800, opts);
  await img
    .jpeg({ quality: 92 })
    .withExif({ IFD0: { Make: 'Test', Model: 'Burst' }, IFD2: { DateTimeOriginal: time, SubSecTimeOriginal: subsec } })
    .toFile(path.join(roll, name));
}

interface Listed {
  id: number;
  filename: string;
  sharpness: number | null;
  stack: number;
  stackSize: number;
  stackPick: number;
  stackMembers?: number[];
}

const listed = async (...args: string[]): Promise<Listed[]> =>
  (await tt('list', '--json', '--sort', 'name', ...args)).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Listed);

describe('bursts as stacks, from photos made in the test', () => {
  beforeAll(async () => {
    // A burst of five in under a second: the sharp frame first, then small shifts and blurs.
    await frame('b0.jpg', '2024:05:01 10:00:00', '00', {});
    await frame('b1.jpg', '2024:05:01 10:00:00', '20', { variant: 1, blur: 1.5 });
    await frame('b2.jpg', '2024:05:01 10:00:00', '40', { variant: 2, blur: 3 });
    await frame('b3.jpg', '2024:05:01 10:00:00', '60', { variant: 1, blur: 1 });
    await frame('b4.jpg', '2024:05:01 10:00:00', '80', { variant: 3, blur: 2 });
    // Half a second later but another picture: a stack of its own.
    await frame('c0.jpg', '2024:05:01 10:00:01', '30', { variant: 100 });
    // The first scene again, but 5 s after c0: beyond the 2 s gap.
    await frame('d0.jpg', '2024:05:01 10:00:06', '30', { blur: 1 });
    await frame('d1.jpg', '2024:05:01 10:00:07', '00', { variant: 1 });
    await tt('import', roll, '--json');
  }, 240_000);

  it('groups the burst, splits at a different-looking frame and at the time gap, and suggests the unblurred frame', async () => {
    const rows = await listed();
    const by = new Map(rows.map((r) => [r.filename, r]));
    for (const r of rows) expect(typeof r.sharpness, r.filename).toBe('number');
    const b0 = by.get('b0.jpg')!;
    expect(['b0.jpg', 'b1.jpg', 'b2.jpg', 'b3.jpg', 'b4.jpg'].map((n) => by.get(n)!.stack)).toEqual(Array(5).fill(b0.id));
    expect(b0.stackSize).toBe(5);
    expect(b0.stackPick).toBe(b0.id);
    // The unblurred frame is the sharpest, and the score follows the blur.
    const s = (n: string) => by.get(n)!.sharpness!;
    expect(s('b0.jpg')).toBeGreaterThan(s('b3.jpg'));
    expect(s('b3.jpg')).toBeGreaterThan(s('b1.jpg'));
    expect(s('b1.jpg')).toBeGreaterThan(s('b4.jpg'));
    expect(s('b4.jpg')).toBeGreaterThan(s('b2.jpg'));
    expect(by.get('c0.jpg')).toMatchObject({ stack: by.get('c0.jpg')!.id, stackSize: 1 });
    const d0 = by.get('d0.jpg')!;
    expect(by.get('d1.jpg')).toMatchObject({ stack: d0.id, stackSize: 2, stackPick: by.get('d1.jpg')!.id });

    // One row per stack, its suggested pick.
    const stacks = await listed('--stacks');
    expect(stacks.map((r) => [r.filename, r.stackSize])).toEqual([['b0.jpg', 5], ['c0.jpg', 1], ['d1.jpg', 2]]);
    expect(stacks[0]!.stackMembers).toEqual(['b0.jpg', 'b1.jpg', 'b2.jpg', 'b3.jpg', 'b4.jpg'].map((n) => by.get(n)!.id));
    // EXIF's sub-second times are read (SubSecTimeOriginal "20" → 0.2 s).
    const lib = Library.open(library);
    const subsec = lib.connection().prepare('SELECT taken_subsec FROM images WHERE filename = ?').pluck();
    expect([subsec.get('b1.jpg'), subsec.get('d1.jpg')]).toEqual([0.2, 0]);
    lib.close();
    const text = await tt('list', '--stacks');
    expect(text.trim().split('\n')).toHaveLength(3);
    expect(text).toMatch(/^\s+5\s+\d+\.\d\s+\d+/);
    // Sorted by sharpness, filtered.
    const sharpest = await listed('--sort', 'sharpness');
    expect(sharpest.map((r) => r.sharpness)).toEqual([...sharpest.map((r) => r.sharpness)].sort((a, b) => b! - a!));
    const min = s('b3.jpg');
    expect((await listed('--min-sharpness', String(min))).every((r) => r.sharpness! >= min)).toBe(true);
  }, 120_000);

  it('picks a frame, rejects the rest of its stack in one step, and one undo takes it back', async () => {
    const rows = await listed();
    const b3 = rows.find((r) => r.filename === 'b3.jpg')!;
    const lib = Library.open(library);
    try {
      const { changed } = await pickFromStack(lib, b3.id);
      expect(changed.map((r) => r.filename).sort()).toEqual(['b0.jpg', 'b1.jpg', 'b2.jpg', 'b4.jpg']);
      expect(lib.get(b3.id)!.stackPick).toBe(b3.id);
      const r = await undo(lib);
      expect(r!.entry.images).toBe(4);
    } finally {
      lib.close();
    }
    expect((await listed()).filter((r) => r.filename.startsWith('b')).every((r) => r.stackPick === rows[0]!.id)).toBe(true);
    expect(await tt('history', '--json')).toContain('"undone":true');
  }, 60_000);

  it('generate-cache measures every image that has no score, its thumbnails being there already', async () => {
    const lib = Library.open(library);
    lib.connection().exec('UPDATE images SET sharpness = NULL, dhash = NULL, stack_id = NULL');
    lib.close();
    expect((await listed()).every((r) => r.sharpness === null && r.stackSize === 1)).toBe(true);
    const summary = JSON.parse(await tt('generate-cache', '--json')) as { generated: number; present: number };
    expect(summary).toMatchObject({ generated: 0, present: 8 });
    const rows = await listed();
    expect(rows.every((r) => typeof r.sharpness === 'number')).toBe(true);
    expect(rows.find((r) => r.filename === 'b2.jpg')!.stackSize).toBe(5);
  }, 180_000);
});

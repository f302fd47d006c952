import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initialQuery } from '../../src/cli/lighttable.js';
import { importFolders } from '../../src/db/import.js';
import { Library } from '../../src/db/library.js';
import { BIN } from '../helpers/corpus.js';

/**
 * `termtable DIR` and `termtable` in a photo folder open what was opened, sub-folders included
 * (one film roll, or the folder's tree), never the library's other shoots; `c` still picks another.
 */
let root: string;
let photos: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'tt-filmroll-'));
  photos = path.join(root, 'photos');
  // photos/a and photos/b: a folder whose photos are all in sub-folders (a card's DCIM);
  // shoot with photos of its own and a day folder; other: another shoot of the library.
  const rolls = [['photos/a', 2], ['photos/b', 3], ['shoot', 2], ['shoot/day2', 1], ['other', 1]] as const;
  for (const [roll, n] of rolls) {
    await mkdir(path.join(root, roll), { recursive: true });
    for (let i = 0; i < n; i++) {
      await sharp({ create: { width: 120, height: 80, channels: 3, background: i ? '#3a3' : '#c33' } })
        .jpeg()
        .toFile(path.join(root, roll, `${path.basename(roll)}-${i}.jpg`));
    }
  }
  env = {
    ...process.env,
    XDG_DATA_HOME: path.join(root, 'data'),
    XDG_CACHE_HOME: path.join(root, 'cache'),
    XDG_CONFIG_HOME: path.join(root, 'config'),
    TERMTABLE_PROTOCOL: 'blocks',
  };
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('initialQuery', () => {
  it("is DIR's film roll when it is the only one there, else DIR's tree; all film rolls when the library holds none of it", async () => {
    const lib = Library.open(path.join(root, 'unit', 'library.db'));
    try {
      await importFolders(lib, [photos, path.join(root, 'shoot'), path.join(root, 'other')]);
      const a = path.join(photos, 'a');
      const b = path.join(photos, 'b');
      const shoot = path.join(root, 'shoot');
      expect(initialQuery(lib, [a])).toEqual({ filmRoll: a, sort: 'taken' });
      expect(initialQuery(lib, [], b)).toEqual({ filmRoll: b, sort: 'taken' });
      expect(initialQuery(lib, ['photos/a'], root)).toEqual({ filmRoll: a, sort: 'taken' });
      // Photos only in sub-folders, photos beside a sub-folder of more, several folders: their trees.
      expect(initialQuery(lib, [photos])).toEqual({ folders: [photos], sort: 'taken' });
      expect(initialQuery(lib, [], photos)).toEqual({ folders: [photos], sort: 'taken' });
      expect(initialQuery(lib, ['shoot'], root)).toEqual({ folders: [shoot], sort: 'taken' });
      expect(initialQuery(lib, [a, b])).toEqual({ folders: [a, b], sort: 'taken' });
      // The trees hold their own film rolls only: not the library's other shoot.
      expect(lib.count({ folders: [photos] })).toBe(5);
      expect(lib.count({ folders: [shoot] })).toBe(3);
      expect(lib.count({ folders: [a, shoot] })).toBe(5);
      expect(lib.count({ folders: [] })).toBe(0);
      // A folder whose name only starts like a film roll's is not its parent.
      expect(lib.count({ folders: [path.join(root, 'sho')] })).toBe(0);
      expect(initialQuery(lib, [], path.join(root, 'unit'))).toEqual({ sort: 'taken' });
    } finally {
      lib.close();
    }
  });
});

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const socket = `tt-filmroll-${process.pid}-${Date.now()}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });

async function waitFor(pred: () => boolean, what: string, screen: () => string, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${screen()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!hasTmux)('the real binary in tmux', () => {
  afterAll(() => {
    spawnSync('tmux', ['-L', socket, 'kill-server']);
  });

  async function open(name: string, cwd: string, args: string[]) {
    const done = path.join(root, `exit-${name}`);
    const envArgs = ['XDG_DATA_HOME', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME', 'TERMTABLE_PROTOCOL'].map((k) => `${k}=${JSON.stringify(env[k])}`);
    const cmd = `cd ${JSON.stringify(cwd)} && env ${envArgs.join(' ')} ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} ${args.map((a) => JSON.stringify(a)).join(' ')}; echo $? > ${JSON.stringify(done)}; sleep 600`;
    tmux('new-session', '-d', '-s', name, '-x', '120', '-y', '30', cmd);
    const screen = () => tmux('capture-pane', '-p', '-t', name);
    await waitFor(() => screen().includes('termtable · grid'), `${name}: the grid`, screen);
    return {
      screen,
      header: () => screen().split('\n')[0] ?? '',
      keys: (...k: string[]) => tmux('send-keys', '-t', name, ...k),
      quit: async () => {
        tmux('send-keys', '-t', name, 'q');
        await waitFor(() => existsSync(done), `${name}: exit`, screen, 20_000);
        expect(readFileSync(done, 'utf8').trim()).toBe('0');
      },
    };
  }

  it("termtable DIR opens DIR's film roll", async () => {
    const t = await open('dir', root, ['photos/a']);
    await waitFor(() => /1\/2/.test(t.header()), 'two images', t.screen);
    expect(t.header()).toMatch(/│ {2}a {2}│/);
    await t.quit();
  });

  it("termtable in a photo folder opens its film roll, and c still picks another (all film rolls)", async () => {
    const t = await open('cwd', path.join(photos, 'b'), []);
    await waitFor(() => /1\/3/.test(t.header()), 'three images', t.screen);
    expect(t.header()).toMatch(/│ {2}b {2}│/);
    t.keys('c');
    await waitFor(() => t.screen().includes('Film roll'), 'the film roll picker', t.screen);
    expect(t.screen()).toMatch(new RegExp(`● +3 +${path.join(photos, 'b').replace(/[/.]/g, '\\$&')}`));
    t.keys('Up', 'Up', 'Enter');
    // The cursor stays on the image it was on, now one of five.
    await waitFor(() => t.header().includes('all film rolls') && /\d\/5/.test(t.header()), 'all five images', t.screen);
    await t.quit();
  });

  it('a folder with photos of its own and a sub-folder of more opens both', async () => {
    const t = await open('shoot', path.join(root, 'shoot'), []);
    await waitFor(() => /1\/3/.test(t.header()), 'three images', t.screen);
    expect(t.header()).toContain('shoot + sub-folders');
    await t.quit();
  });

  it("a folder whose photos are all in sub-folders opens them all, not the library's other shoots; c offers the tree again", async () => {
    const t = await open('parent', root, ['photos']);
    await waitFor(() => /1\/5/.test(t.header()), 'five images', t.screen);
    expect(t.header()).toContain('photos + sub-folders');
    t.keys('c');
    await waitFor(() => t.screen().includes('Film roll'), 'the film roll picker', t.screen);
    expect(t.screen()).toMatch(new RegExp(`● +5 +${photos.replace(/[/.]/g, '\\$&')} and sub-folders`));
    // One film roll of it, then the tree again.
    t.keys('Down', 'Enter');
    await waitFor(() => /1\/2/.test(t.header()) && /│ {2}a {2}│/.test(t.header()), "a's two images", t.screen);
    t.keys('c');
    await waitFor(() => t.screen().includes('Film roll'), 'the film roll picker', t.screen);
    t.keys('Up', 'Enter');
    await waitFor(() => /\/5/.test(t.header()) && t.header().includes('photos + sub-folders'), 'the five again', t.screen);
    await t.quit();
  });
});

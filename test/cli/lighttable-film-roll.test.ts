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

/** `termtable DIR` and `termtable` in a photo folder open that folder's film roll; `c` still picks another. */
let root: string;
let photos: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'tt-filmroll-'));
  photos = path.join(root, 'photos');
  for (const [roll, n] of [['a', 2], ['b', 3]] as const) {
    await mkdir(path.join(photos, roll), { recursive: true });
    for (let i = 0; i < n; i++) {
      await sharp({ create: { width: 120, height: 80, channels: 3, background: i ? '#3a3' : '#c33' } })
        .jpeg()
        .toFile(path.join(photos, roll, `${roll}-${i}.jpg`));
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
  it("is DIR's film roll, the current folder's when it holds photos, else all film rolls", async () => {
    const lib = Library.open(path.join(root, 'unit', 'library.db'));
    try {
      await importFolders(lib, [photos]);
      const a = path.join(photos, 'a');
      expect(initialQuery(lib, [a])).toEqual({ filmRoll: a, sort: 'taken' });
      expect(initialQuery(lib, [], path.join(photos, 'b'))).toEqual({ filmRoll: path.join(photos, 'b'), sort: 'taken' });
      expect(initialQuery(lib, ['photos/a'], root)).toEqual({ filmRoll: a, sort: 'taken' });
      // Photos only in sub-folders, several folders, or a folder the library does not hold: all.
      expect(initialQuery(lib, [photos])).toEqual({ sort: 'taken' });
      expect(initialQuery(lib, [], photos)).toEqual({ sort: 'taken' });
      expect(initialQuery(lib, [a, path.join(photos, 'b')])).toEqual({ sort: 'taken' });
      expect(initialQuery(lib, [], root)).toEqual({ sort: 'taken' });
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

  it('a folder whose photos are all in sub-folders opens all film rolls', async () => {
    const t = await open('parent', root, ['photos']);
    await waitFor(() => /1\/5/.test(t.header()), 'five images', t.screen);
    expect(t.header()).toContain('all film rolls');
    await t.quit();
  });
});

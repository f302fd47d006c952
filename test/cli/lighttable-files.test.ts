import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTrashInfo } from '../../src/files/trash.js';
import { BIN } from '../helpers/corpus.js';

/** E and Delete in the real binary, in tmux: export to a typed folder, then Delete: Enter keeps, t trashes. */
let root: string;
let photos: string;
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const socket = `tt-ltfiles-${process.pid}-${Date.now()}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });

async function waitFor(pred: () => boolean, what: string, screen: () => string, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${screen()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'tt-ltfiles-'));
  photos = path.join(root, 'photos');
  await mkdir(photos, { recursive: true });
  for (let i = 0; i < 3; i++) {
    await sharp({ create: { width: 120, height: 80, channels: 3, background: i ? '#3a3' : '#c33' } })
      .jpeg()
      .toFile(path.join(photos, `p-${i}.jpg`));
  }
});
afterAll(async () => {
  spawnSync('tmux', ['-L', socket, 'kill-server']);
  await rm(root, { recursive: true, force: true });
});

describe.skipIf(!hasTmux)('E and Delete in the real binary', () => {
  it('E copies the selection to the typed folder; Delete then Enter keeps, Delete then t trashes', async () => {
    const done = path.join(root, 'exit');
    const env = { XDG_DATA_HOME: path.join(root, 'data'), XDG_CACHE_HOME: path.join(root, 'cache'), XDG_CONFIG_HOME: path.join(root, 'config'), TERMTABLE_PROTOCOL: 'blocks' };
    const envArgs = Object.entries(env).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
    const cmd = `cd ${JSON.stringify(photos)} && env ${envArgs.join(' ')} ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)}; echo $? > ${JSON.stringify(done)}; sleep 600`;
    tmux('new-session', '-d', '-s', 'files', '-x', '120', '-y', '30', cmd);
    const screen = () => tmux('capture-pane', '-p', '-t', 'files');
    const keys = (...k: string[]) => tmux('send-keys', '-t', 'files', ...k);
    // Generous: a loaded machine (load 17 on 2 cores was seen) takes long to start node and import.
    await waitFor(() => /termtable · grid/.test(screen()) && /1\/3/.test(screen()), 'the grid', screen, 90_000);

    keys('s'); // by name: p-0 first
    await waitFor(() => screen().includes('p-0.jpg'), 'p-0 current', screen);
    keys('Space', 'E');
    await waitFor(() => screen().includes('copy 1 image'), 'the export prompt', screen);
    const dest = path.join(root, 'out');
    keys('C-u');
    keys('-l', dest);
    keys('Enter');
    await waitFor(() => screen().includes('copied 1 file'), 'copied', screen);
    expect(readdirSync(dest)).toEqual(['p-0.jpg']);

    keys('Escape'); // clear the selection (alone: an Escape followed at once by Delete reads as Alt+Delete)
    await waitFor(() => !screen().includes('✓'), 'selection cleared', screen);
    keys('DC');
    await waitFor(() => screen().includes('[y/t/N]'), 'the Delete dialog', screen);
    keys('Enter');
    await waitFor(() => !screen().includes('[y/t/N]'), 'closed', screen);
    expect(existsSync(path.join(photos, 'p-0.jpg'))).toBe(true);
    keys('DC');
    await waitFor(() => screen().includes('[y/t/N]'), 'the Delete dialog again', screen);
    keys('t');
    await waitFor(() => screen().includes('to the trash'), 'trashed', screen);
    await waitFor(() => /1\/2/.test(screen()), 'two images left', screen);
    expect(existsSync(path.join(photos, 'p-0.jpg'))).toBe(false);
    const trash = path.join(env.XDG_DATA_HOME, 'Trash');
    expect(readdirSync(path.join(trash, 'files'))).toEqual(['p-0.jpg']);
    expect(parseTrashInfo(readFileSync(path.join(trash, 'info', 'p-0.jpg.trashinfo'), 'utf8')).path).toBe(path.join(photos, 'p-0.jpg'));

    keys('q');
    await waitFor(() => existsSync(done), 'exit', screen, 20_000);
    expect(readFileSync(done, 'utf8').trim()).toBe('0');
  }, 240_000);
});

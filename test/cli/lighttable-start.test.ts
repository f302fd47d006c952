import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, REPO_ROOT } from '../helpers/corpus.js';

/**
 * The terminal probe goes out while the lighttable's modules load, not after (src/tui/start.ts,
 * src/cli/lighttable.ts): the real binary in a pty (script(1)), with the load of dist/tui/run.js
 * held by a module hook (test/helpers/hold-module.mjs) until the test has seen the queries.
 * Before the change the queries came only once run.js had loaded, so none arrived while it was
 * held. Then the test answers as kitty would, lets the load go on, and the grid is drawn.
 */
const hasScript = spawnSync('script', ['--version']).status === 0;
let root: string;
let lib: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'termtable-start-'));
  const photos = path.join(root, 'photos');
  await mkdir(photos);
  for (const [i, colour] of ['#c33', '#3c3', '#33c'].entries()) {
    await sharp({ create: { width: 300, height: 200, channels: 3, background: colour } })
      .jpeg()
      .toFile(path.join(photos, `shot-${i}.jpg`));
  }
  env = {
    ...process.env,
    XDG_DATA_HOME: path.join(root, 'data'),
    XDG_CACHE_HOME: path.join(root, 'cache'),
    XDG_CONFIG_HOME: path.join(root, 'config'),
  };
  lib = path.join(root, 'library.db');
  await promisify(execFile)(process.execPath, [BIN, '--library', lib, 'import', '--json', photos], { env });
}, 120_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe.skipIf(!hasScript)('lighttable start-up', () => {
  it('asks the terminal while dist/tui/run.js is still loading, then draws the grid with the answers', async () => {
    const release = path.join(root, 'release');
    const holdLog = path.join(root, 'hold.log');
    const hook = path.join(REPO_ROOT, 'test', 'helpers', 'hold-module.mjs');
    const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
    const cmd = `stty cols 100 rows 30; exec ${[process.execPath, '--import', hook, BIN, '--library', lib, '--no-import', '--protocol', 'kitty'].map(q).join(' ')}`;
    const child = spawn('script', ['-q', '-e', '-c', cmd, '/dev/null'], {
      env: { ...env, TERMTABLE_NO_BUNDLE: '1', TT_HOLD_MODULE: '/dist/tui/run.js', TT_HOLD_UNTIL: release, TT_HOLD_LOG: holdLog },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    let out = '';
    let acked = 0;
    child.stdout.on('data', (b: Buffer) => {
      chunks.push(b);
      out = Buffer.concat(chunks).toString('utf8');
      // The pictures are paced by DSR round trips (screen/ack-window.ts): answer each as a terminal does.
      const asked = out.split('\x1b[5n').length - 1;
      for (; acked < asked; acked++) child.stdin.write('\x1b[0n');
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const waitFor = async (pred: () => boolean, what: string, ms = 30_000) => {
      const end = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}; hold log: ${existsSync(holdLog) ? readFileSync(holdLog, 'utf8') : '(none)'}; output: ${JSON.stringify(out.slice(-400))}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    try {
      // Its line, not only the file: appendFileSync creates the file before it writes the line
      // (read empty once in CI at load 6).
      await waitFor(() => existsSync(holdLog) && readFileSync(holdLog, 'utf8').includes('\n'), 'the load of dist/tui/run.js to be held');
      // XTVERSION and DA1, the first and last of the queries, written while run.js is held.
      await waitFor(() => out.includes('\x1b[>q') && out.includes('\x1b[c'), 'the probe queries while run.js loads');
      expect(readFileSync(holdLog, 'utf8')).toMatch(/held file:.*\/dist\/tui\/run\.js/);
      expect(out).not.toContain('termtable · grid');
      // kitty 0.26.5's answers: its name, a 9x18 px cell, DA1.
      child.stdin.write('\x1bP>|kitty(0.26.5)\x1b\\\x1b[6;18;9t\x1b[?62;c');
      await writeFile(release, '');
      await waitFor(() => out.includes('termtable · grid') && (out.match(/\x1b_Ga=p,/g) ?? []).length >= 3, 'the grid with its three pictures placed');
      child.stdin.write('q');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  }, 90_000);
});

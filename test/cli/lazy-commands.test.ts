import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram, commandFor, COMMANDS } from '../../src/cli/main.js';
import { BIN, REPO_ROOT } from '../helpers/corpus.js';

const ctx = { setExitCode: () => undefined };
const home = mkdtempSync(path.join(os.tmpdir(), 'tt-lazy-'));
const env = {
  ...process.env,
  XDG_DATA_HOME: path.join(home, 'data'),
  XDG_CACHE_HOME: path.join(home, 'cache'),
  XDG_CONFIG_HOME: path.join(home, 'config'),
};

/** The packages (node_modules/NAME) a real run of the binary imported. */
function packagesLoaded(...args: string[]): Set<string> {
  const log = path.join(home, `modules-${args.join('_')}.log`);
  const hook = path.join(REPO_ROOT, 'test', 'helpers', 'module-log.mjs');
  const run = spawnSync(process.execPath, ['--import', hook, BIN, ...args], {
    encoding: 'utf8',
    env: { ...env, TT_MODULE_LOG: log },
  });
  expect(run.status, run.stderr).toBe(0);
  const urls = readFileSync(log, 'utf8').split('\n');
  return new Set(urls.flatMap((u) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u)?.[1] ?? []));
}

const HEAVY = ['sharp', 'exifr', 'ink', 'react', 'sixel', 'heic-decode'];

describe('lazy command loading', () => {
  it('prints the same top-level help as with every command loaded', async () => {
    const lazy = await buildProgram(ctx, null);
    const eager = await buildProgram(ctx, 'all');
    expect(lazy.helpInformation()).toBe(eager.helpInformation());
    for (const entry of COMMANDS) {
      const alone = await buildProgram(ctx, entry.name);
      expect(alone.helpInformation()).toBe(eager.helpInformation());
    }
  });

  it('finds the command the way commander dispatches it', () => {
    expect(commandFor([])).toBe('lighttable');
    expect(commandFor(['--help'])).toBeNull();
    expect(commandFor(['-h', 'list'])).toBeNull();
    expect(commandFor(['help'])).toBeNull();
    expect(commandFor(['help', 'show'])).toBe('show');
    expect(commandFor(['list', '--json'])).toBe('list');
    expect(commandFor(['--library', 'list', 'purge'])).toBe('purge');
    expect(commandFor(['--library=x.db', 'cache', 'stats'])).toBe('cache');
    expect(commandFor(['~/Pictures'])).toBe('lighttable');
    expect(commandFor(['--protocol', 'blocks', '.'])).toBe('lighttable');
    expect(commandFor(['--no-import'])).toBe('lighttable');
  });

  it('--help loads no image, terminal or database module', () => {
    const loaded = packagesLoaded('--help');
    expect(loaded.has('commander')).toBe(true);
    for (const pkg of [...HEAVY, 'better-sqlite3']) expect(loaded, pkg).not.toContain(pkg);
  });

  it('list loads the database but no image or terminal module', () => {
    const loaded = packagesLoaded('list');
    expect(loaded.has('better-sqlite3')).toBe(true);
    for (const pkg of HEAVY) expect(loaded, pkg).not.toContain(pkg);
  });

  it('generate-cache with nothing to make loads no terminal module', () => {
    const loaded = packagesLoaded('generate-cache', '--json');
    for (const pkg of ['ink', 'react', 'sixel']) expect(loaded, pkg).not.toContain(pkg);
  });

  it('still runs the default command, and refuses an unknown command name as a folder', () => {
    const run = spawnSync(process.execPath, [BIN, 'no-such-command'], { encoding: 'utf8', env });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/no such folder: no-such-command/);
  });
});

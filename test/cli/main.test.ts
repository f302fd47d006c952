import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/corpus.js';

const home = mkdtempSync(path.join(os.tmpdir(), 'tt-main-'));
const env = {
  ...process.env,
  XDG_DATA_HOME: path.join(home, 'data'),
  XDG_CACHE_HOME: path.join(home, 'cache'),
  XDG_CONFIG_HOME: path.join(home, 'config'),
};

function tt(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env });
}

const COMMANDS = [
  'lighttable', 'import', 'list', 'set', 'remove', 'purge', 'generate-cache', 'thumb', 'cache', 'show',
];

describe('termtable command line', () => {
  it('lists every command in --help', () => {
    const run = tt('--help');
    expect(run.status).toBe(0);
    for (const cmd of COMMANDS) expect(run.stdout).toContain(`  ${cmd} `);
  });

  it.each(COMMANDS)('%s --help exits 0 with a usage line', (cmd) => {
    const run = tt(cmd, '--help');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Usage: termtable ${cmd}`, 'm'));
  });

  it('refuses an unknown option with a short reason and exit 2', () => {
    const run = tt('list', '--frobnicate');
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/unknown option '--frobnicate'/);
  });

  it('treats a reader closing the pipe early (`| head`) as normal, not a crash', () => {
    // `true` exits before node starts writing, so the write always meets a closed pipe.
    const run = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" --help | true`], {
      encoding: 'utf8',
      env,
    });
    expect(run.stderr).not.toMatch(/EPIPE|Unhandled/);
  });
});

import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, REPO_ROOT } from '../helpers/corpus.js';
import { run } from '../helpers/run.js';

const home = mkdtempSync(path.join(os.tmpdir(), 'tt-list-lazy-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const env = {
  ...process.env,
  XDG_DATA_HOME: path.join(home, 'data'),
  XDG_CACHE_HOME: path.join(home, 'cache'),
  XDG_CONFIG_HOME: path.join(home, 'config'),
  // The module names below are dist/'s; a bundle (when built) would hide them in its chunks.
  TERMTABLE_NO_BUNDLE: '1',
};
const library = path.join(home, 'library.db');

/** `termtable list ARGS`: its output and every module URL the process imported. */
async function list(name: string, ...args: string[]): Promise<{ stdout: string; modules: string[] }> {
  const log = path.join(home, `${name}.log`);
  const hook = path.join(REPO_ROOT, 'test', 'helpers', 'module-log.mjs');
  const r = await run(process.execPath, ['--import', hook, BIN, '--library', library, 'list', ...args], {
    env: { ...env, TT_MODULE_LOG: log },
    timeout: 60_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return { stdout: r.stdout, modules: readFileSync(log, 'utf8').split('\n') };
}

const loaded = (modules: string[], file: string) => modules.some((u) => u.endsWith(`/dist/${file}`));

describe('list loads the stacking code only for --stacks --json', () => {
  beforeAll(async () => {
    const photos = path.join(home, 'photos');
    mkdirSync(photos, { recursive: true });
    for (let i = 0; i < 2; i++) {
      await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 90 * i, g: 80, b: 40 } } })
        .jpeg()
        .toFile(path.join(photos, `p${i}.jpg`));
    }
    const imported = await run(process.execPath, [BIN, '--library', library, 'import', '--json', '--no-thumbnails', photos], { env, timeout: 120_000 });
    expect(imported.status, imported.stderr).toBe(0);
  }, 180_000);

  it('plain list and list --json: the library, not the stacks, the preferences or the dHash', async () => {
    for (const args of [[], ['--json'], ['--stacks']]) {
      const { stdout, modules } = await list(`plain${args.join('')}`, ...args);
      expect(stdout).toContain('p1.jpg');
      expect(loaded(modules, 'db/library.js'), args.join(' ')).toBe(true);
      for (const file of ['db/stacks.js', 'config/preferences.js', 'analysis/dhash.js']) expect(loaded(modules, file), `${args.join(' ')}: ${file}`).toBe(false);
    }
  }, 120_000);

  it('list --stacks --json still gives each stack its members', async () => {
    const { stdout, modules } = await list('stacks-json', '--stacks', '--json');
    const rows = stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: number; stackMembers: number[] });
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r.stackMembers).toEqual([r.id]);
    expect(loaded(modules, 'db/stacks.js')).toBe(true);
  }, 60_000);
});

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, REPO_ROOT } from '../helpers/corpus.js';

const home = mkdtempSync(path.join(os.tmpdir(), 'tt-present-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const env = {
  ...process.env,
  XDG_DATA_HOME: path.join(home, 'data'),
  XDG_CACHE_HOME: path.join(home, 'cache'),
  XDG_CONFIG_HOME: path.join(home, 'config'),
};

describe('generate-cache with every thumbnail present', () => {
  it('trusts them by their recorded checksum: counts them present without loading sharp to decode them', async () => {
    const photos = path.join(home, 'photos');
    mkdirSync(photos, { recursive: true });
    for (let i = 0; i < 3; i++) {
      await sharp({ create: { width: 900, height: 600, channels: 3, background: { r: 40 * i, g: 120, b: 200 }, noise: { type: 'gaussian', mean: 100, sigma: 30 } } })
        .jpeg()
        .toFile(path.join(photos, `p${i}.jpg`));
    }
    const library = path.join(home, 'library.db');
    const imported = spawnSync(process.execPath, [BIN, '--library', library, 'import', '--json', photos], { encoding: 'utf8', env });
    expect(imported.status, imported.stderr).toBe(0);

    const log = path.join(home, 'modules.log');
    const hook = path.join(REPO_ROOT, 'test', 'helpers', 'module-log.mjs');
    const run = spawnSync(process.execPath, ['--import', hook, BIN, '--library', library, 'generate-cache', '--json'], {
      encoding: 'utf8',
      env: { ...env, TT_MODULE_LOG: log },
    });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ generated: 0, present: 3, failed: [] });
    const packages = new Set(readFileSync(log, 'utf8').split('\n').flatMap((u) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u)?.[1] ?? []));
    expect(packages).not.toContain('sharp');
  }, 120_000);
});

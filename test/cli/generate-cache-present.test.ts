import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, REPO_ROOT } from '../helpers/corpus.js';
import { run } from '../helpers/run.js';

const home = mkdtempSync(path.join(os.tmpdir(), 'tt-present-'));
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

/** generate-cache --json, with every module URL the process imported. */
async function generateCache(name: string): Promise<{ summary: unknown; modules: string[] }> {
  const log = path.join(home, `${name}.log`);
  const hook = path.join(REPO_ROOT, 'test', 'helpers', 'module-log.mjs');
  const r = await run(process.execPath, ['--import', hook, BIN, '--library', library, 'generate-cache', '--json'], {
    env: { ...env, TT_MODULE_LOG: log },
    timeout: 120_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return { summary: JSON.parse(r.stdout), modules: readFileSync(log, 'utf8').split('\n') };
}

const packagesIn = (modules: string[]) => new Set(modules.flatMap((u) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u)?.[1] ?? []));
const loaded = (modules: string[], file: string) => modules.some((u) => u.endsWith(`/dist/${file}`));

/** The one mipmap folder of this home's cache: <cache>/termtable/mipmaps-<hash>.d. */
function mipmapFolder(): string {
  const root = path.join(home, 'cache', 'termtable');
  const dirs = readdirSync(root).filter((n) => /^mipmaps-.*\.d$/.test(n));
  expect(dirs).toHaveLength(1);
  return path.join(root, dirs[0]!);
}

describe('generate-cache with every thumbnail present', () => {
  beforeAll(async () => {
    const photos = path.join(home, 'photos');
    mkdirSync(photos, { recursive: true });
    for (let i = 0; i < 3; i++) {
      await sharp({ create: { width: 900, height: 600, channels: 3, background: { r: 40 * i, g: 120, b: 200 }, noise: { type: 'gaussian', mean: 100, sigma: 30 } } })
        .jpeg()
        .toFile(path.join(photos, `p${i}.jpg`));
    }
    const imported = await run(process.execPath, [BIN, '--library', library, 'import', '--json', photos], { env, timeout: 120_000 });
    expect(imported.status, imported.stderr).toBe(0);
  }, 180_000);

  it('trusts them by their recorded checksum: counts them present without loading sharp to decode them', async () => {
    const { summary, modules } = await generateCache('present');
    expect(summary).toEqual({ generated: 0, present: 3, failed: [] });
    expect(packagesIn(modules)).not.toContain('sharp');
  }, 120_000);

  it('checks them on disk alone: neither the mipmap cache (job board, memory LRU) nor the focus recorder is loaded', async () => {
    const { summary, modules } = await generateCache('lean');
    expect(summary).toEqual({ generated: 0, present: 3, failed: [] });
    expect(loaded(modules, 'cli/generate-cache.js')).toBe(true);
    expect(loaded(modules, 'cache/disk-cache.js')).toBe(true);
    for (const file of ['cache/mipmap-cache.js', 'cache/jobs.js', 'cache/memory-lru.js', 'analysis/recorder.js', 'analysis/af-point.js', 'db/stacks.js']) {
      expect(loaded(modules, file), file).toBe(false);
    }
    expect(packagesIn(modules)).not.toContain('lru-cache');
  }, 120_000);

  it('one level of one image gone: makes that one through the mipmap cache and counts the others present', async () => {
    const folder = mipmapFolder();
    const gone = path.join(folder, '1', readdirSync(path.join(folder, '1')).find((n) => /^\d+\.jpg$/.test(n))!);
    unlinkSync(gone);
    const { summary, modules } = await generateCache('one-missing');
    expect(summary).toEqual({ generated: 1, present: 2, failed: [] });
    expect(loaded(modules, 'cache/mipmap-cache.js')).toBe(true);
    expect(existsSync(gone) && statSync(gone).size > 0).toBe(true);
    expect((await generateCache('again')).summary).toEqual({ generated: 0, present: 3, failed: [] });
  }, 120_000);
});

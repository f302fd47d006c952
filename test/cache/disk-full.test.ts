import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MipmapCache } from '../../src/cache/mipmap-cache.js';
import { BIN } from '../helpers/corpus.js';
import { makePhoto, prefs, subjectOf, tempEnv, testMaker, waitFor, type TempEnv } from './helpers.js';

/*
 * A full disk must never look like success. The real case is a small tmpfs as the cache
 * home (mount needs root); the obstructed-folder case (a file where a level folder must go)
 * fails every write for real too, with another errno, and runs anywhere.
 */

const N = 12;
let e: TempEnv;
let photos: string;
let mounted = false;

function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: e.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

beforeAll(async () => {
  e = tempEnv('tt-disk-full-');
  photos = path.join(e.root, 'photos');
  mkdirSync(photos);
  await Promise.all(Array.from({ length: N }, (_, i) => makePhoto(path.join(photos, `p${i}.jpg`), 1600, 1200, i)));
  const cacheHome = path.join(e.root, 'cache');
  mkdirSync(cacheHome);
  // 400 kB: room for a few images' three levels (~100 kB each at mip2), not for twelve.
  mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=400k,mode=0700', 'tmpfs', cacheHome]).status === 0;
  const imported = await run(['import', '--no-thumbnails', photos]);
  expect(imported.status, imported.stderr).toBe(0);
}, 120_000);

afterAll(() => {
  if (mounted) spawnSync('umount', [path.join(e.root, 'cache')]);
  e.cleanup();
});

interface Summary {
  generated: number;
  present: number;
  failed: { id: number; path: string; cause: string; message: string }[];
}

function filesOnDisk(): Map<number, number> {
  const root = path.join(e.root, 'cache', 'termtable');
  const d = readdirSync(root).find((n) => n.endsWith('.d'))!;
  const count = new Map<number, number>();
  for (const level of ['0', '1', '2']) {
    let names: string[] = [];
    try {
      names = readdirSync(path.join(root, d, level));
    } catch {
      // level folder never made
    }
    for (const n of names) {
      const m = /^(\d+)\.jpg$/.exec(n);
      if (m) count.set(Number(m[1]), (count.get(Number(m[1])) ?? 0) + 1);
    }
  }
  return count;
}

describe('generate-cache on a full disk (tmpfs of 400 kB)', () => {
  it('lists every thumbnail it could not write as failed (ENOSPC) and exits 1, on every run', async (ctx) => {
    if (!mounted) ctx.skip('mount -t tmpfs needs root: the full-disk case runs as root only (the obstructed-folder case below runs anywhere)');
    for (const attempt of [1, 2]) {
      const r = await run(['generate-cache', '--json']);
      expect(r.status, `run ${attempt}: ${r.stderr}`).toBe(1);
      const s = JSON.parse(r.stdout) as Summary;
      expect(s.failed.length).toBeGreaterThan(0);
      for (const f of s.failed) expect(f).toMatchObject({ cause: 'disk', message: expect.stringMatching(/ENOSPC/) });
      // What is counted as made or present is really there, all three levels.
      const onDisk = filesOnDisk();
      const complete = [...onDisk.values()].filter((n) => n === 3).length;
      expect(s.generated + s.present).toBe(complete);
      expect(s.generated + s.present + s.failed.length).toBe(N);
      // Never the ENOSPC warning once per file.
      expect(r.stderr.match(/cannot write the disk cache/g)?.length ?? 0).toBeLessThanOrEqual(1);
    }
    const text = await run(['generate-cache']);
    expect(text.status).toBe(1);
    expect(text.stderr).toMatch(/p\d+\.jpg: not saved: cannot write the disk cache: ENOSPC: no space left on device/);
  }, 180_000);
});

describe('disk cache writes that fail', () => {
  it('are failures of generateMissing with their reason, and one diskProblem the lighttable can show', async () => {
    const t = tempEnv('tt-disk-obstructed-');
    try {
      mkdirSync(t.diskDir, { recursive: true });
      // A file where the level folders go: every write fails (ENOTDIR / EEXIST).
      for (const level of ['0', '1', '2']) writeFileSync(path.join(t.diskDir, level), 'not a folder');
      const files = await Promise.all([0, 1].map(async (i) => {
        const f = path.join(t.root, `q${i}.jpg`);
        await makePhoto(f, 800, 600, i);
        return subjectOf(i + 1, f);
      }));
      const cache = await MipmapCache.open({
        libraryPath: t.libraryPath,
        prefs: prefs({ diskBackend: true }),
        makeThumbnails: await testMaker(),
        diskDir: t.diskDir,
        cacheFile: t.cacheFile,
        loadCacheFile: false,
        saveCacheFile: false,
      });
      try {
        const summary = await cache.generateMissing({ subjects: files });
        expect(summary.generated).toBe(0);
        // In the order the jobs finished.
        summary.failed.sort((x, y) => x.id - y.id);
        expect(summary.failed).toEqual(
          files.map((f) => ({ id: f.id, path: f.path, cause: 'disk', message: expect.stringMatching(/^cannot write the disk cache: E[A-Z]+/) })),
        );
        expect(cache.diskProblem).toMatchObject({ code: expect.stringMatching(/^E[A-Z]+$/), message: expect.stringMatching(/^E[A-Z]+: /) });
        expect(cache.warnings.filter((w) => /cannot write the disk cache/.test(w))).toHaveLength(1);
        // Still shown from memory.
        const thumb = await cache.get(files[0]!, 2);
        expect(thumb.ok).toBe(true);
        // Subscribers see it in the (throttled) snapshot.
        await waitFor(() => cache.getSnapshot().diskProblem === cache.diskProblem);
      } finally {
        await cache.close();
      }
    } finally {
      t.cleanup();
    }
  }, 120_000);
});

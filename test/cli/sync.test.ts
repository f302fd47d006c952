import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/corpus.js';
import { run } from '../helpers/run.js';
import { makeJpeg, tempDir } from '../db/helpers.js';

/** `termtable sync`, `import --json`'s sidecarsUpdated and `list --json`'s sidecarPending, through the real binary. */

async function tt(home: string, ...args: string[]) {
  const env = { ...process.env, XDG_DATA_HOME: path.join(home, 'data'), XDG_CACHE_HOME: path.join(home, 'cache'), XDG_CONFIG_HOME: path.join(home, 'config') };
  return run(process.execPath, [BIN, '--library', path.join(home, 'library.db'), ...args], { env, timeout: 120_000 });
}

describe('termtable sync', () => {
  it('reads a sidecar another tool changed, and says so as JSON; a sidecar it cannot write is exit 1', async () => {
    const home = tempDir('termtable-sync-');
    const photos = path.join(home, 'photos');
    mkdirSync(photos);
    const image = await makeJpeg(path.join(photos, 'a.jpg'));
    expect((await tt(home, 'import', photos, '--json', '--no-thumbnails')).status).toBe(0);
    expect((await tt(home, 'set', '1', '--rating', '2')).status).toBe(0);
    execFileSync('exiftool', ['-q', '-overwrite_original', '-XMP:Rating=5', `${image}.xmp`]);
    const t = new Date(statSync(`${image}.xmp`).mtimeMs + 5000);
    utimesSync(`${image}.xmp`, t, t);

    const sync = await tt(home, 'sync', '--json');
    expect(sync.status).toBe(0);
    expect(JSON.parse(sync.stdout)).toEqual({ checked: 1, sidecarsUpdated: 1, written: 0, pending: 0, errors: [] });
    const listed = JSON.parse((await tt(home, 'list', '--json')).stdout) as Record<string, unknown>;
    expect(listed).toMatchObject({ rating: 5, sidecarPending: false });

    // a read-only folder: the write fails, the image is pending, sync says so and exits 1
    if (process.getuid?.() === 0) return; // root writes anyway
    chmodSync(photos, 0o555);
    try {
      expect((await tt(home, 'set', '1', '--rating', '3')).status).toBe(1);
      expect(JSON.parse((await tt(home, 'list', '--json')).stdout)).toMatchObject({ rating: 3, sidecarPending: true });
      const failed = await tt(home, 'sync');
      expect(failed.status).toBe(1);
      expect(failed.stdout).toMatch(/^checked 1, sidecars updated 0, written 0, still pending 1, errors 1$/m);
    } finally {
      chmodSync(photos, 0o755);
    }
    const retried = await tt(home, 'sync', '--json');
    expect(JSON.parse(retried.stdout)).toMatchObject({ written: 1, pending: 0, errors: [] });
    expect(readFileSync(`${image}.xmp`, 'utf8')).toContain('xmp:Rating="3"');
  });
});

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { importFolders } from '../../src/db/import.js';
import { Library } from '../../src/db/library.js';
import { makeJpeg, tempDir } from './helpers.js';

// Tests run as root here, where mode 000 does not stop readdir: the kernel's refusal is
// stood in for by a readdir that fails with EACCES for folders named "locked".
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...real,
    readdir: ((dir: string, options: unknown) =>
      path.basename(String(dir)) === 'locked'
        ? Promise.reject(Object.assign(new Error(`EACCES: permission denied, scandir '${dir}'`), { code: 'EACCES' }))
        : real.readdir(dir, options as never)) as typeof real.readdir,
  };
});

describe('importFolders with an unreadable folder', () => {
  it('reports it clearly and imports everything else', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'locked'));
    mkdirSync(path.join(dir, 'open'));
    await makeJpeg(path.join(dir, 'locked', 'x.jpg'));
    await makeJpeg(path.join(dir, 'open', 'y.jpg'));
    const lib = Library.open(path.join(dir, 'library.db'));
    try {
      const summary = await importFolders(lib, [dir]);
      expect(summary).toMatchObject({
        imported: 1,
        errors: [{ path: path.join(dir, 'locked'), message: 'permission denied: folder not readable' }],
      });
      expect(lib.filmRolls().map((f) => f.path)).toEqual([path.join(dir, 'open')]);
    } finally {
      lib.close();
    }
  });
});

import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { applyCulling, nextCulling, restoreCulling } from '../../src/db/culling.js';
import { importFolders } from '../../src/db/import.js';
import { Library } from '../../src/db/library.js';
import { readSidecar } from '../../src/db/xmp.js';
import { REPO_ROOT } from '../helpers/corpus.js';
import { makeJpeg, tempDir } from './helpers.js';

const run = promisify(execFile);
const libs: Library[] = [];
afterEach(() => {
  for (const lib of libs.splice(0)) lib.close();
});

async function libraryWith(n: number): Promise<{ lib: Library; dir: string; ids: number[] }> {
  const dir = tempDir();
  for (let i = 0; i < n; i++) await makeJpeg(path.join(dir, `img${String(i).padStart(3, '0')}.jpg`), { size: 8 });
  const lib = Library.open(path.join(dir, 'library.db'));
  libs.push(lib);
  const { ids } = await importFolders(lib, [dir]);
  return { lib, dir, ids: ids.new };
}

const rating = (file: string) => execFileSync('exiftool', ['-XMP:Rating', '-s3', file], { encoding: 'utf8' }).trim();

describe('nextCulling', () => {
  const base = { rating: 2, rejected: true, labels: ['red' as const] };
  it.each([
    [{ rating: 4 }, { rating: 4, rejected: false, labels: ['red'] }],
    [{ rating: 4, reject: true }, { rating: 4, rejected: true, labels: ['red'] }],
    [{ toggleReject: true }, { rating: 2, rejected: false, labels: ['red'] }],
    [{ addLabels: ['purple', 'red'] }, { rating: 2, rejected: true, labels: ['red', 'purple'] }],
    [{ removeLabels: ['red'] }, { rating: 2, rejected: true, labels: [] }],
    [{ toggleLabels: ['red', 'green'] }, { rating: 2, rejected: true, labels: ['green'] }],
  ] as const)('%j', (change, want) => {
    expect(nextCulling(base, change as never)).toEqual(want);
  });
});

describe('applyCulling', () => {
  it('changes the library in one go, returns before-values, writes sidecars exiftool reads, and undoes', async () => {
    const { lib, ids } = await libraryWith(3);
    const [a, b, c] = ids as [number, number, number];
    const first = await applyCulling(lib, [a, b], { rating: 3, addLabels: ['green'] });
    expect(first.errors).toEqual([]);
    expect(first.before).toEqual([
      { id: a, rating: 0, rejected: false, labels: [] },
      { id: b, rating: 0, rejected: false, labels: [] },
    ]);
    expect(first.changed.map((r) => [r.id, r.rating, r.labels])).toEqual([[a, 3, ['green']], [b, 3, ['green']]]);
    expect(rating(`${lib.get(a)!.path}.xmp`)).toBe('3');

    const second = await applyCulling(lib, [b, c], { toggleReject: true });
    expect(second.changed.map((r) => r.rejected)).toEqual([true, true]);
    expect(rating(`${lib.get(c)!.path}.xmp`)).toBe('-1');
    expect(lib.count({ rejected: 'only' })).toBe(2);

    // nothing to change: nothing rewritten
    const noop = await applyCulling(lib, [a], { rating: 3 });
    expect(noop.changed).toEqual([]);

    const undo = await restoreCulling(lib, second.before);
    expect(undo.changed.map((r) => [r.id, r.rejected])).toEqual([[b, false], [c, false]]);
    expect(rating(`${lib.get(b)!.path}.xmp`)).toBe('3');
    expect((await readSidecar(lib.get(c)!.path)).culling).toEqual({ rating: 0, rejected: false, labels: [] });
    await expect(applyCulling(lib, [a], { rating: 9 })).rejects.toThrow(/0-5/);
  });

  it('keeps the library change and reports the error when a sidecar cannot be edited', async () => {
    const { lib, ids } = await libraryWith(1);
    const file = `${lib.get(ids[0]!)!.path}.xmp`;
    writeFileSync(file, '<x:xmpmeta><unclosed>');
    const result = await applyCulling(lib, ids, { rating: 5 });
    expect(result.errors).toEqual([{ path: file, message: expect.stringMatching(/malformed XMP/) }]);
    expect(lib.get(ids[0]!)!.rating).toBe(5);
    expect(readFileSync(file, 'utf8')).toBe('<x:xmpmeta><unclosed>');
  });

  it('loses nothing when two processes cull the same images at once', async () => {
    const n = 80;
    const { lib, ids } = await libraryWith(n);
    expect(ids).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    const worker = path.join(REPO_ROOT, 'test/db/culling-worker.ts');
    const spawnWorker = (label: string) =>
      run(process.execPath, ['--import', 'tsx', worker, lib.file, label, String(n)], { cwd: REPO_ROOT });
    await Promise.all([spawnWorker('red'), spawnWorker('blue')]);
    for (const record of lib.getMany(ids)) {
      expect(record.labels).toEqual(['red', 'blue']);
      expect((await readSidecar(record.path)).culling?.labels).toEqual(['red', 'blue']);
    }
  });
});

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IdFeed } from '../../src/cli/import-feed.js';
import { importFolders } from '../../src/db/import.js';
import { Library } from '../../src/db/library.js';
import { makeJpeg, tempDir } from '../db/helpers.js';

const libs: Library[] = [];
afterEach(() => {
  for (const lib of libs.splice(0)) lib.close();
});

describe('import hands its written ids on as it goes', () => {
  it('writes 2 files first, then doubling batches, and passes each batch on once it is in the library', async () => {
    const dir = tempDir();
    const photos = path.join(dir, 'photos');
    mkdirSync(photos);
    for (let i = 0; i < 30; i++) await makeJpeg(path.join(photos, `p${String(i).padStart(2, '0')}.jpg`));
    const lib = Library.open(path.join(dir, 'library.db'));
    libs.push(lib);
    const batches: number[][] = [];
    const summary = await importFolders(lib, [photos], {
      onWritten: (ids) => {
        // Each id handed on is already readable: the thumbnail maker reads its record.
        expect(lib.getMany(ids).map((r) => r.id)).toEqual([...ids]);
        batches.push([...ids]);
      },
    });
    expect(summary.imported).toBe(30);
    expect(batches.map((b) => b.length)).toEqual([2, 4, 8, 16]);
    expect(batches.flat().sort((a, b) => a - b)).toEqual([...summary.ids.new].sort((a, b) => a - b));

    // A second import changes nothing: no batch has ids to hand on.
    const again: number[][] = [];
    await importFolders(lib, [photos], { onWritten: (ids) => again.push([...ids]) });
    expect(again.flat()).toEqual([]);
  });

  it('IdFeed yields what was pushed, in order, and ends once end() is called', async () => {
    const feed = new IdFeed();
    const seen: number[][] = [];
    const reading = (async () => {
      for await (const chunk of feed) seen.push([...chunk]);
    })();
    feed.push([1, 2]);
    await new Promise((r) => setTimeout(r, 5));
    feed.push([]);
    feed.push([3]);
    feed.end();
    feed.push([4]);
    await reading;
    await feed.ended;
    expect(seen).toEqual([[1, 2], [3]]);
    expect(feed.fed).toBe(3);
  });
});

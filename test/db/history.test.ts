import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { applyCulling, removeImages, rotateImages } from '../../src/db/culling.js';
import { HISTORY_LIMIT, listHistory, recordEntry } from '../../src/db/history.js';
import { importFolders } from '../../src/db/import.js';
import { Library } from '../../src/db/library.js';
import { readSidecar } from '../../src/db/xmp.js';
import { redo, undo } from '../../src/db/undo.js';
import { REPO_ROOT } from '../helpers/corpus.js';
import { makeJpeg, tempDir } from './helpers.js';

const run = promisify(execFile);
const libs: Library[] = [];
afterEach(() => {
  for (const lib of libs.splice(0)) lib.close();
});

function open(file: string): Library {
  const lib = Library.open(file);
  libs.push(lib);
  return lib;
}

/** Closes the library and opens it again: what a restart of termtable does. */
function reopen(lib: Library): Library {
  lib.close();
  return open(lib.file);
}

async function libraryWith(names: string[], dir = tempDir()): Promise<{ lib: Library; dir: string; ids: number[] }> {
  for (const name of names) await makeJpeg(path.join(dir, name), { size: 8 });
  const lib = open(path.join(dir, 'library.db'));
  const { ids } = await importFolders(lib, [dir]);
  return { lib, dir, ids: ids.new };
}

/** Rating and darktable colour labels of a sidecar, as exiftool reads them. */
function exifXmp(imagePath: string): { rating: number | undefined; labels: number[] } {
  const [tags] = JSON.parse(
    execFileSync('exiftool', ['-j', '-XMP:Rating', '-XMP-darktable:ColorLabels', `${imagePath}.xmp`], { encoding: 'utf8' }),
  ) as [{ Rating?: number; Colorlabels?: number | number[] }];
  const labels = tags.Colorlabels;
  return { rating: tags.Rating, labels: labels === undefined ? [] : Array.isArray(labels) ? labels : [labels] };
}

describe('undo and redo', () => {
  it('undo and redo every kind of culling change, across re-opens, library and sidecars alike', async () => {
    let { lib, ids } = await libraryWith(['IMG_0001.jpg', 'IMG_0002.jpg']);
    const [a, b] = ids as [number, number];
    const file = lib.get(a)!.path;

    await applyCulling(lib, [a], { rating: 3 });
    await applyCulling(lib, [a], { rating: 0 });
    await applyCulling(lib, [a], { toggleReject: true });
    await applyCulling(lib, [a], { toggleLabels: ['red', 'blue'] });
    rotateImages(lib, [b], 1);
    expect(exifXmp(file)).toEqual({ rating: -1, labels: [0, 3] });
    expect(listHistory(lib).map((e) => e.description)).toEqual([
      'rotation 0°→90° on IMG_0002.jpg',
      '+red +blue on IMG_0001.jpg',
      'rejected on IMG_0001.jpg',
      'rating 3→0 on IMG_0001.jpg',
      'rating 0→3 on IMG_0001.jpg',
    ]);

    const steps: string[] = [];
    for (let i = 0; i < 5; i++) {
      lib = reopen(lib); // every step in a "new session": the journal is in the library file
      const step = await undo(lib);
      expect(step?.errors).toEqual([]);
      steps.push(step!.message);
      const now = lib.get(a)!;
      // The sidecar says what the library says after each step.
      expect(exifXmp(file)).toEqual({
        rating: now.rejected ? -1 : now.rating,
        labels: now.labels.map((l) => ['red', 'yellow', 'green', 'blue', 'purple'].indexOf(l)),
      });
    }
    expect(steps).toEqual([
      'undid: rotation 0°→90° on IMG_0002.jpg',
      'undid: +red +blue on IMG_0001.jpg',
      'undid: rejected on IMG_0001.jpg',
      'undid: rating 3→0 on IMG_0001.jpg',
      'undid: rating 0→3 on IMG_0001.jpg',
    ]);
    expect(lib.get(a)).toMatchObject({ rating: 0, rejected: false, labels: [] });
    expect(lib.get(b)!.rotation).toBe(0);
    expect(exifXmp(file)).toEqual({ rating: 0, labels: [] });
    expect(await undo(lib)).toBeUndefined();

    lib = reopen(lib);
    expect((await redo(lib))!.message).toBe('redid: rating 0→3 on IMG_0001.jpg');
    expect((await redo(lib))!.message).toBe('redid: rating 3→0 on IMG_0001.jpg');
    expect((await redo(lib))!.message).toBe('redid: rejected on IMG_0001.jpg');
    lib = reopen(lib);
    expect((await redo(lib))!.message).toBe('redid: +red +blue on IMG_0001.jpg');
    expect((await redo(lib))!.message).toBe('redid: rotation 0°→90° on IMG_0002.jpg');
    expect(await redo(lib)).toBeUndefined();
    expect(lib.get(a)).toMatchObject({ rating: 0, rejected: true, labels: ['red', 'blue'] });
    expect(lib.get(b)!.rotation).toBe(1);
    expect(exifXmp(file)).toEqual({ rating: -1, labels: [0, 3] });
  });

  it('undo leaves a sidecar byte for byte as it was, other tools\' data included', async () => {
    const { lib, ids } = await libraryWith(['IMG_0001.jpg']);
    const [id] = ids as [number];
    const sidecar = `${lib.get(id)!.path}.xmp`;
    // As darktable writes one: its edit history must survive our edits and their undo.
    writeFileSync(
      sidecar,
      `<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:darktable="http://darktable.sf.net/"
   xmp:Rating="2"
   darktable:history_end="1">
   <darktable:colorlabels>
    <rdf:Seq>
     <rdf:li>0</rdf:li>
    </rdf:Seq>
   </darktable:colorlabels>
   <darktable:history>
    <rdf:Seq>
     <rdf:li darktable:operation="exposure" darktable:enabled="1" darktable:params="0000000000"/>
    </rdf:Seq>
   </darktable:history>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
`,
    );
    await applyCulling(lib, [id], { rating: 2, addLabels: ['red'] }); // the library learns the sidecar's state
    const before = readFileSync(sidecar, 'utf8');
    const changes = [{ rating: 4 }, { toggleLabels: ['blue' as const] }, { toggleLabels: ['red' as const] }, { toggleReject: true }];
    for (const change of changes) {
      await applyCulling(lib, [id], change);
      expect(readFileSync(sidecar, 'utf8')).not.toBe(before);
      await undo(lib);
      expect(readFileSync(sidecar, 'utf8'), JSON.stringify(change)).toBe(before);
    }
    expect(readFileSync(sidecar, 'utf8')).toContain('darktable:operation="exposure"');
  });

  it('a change after an undo drops the redo branch (vim)', async () => {
    const { lib, ids } = await libraryWith(['a.jpg']);
    await applyCulling(lib, ids, { rating: 1 });
    await applyCulling(lib, ids, { rating: 2 });
    await undo(lib);
    expect(listHistory(lib).map((e) => e.undone)).toEqual([true, false]);
    await applyCulling(lib, ids, { rating: 4 });
    expect(await redo(lib)).toBeUndefined();
    expect(listHistory(lib).map((e) => e.description)).toEqual(['rating 1→4 on a.jpg', 'rating 0→1 on a.jpg']);
    expect((await undo(lib))!.message).toBe('undid: rating 1→4 on a.jpg');
    expect(lib.get(ids[0]!)!.rating).toBe(1);
  });

  it('one entry for a change of several images, described with their names', async () => {
    const { lib, ids } = await libraryWith(['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg']);
    await applyCulling(lib, [ids[0]!], { rating: 2 });
    await applyCulling(lib, ids, { rating: 5 });
    const [entry] = listHistory(lib, { limit: 1 });
    expect(entry).toMatchObject({ kind: 'culling', images: 4, description: 'rating 2/0→5 on a.jpg, b.jpg and 2 more' });
    const step = await undo(lib);
    expect(step!.ids.sort()).toEqual([...ids].sort());
    expect(lib.getMany(ids).map((r) => r.rating)).toEqual([2, 0, 0, 0]);
    await applyCulling(lib, [ids[1]!], { addLabels: ['red'] });
    await applyCulling(lib, ids.slice(0, 2), { addLabels: ['red'] }); // only a.jpg changes
    await applyCulling(lib, ids.slice(0, 2), { toggleLabels: ['red'] });
    expect(listHistory(lib, { limit: 2 }).map((e) => e.description)).toEqual(['−red on a.jpg + b.jpg', '+red on a.jpg']);
    // No change, no entry.
    await applyCulling(lib, ids.slice(1), { rating: 0 });
    await applyCulling(lib, ids, { removeLabels: ['purple'] });
    expect(listHistory(lib)).toHaveLength(4);
  });

  it('undoing a removal puts the row back exactly, under the same id, film roll and all', async () => {
    const dir = tempDir();
    let { lib, ids } = await libraryWith(['x.jpg', 'y.jpg']);
    const roll = path.join(dir, 'roll');
    execFileSync('mkdir', [roll]);
    await makeJpeg(path.join(roll, 'only.jpg'), { size: 8, make: 'Canon', model: 'Canon EOS R6', date: '2024:05:06 07:08:09' });
    const [only] = (await importFolders(lib, [roll])).ids.new as [number];
    await applyCulling(lib, [only], { rating: 4, addLabels: ['purple'] });
    rotateImages(lib, [only], -1);
    const before = lib.get(only)!;
    const position = lib.indexOf({ sort: 'name' }, only);

    expect(removeImages(lib, [only, ids[0]!])).toBe(2);
    expect(lib.get(only)).toBeUndefined();
    expect(lib.filmRolls().map((f) => f.path)).not.toContain(roll); // emptied roll dropped
    expect(lib.count({})).toBe(1);

    lib = reopen(lib);
    const step = await undo(lib);
    expect(step!.message).toBe('undid: removed from the library on x.jpg + only.jpg');
    expect(lib.get(only)).toEqual(before);
    expect(lib.indexOf({ sort: 'name' }, only)).toBe(position);
    expect(lib.count({})).toBe(3);
    expect(lib.filmRolls().find((f) => f.path === roll)?.id).toBe(before.filmRollId);

    expect((await redo(lib))!.message).toBe('redid: removed from the library on x.jpg + only.jpg');
    expect(lib.get(only)).toBeUndefined();
    expect((await undo(lib))!.skipped).toEqual([]);
    expect(lib.get(only)).toEqual(before);
  });

  it('a removed file imported again since is not put back twice, and the undo says so', async () => {
    const { lib, dir, ids } = await libraryWith(['a.jpg', 'b.jpg']);
    const [a] = ids as [number];
    removeImages(lib, [a]);
    await importFolders(lib, [dir]); // a.jpg comes back under a new id
    const again = lib.getByPath(path.join(dir, 'a.jpg'))!;
    const step = await undo(lib);
    expect(step!.message).toMatch(/^undid: removed from the library on a\.jpg \(1 not restored: a\.jpg: /);
    expect(step!.skipped).toEqual([{ id: a, filename: 'a.jpg', reason: expect.stringMatching(/in the library again|used by another/) }]);
    expect(lib.getByPath(path.join(dir, 'a.jpg'))!.id).toBe(again.id);
  });

  it('an image gone from the library since is skipped by undo, the rest undone', async () => {
    const { lib, ids } = await libraryWith(['a.jpg', 'b.jpg']);
    await applyCulling(lib, ids, { rating: 3 });
    lib.remove([ids[0]!]); // not through the journal: e.g. an older termtable
    const step = await undo(lib);
    expect(step!.skipped).toEqual([{ id: ids[0], filename: 'a.jpg', reason: 'no longer in the library' }]);
    expect(lib.get(ids[1]!)!.rating).toBe(0);
  });

  it('keeps the newest HISTORY_LIMIT entries: the journal does not grow without bound', async () => {
    const { lib, ids } = await libraryWith(['a.jpg']);
    const id = ids[0]!;
    const state = (rating: number) => ({ rating, rejected: false, labels: [] });
    lib.connection().transaction(() => {
      for (let i = 0; i < HISTORY_LIMIT + 5; i++) {
        recordEntry(lib, 'culling', [{ id, filename: 'a.jpg', before: state(i % 5), after: state((i % 5) + 1) }]);
      }
    })();
    const db = lib.connection();
    expect(db.prepare('SELECT count(*) FROM history').pluck().get()).toBe(HISTORY_LIMIT);
    expect(db.prepare('SELECT count(*) FROM history_items').pluck().get()).toBe(HISTORY_LIMIT);
    expect(db.prepare('SELECT min(id) FROM history').pluck().get()).toBe(6);
    expect(() => recordEntry(lib, 'culling', [])).toThrow(/inside the transaction/);
  });

  it('an image changed since by another tool (a synced sidecar) keeps that change; the rest is undone', async () => {
    const { lib, ids } = await libraryWith(['a.jpg', 'b.jpg']);
    const [a, b] = ids as [number, number];
    await applyCulling(lib, ids, { rating: 3 });
    rotateImages(lib, [a], 1);
    // Not through the journal, as sidecar sync merges an edit made in darktable.
    lib.setRotation([a], 2);
    expect((await undo(lib))!.message).toBe('undid: rotation 0°→90° on a.jpg (1 not restored: a.jpg: changed since by another tool; left as it is)');
    expect(lib.get(a)!.rotation).toBe(2);
    lib.updateCulling([b], () => ({ rating: 5, rejected: false, labels: [] }));
    const step = await undo(lib);
    expect(step!.skipped).toEqual([{ id: b, filename: 'b.jpg', reason: 'changed since by another tool; left as it is' }]);
    expect(lib.getMany(ids).map((r) => r.rating)).toEqual([0, 5]);
    expect(exifXmp(lib.get(a)!.path).rating).toBe(0);
  });

  it('names from files reach the description without control characters', async () => {
    const { lib, ids } = await libraryWith(['evil\u001b]0;pwned\u0007\u009b31m.jpg']);
    await applyCulling(lib, ids, { rating: 1 });
    const step = await undo(lib);
    expect(step!.message).toBe('undid: rating 0→1 on evil?]0;pwned??31m.jpg');
  });

  it('two processes culling and undoing one library lose no entry and undo each entry once', async () => {
    const n = 40;
    const names = Array.from({ length: n }, (_, i) => `img${String(i).padStart(3, '0')}.jpg`);
    const { lib, ids } = await libraryWith(names);
    expect(ids).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    const worker = path.join(REPO_ROOT, 'test/db/history-worker.ts');
    const spawnWorker = (label: string) =>
      run(process.execPath, ['--import', 'tsx', worker, lib.file, label, String(n), '8'], { cwd: REPO_ROOT });
    const outs = await Promise.all([spawnWorker('red'), spawnWorker('blue')]);
    const undone = outs.flatMap((o) => JSON.parse(o.stdout) as number[]);
    expect(undone).toHaveLength(16);
    expect(new Set(undone).size).toBe(16); // no entry undone twice

    // Every change made one entry: those not undone are all there...
    const db = lib.connection();
    expect(db.prepare('SELECT count(*) FROM history WHERE undone = 0').pluck().get()).toBe(2 * n - 16);
    // ...and the library holds exactly their labels: what an entry added and was not undone.
    const kept = db
      .prepare<[], { image_id: number; before: string; after: string }>(
        `SELECT image_id, before, after FROM history_items JOIN history h ON h.id = entry_id WHERE h.undone = 0`,
      )
      .all();
    const want = new Map<number, Set<string>>();
    for (const k of kept) {
      const added = (JSON.parse(k.after) as { labels: string[] }).labels.filter(
        (l) => !(JSON.parse(k.before) as { labels: string[] }).labels.includes(l),
      );
      expect(added).toHaveLength(1);
      want.set(k.image_id, new Set([...(want.get(k.image_id) ?? []), ...added]));
    }
    for (const record of lib.getMany(ids)) {
      const labels = ['red', 'blue'].filter((l) => want.get(record.id)?.has(l));
      expect(record.labels.filter((l) => l === 'red' || l === 'blue').sort()).toEqual([...labels].sort());
      expect((await readSidecar(record.path)).culling?.labels ?? []).toEqual(record.labels);
    }
  });
});

describe('termtable history, undo, redo', () => {
  const env = (dir: string) => ({
    ...process.env,
    XDG_DATA_HOME: path.join(dir, 'data'),
    XDG_CACHE_HOME: path.join(dir, 'cache'),
    XDG_CONFIG_HOME: path.join(dir, 'config'),
  });
  const cli = (dir: string, ...args: string[]) =>
    run(process.execPath, [path.join(REPO_ROOT, 'bin', 'termtable.js'), '--library', path.join(dir, 'library.db'), ...args], {
      env: env(dir),
      encoding: 'utf8',
    });

  it('lists the journal, undoes and redoes N steps from the command line', async () => {
    const { lib, dir, ids } = await libraryWith(['a.jpg', 'b.jpg']);
    const [a, b] = ids as [number, number];
    await cli(dir, 'set', String(a), '--rating', '2');
    await cli(dir, 'set', String(b), '--label', 'green');
    await cli(dir, 'remove', String(b));
    expect(lib.get(b)).toBeUndefined();

    const all = (await cli(dir, 'history', '--json')).stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(all.map((e) => [e.kind, e.description, e.images, e.undone])).toEqual([
      ['remove', 'removed from the library on b.jpg', 1, false],
      ['culling', '+green on b.jpg', 1, false],
      ['culling', 'rating 0→2 on a.jpg', 1, false],
    ]);
    expect((await cli(dir, 'history', '--json', '--limit', '1')).stdout.trim().split('\n')).toHaveLength(1);

    const undid = await cli(dir, 'undo', '2');
    expect(undid.stdout).toBe('undid: removed from the library on b.jpg\nundid: +green on b.jpg\n');
    expect(lib.get(b)).toMatchObject({ id: b, labels: [] });
    expect(exifXmp(lib.get(b)!.path).labels).toEqual([]);
    const text = (await cli(dir, 'history')).stdout;
    expect(text).toMatch(/^\s+3 {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}undone {4}removed from the library on b\.jpg$/m);

    expect((await cli(dir, 'redo')).stdout).toBe('redid: +green on b.jpg\n');
    expect(exifXmp(lib.get(b)!.path).labels).toEqual([2]);
    const more = await cli(dir, 'undo', '5');
    expect(more.stdout).toBe('undid: +green on b.jpg\nundid: rating 0→2 on a.jpg\nnothing more to undo\n');
    expect(lib.get(a)!.rating).toBe(0);
    await expect(cli(dir, 'undo', 'x')).rejects.toMatchObject({ code: 2 });
  });

  it('refuses a library that does not exist instead of making an empty one', async () => {
    const dir = tempDir();
    await expect(cli(dir, 'history')).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/no library at/) });
    expect(() => statSync(path.join(dir, 'library.db'))).toThrow();
    rmSync(dir, { recursive: true, force: true });
  });
});

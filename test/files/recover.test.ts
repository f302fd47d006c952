import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importFolders } from '../../src/db/import.js';
import { Library } from '../../src/db/library.js';
import { MoveJournal } from '../../src/files/journal.js';
import { finishInterrupted } from '../../src/files/recover.js';
import { PART_PREFIX } from '../../src/files/transfer.js';
import { parseTrashInfo, trashCanFor } from '../../src/files/trash.js';
import { trashRejects } from '../../src/files/trash-rejects.js';
import { makeJpeg, tempDir } from '../db/helpers.js';

/**
 * The states a kill -9 can leave, made by hand (crash.test.ts reaches them by chance): the
 * next run finishes each one, losing and doubling nothing.
 */
let root: string;
let lib: Library;
const savedData = process.env.XDG_DATA_HOME;

beforeEach(async () => {
  root = tempDir('tt-recover-');
  process.env.XDG_DATA_HOME = path.join(root, 'data');
  mkdirSync(path.join(root, 'photos'));
  await makeJpeg(path.join(root, 'photos', 'IMG_1.JPG'));
  writeFileSync(path.join(root, 'photos', 'IMG_1.CR3'), 'raw bytes');
  writeFileSync(path.join(root, 'photos', 'IMG_1.CR3.xmp'), 'sidecar');
  lib = Library.open(path.join(root, 'data', 'termtable', 'library.db'));
  await importFolders(lib, [path.join(root, 'photos')]);
});
afterEach(() => {
  lib.close();
  if (savedData === undefined) delete process.env.XDG_DATA_HOME;
  else process.env.XDG_DATA_HOME = savedData;
});

const src = (n: string) => path.join(root, 'photos', n);
const dst = (n: string) => path.join(root, 'out', n);
const NAMES = ['IMG_1.CR3', 'IMG_1.JPG', 'IMG_1.CR3.xmp'];

async function journalMove(): Promise<MoveJournal> {
  const journal = new MoveJournal(lib.file);
  await journal.pending();
  await journal.begin({
    kind: 'move',
    files: NAMES.map((n) => [src(n), dst(n)]),
    images: ['IMG_1.CR3', 'IMG_1.JPG'].map((n) => ({ id: lib.getByPath(src(n))!.id, to: dst(n) })),
  });
  return journal;
}

function expectMoved(): void {
  for (const n of NAMES) {
    expect(existsSync(src(n)), n).toBe(false);
    expect(existsSync(dst(n)), n).toBe(true);
  }
  expect(readdirSync(path.join(root, 'out')).sort()).toEqual([...NAMES].sort());
  expect(lib.getByPath(dst('IMG_1.CR3'))).toBeDefined();
  expect(lib.getByPath(dst('IMG_1.JPG'))).toBeDefined();
}

describe('finishing an interrupted move', () => {
  it('killed between link and unlink (both names, one inode): the old name goes, the library follows', async () => {
    const journal = await journalMove();
    mkdirSync(path.join(root, 'out'));
    linkSync(src('IMG_1.CR3'), dst('IMG_1.CR3'));
    const r = await finishInterrupted(lib, journal);
    expect(r).toMatchObject({ finished: 1, problems: [] });
    expectMoved();
    expect(readFileSync(dst('IMG_1.CR3'), 'utf8')).toBe('raw bytes');
    expect(await journal.pending()).toEqual([]);
  });

  it('killed mid-copy across filesystems (a temporary file, the rest not started): temp removed, files moved', async () => {
    const journal = await journalMove();
    mkdirSync(path.join(root, 'out'));
    // A dead writer's temporary copy (pid 2^22 + 1 is above Linux's pid_max).
    writeFileSync(path.join(root, 'out', `${PART_PREFIX}4194305-0123456789abcdef`), 'raw by');
    const r = await finishInterrupted(lib, journal);
    expect(r.problems).toEqual([]);
    expectMoved();
  });

  it('killed after the copy, before the source was removed (two whole copies): the source goes', async () => {
    const journal = await journalMove();
    mkdirSync(path.join(root, 'out'));
    for (const n of NAMES) writeFileSync(dst(n), readFileSync(src(n)));
    expect((await finishInterrupted(lib, journal)).problems).toEqual([]);
    expectMoved();
  });

  it('keeps both and says so when the two ends differ (never deletes a file that is not a copy)', async () => {
    const journal = await journalMove();
    mkdirSync(path.join(root, 'out'));
    writeFileSync(dst('IMG_1.CR3'), 'something else');
    const r = await finishInterrupted(lib, journal);
    expect(r.problems).toEqual([expect.stringMatching(/both exist and differ/)]);
    expect(readFileSync(src('IMG_1.CR3'), 'utf8')).toBe('raw bytes');
    expect(readFileSync(dst('IMG_1.CR3'), 'utf8')).toBe('something else');
    // The raw's library entry stays with the file that is still its own.
    expect(lib.getByPath(src('IMG_1.CR3'))).toBeDefined();
  });

  it('ignores a torn last line of the journal (killed mid-append: its work never started)', async () => {
    const journal = await journalMove();
    await finishInterrupted(lib, journal);
    appendFileSync(journal.file, '{"seq":2,"intent":{"kind":"move","fi');
    expect(await new MoveJournal(lib.file).pending()).toEqual([]);
  });
});

describe('the journal lock', () => {
  it('refuses a second run while one is alive, takes over from a dead one', async () => {
    const a = new MoveJournal(lib.file);
    await a.lock();
    await expect(new MoveJournal(lib.file).lock()).rejects.toThrow(/another termtable/);
    await a.unlock();
    const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    writeFileSync(a.lockFile, `${dead}\n`);
    const b = new MoveJournal(lib.file);
    await b.lock();
    expect(readFileSync(b.lockFile, 'utf8').trim()).toBe(String(process.pid));
    await b.unlock();
  });
});

describe('finishing an interrupted trash-rejects', () => {
  async function journalTrash(): Promise<MoveJournal> {
    const journal = new MoveJournal(lib.file);
    await journal.pending();
    await journal.begin({ kind: 'trash', files: NAMES.map(src), ids: ['IMG_1.CR3', 'IMG_1.JPG'].map((n) => lib.getByPath(src(n))!.id) });
    return journal;
  }

  it('killed after the info file was reserved, before the rename: the orphan goes, the file is trashed once', async () => {
    const journal = await journalTrash();
    const can = await trashCanFor(src('IMG_1.CR3'));
    writeFileSync(path.join(can.info, 'IMG_1.CR3.trashinfo'), ''); // O_EXCL-created, not yet written
    const r = await finishInterrupted(lib, journal);
    expect(r.problems).toEqual([]);
    expect(readdirSync(can.files).sort()).toEqual([...NAMES].sort());
    expect(readdirSync(can.info).sort()).toEqual(NAMES.map((n) => `${n}.trashinfo`).sort());
    for (const n of NAMES) expect(parseTrashInfo(readFileSync(path.join(can.info, `${n}.trashinfo`), 'utf8')).path).toBe(src(n));
    expect([...lib.iterate()]).toEqual([]);
  });

  it('killed after the files were trashed, before the library was told: the images leave the library', async () => {
    const journal = await journalTrash();
    await trashRejectsWithoutLibrary();
    expect([...lib.iterate()]).toHaveLength(2);
    expect((await finishInterrupted(lib, journal)).problems).toEqual([]);
    expect([...lib.iterate()]).toEqual([]);
    const can = await trashCanFor(src('IMG_1.CR3'));
    expect(readdirSync(can.files)).toHaveLength(3);
  });

  /** Moves the bundle's files into the trash as trash-rejects would, without touching the library. */
  async function trashRejectsWithoutLibrary() {
    const { moveToTrash } = await import('../../src/files/trash.js');
    const can = await trashCanFor(src('IMG_1.CR3'));
    for (const n of NAMES) await moveToTrash(src(n), can);
  }
});

describe('trash-rejects and pairs', () => {
  it("leaves a pair alone when the other image is rated and not rejected; trashes it when it is not a keeper", async () => {
    const raw = lib.getByPath(src('IMG_1.CR3'))!;
    const jpg = lib.getByPath(src('IMG_1.JPG'))!;
    lib.updateCulling([raw.id], () => ({ rating: 0, rejected: true, labels: [] }));
    lib.updateCulling([jpg.id], () => ({ rating: 2, rejected: false, labels: [] }));
    const kept = await trashRejects(lib);
    expect(kept).toMatchObject({ images: 0, files: 0 });
    expect(kept.errors).toEqual([{ path: src('IMG_1.CR3'), message: expect.stringMatching(/IMG_1\.JPG is rated 2/) }]);
    for (const n of NAMES) expect(existsSync(src(n))).toBe(true);

    lib.updateCulling([jpg.id], () => ({ rating: 0, rejected: false, labels: [] }));
    const gone = await trashRejects(lib);
    expect(gone).toMatchObject({ images: 2, files: 3, errors: [] });
    for (const n of NAMES) expect(existsSync(src(n))).toBe(false);
    expect([...lib.iterate()]).toEqual([]);
  });
});

import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deletionDate, encodeTrashPath, entriesFor, moveToTrash, parseTrashInfo, trashCanFor, trashInfoText } from '../../src/files/trash.js';
import { tempDir } from '../db/helpers.js';

let home: string;
const savedData = process.env.XDG_DATA_HOME;
beforeEach(() => {
  home = tempDir('tt-trash-home-');
  process.env.XDG_DATA_HOME = path.join(home, 'data');
});
afterEach(() => {
  if (savedData === undefined) delete process.env.XDG_DATA_HOME;
  else process.env.XDG_DATA_HOME = savedData;
});

describe('trash info files', () => {
  it('percent-encode the path (RFC 2396) and parse back to the same path and date', () => {
    const odd = '/photos/été 2024/100% #1 &co?.JPG';
    const text = trashInfoText(odd, new Date(2024, 6, 14, 9, 5, 7));
    expect(text).toBe(
      '[Trash Info]\nPath=/photos/%C3%A9t%C3%A9%202024/100%25%20%231%20%26co%3F.JPG\nDeletionDate=2024-07-14T09:05:07\n',
    );
    expect(parseTrashInfo(text)).toEqual({ path: odd, deletionDate: '2024-07-14T09:05:07' });
    // A control character in a name is encoded, never written raw into the info file.
    expect(encodeTrashPath('/a\nb\u001b.jpg')).toBe('/a%0Ab%1B.jpg');
  });

  it('DeletionDate is local time without zone or fraction', () => {
    expect(deletionDate(new Date(2025, 0, 2, 3, 4, 5, 678))).toBe('2025-01-02T03:04:05');
  });

  it('refuse what is not a trash info file', () => {
    expect(() => parseTrashInfo('Path=/x\nDeletionDate=2024-01-01T00:00:00\n')).toThrow(/Trash Info/);
    expect(() => parseTrashInfo('[Trash Info]\nPath=/x\nDeletionDate=2024-01-01T00:00:00.000Z\n')).toThrow(/DeletionDate/);
  });
});

describe('moveToTrash', () => {
  it('renames into $XDG_DATA_HOME/Trash/files with a valid info file, folders 0700', async () => {
    const photos = tempDir('tt-trash-photos-');
    const file = path.join(photos, 'IMG_1.JPG');
    writeFileSync(file, 'jpeg bytes');
    const ino = statSync(file).ino;
    const can = await trashCanFor(file);
    expect(can.root).toBe(path.join(home, 'data', 'Trash'));
    const t = await moveToTrash(file, can);
    expect(existsSync(file)).toBe(false);
    expect(t.trashed).toBe(path.join(can.files, 'IMG_1.JPG'));
    expect(statSync(t.trashed).ino).toBe(ino); // renamed, not copied
    expect(readFileSync(t.trashed, 'utf8')).toBe('jpeg bytes');
    expect(parseTrashInfo(readFileSync(t.info, 'utf8')).path).toBe(file);
    for (const d of [can.root, can.files, can.info]) expect(statSync(d).mode & 0o777).toBe(0o700);
  });

  it('gives clashing names NAME.2.EXT, NAME.3.EXT and never replaces a trashed file', async () => {
    const photos = tempDir('tt-trash-photos-');
    const can = await trashCanFor(photos);
    const trashed: string[] = [];
    for (const folder of ['a', 'b', 'c']) {
      mkdirSync(path.join(photos, folder));
      const file = path.join(photos, folder, 'IMG_1.JPG');
      writeFileSync(file, folder);
      trashed.push((await moveToTrash(file, can)).trashed);
    }
    expect(trashed.map((t) => path.basename(t))).toEqual(['IMG_1.JPG', 'IMG_1.2.JPG', 'IMG_1.3.JPG']);
    expect(trashed.map((t) => readFileSync(t, 'utf8'))).toEqual(['a', 'b', 'c']);
    // A file another tool left in files/ without an info file still blocks its name.
    writeFileSync(path.join(can.files, 'IMG_2.JPG'), 'stray');
    const file = path.join(photos, 'IMG_2.JPG');
    writeFileSync(file, 'mine');
    const t = await moveToTrash(file, can);
    expect(path.basename(t.trashed)).toBe('IMG_2.2.JPG');
    expect(readFileSync(path.join(can.files, 'IMG_2.JPG'), 'utf8')).toBe('stray');
    expect(existsSync(path.join(can.info, 'IMG_2.JPG.trashinfo'))).toBe(false);
    // Each entry is found back by its recorded path.
    const entries = await entriesFor(can, path.join(photos, 'b', 'IMG_1.JPG'));
    expect(entries.map((e) => [path.basename(e.trashed), e.complete])).toEqual([['IMG_1.2.JPG', true]]);
  });
});

// Another volume: /dev/shm (a tmpfs) where it is one, for the $topdir trash cans.
const shmOk = existsSync('/dev/shm') && statSync('/dev/shm').dev !== statSync(os.tmpdir()).dev;
describe.skipIf(!shmOk)('a file on another volume', () => {
  const dir = shmOk ? mkdtempSync('/dev/shm/tt-trash-') : '';
  const uid = os.userInfo().uid;
  const own = `/dev/shm/.Trash-${uid}`;
  const hadOwn = existsSync(own);
  const made: string[] = [];
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    for (const f of made) rmSync(f, { force: true });
    if (!hadOwn) rmSync(own, { recursive: true, force: true });
  });

  it("uses $topdir/.Trash/$uid when .Trash is a real sticky folder, and refuses a .Trash that is a symlink", async () => {
    const shared = '/dev/shm/.Trash';
    if (existsSync(shared)) return; // someone else's: not ours to change
    try {
      mkdirSync(shared, { mode: 0o1777 });
      chmodSync(shared, 0o1777);
      expect((await trashCanFor(path.join(dir, 'x.JPG'))).root).toBe(path.join(shared, String(uid)));
      chmodSync(shared, 0o777); // not sticky: other users could delete our files
      expect((await trashCanFor(path.join(dir, 'x.JPG'))).root).toBe(own);
      rmSync(shared, { recursive: true, force: true });
      symlinkSync(dir, shared);
      expect((await trashCanFor(path.join(dir, 'x.JPG'))).root).toBe(own);
    } finally {
      rmSync(shared, { recursive: true, force: true });
    }
  });

  it('goes to $topdir/.Trash-$uid on that volume, by rename (never copied to the home trash)', async () => {
    const file = path.join(dir, 'far.JPG');
    writeFileSync(file, 'far away');
    const ino = statSync(file).ino;
    const can = await trashCanFor(file);
    expect(can.root).toBe(own);
    const t = await moveToTrash(file, can);
    made.push(t.trashed, t.info);
    expect(statSync(t.trashed).ino).toBe(ino);
    expect(parseTrashInfo(readFileSync(t.info, 'utf8')).path).toBe(file);
    expect(existsSync(path.join(home, 'data', 'Trash'))).toBe(false);
  });
});

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Library } from '../../src/db/library.js';
import { APPLICATION_ID } from '../../src/db/open-library.js';
import { BIN } from '../helpers/corpus.js';
import { makeJpeg, tempDir } from './helpers.js';

const mode = (file: string) => statSync(file).mode & 0o777;
const libs: Library[] = [];
const mounts: string[] = [];
afterEach(() => {
  for (const lib of libs.splice(0)) lib.close();
  for (const m of mounts.splice(0)) spawnSync('umount', [m]);
});

function open(file: string): Library {
  const lib = Library.open(file);
  libs.push(lib);
  return lib;
}

describe('opening the library', () => {
  it('says a zero-byte library.db is empty and leaves it as it is', () => {
    const file = path.join(tempDir(), 'library.db');
    writeFileSync(file, '');
    expect(() => Library.open(file)).toThrow(/is empty \(0 bytes\), not a termtable library/);
    expect(statSync(file).size).toBe(0);
  });

  it('never writes to a file that is not a termtable library', () => {
    const dir = tempDir();
    const foreign = path.join(dir, 'other.db');
    const db = new Database(foreign);
    db.exec('CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES (\'mine\')');
    db.close();
    const before = readFileSync(foreign);
    expect(() => Library.open(foreign)).toThrow(/SQLite database but not a termtable library \(tables: notes\)/);
    expect(readFileSync(foreign).equals(before)).toBe(true);

    const other = path.join(dir, 'app.db');
    const db2 = new Database(other);
    db2.pragma('application_id = 42');
    db2.exec('CREATE TABLE images (x)');
    db2.close();
    expect(() => Library.open(other)).toThrow(/another program's SQLite database \(application_id 42\)/);

    const text = path.join(dir, 'text.db');
    writeFileSync(text, 'just text, long enough to look like a header of something');
    expect(() => Library.open(text)).toThrow(/not a termtable library \(not a SQLite database\)/);
    expect(readFileSync(text, 'utf8')).toMatch(/^just text/);
  });

  it('makes a new library private: folder 0700, library.db and its -wal/-shm 0600, tagged as termtable\'s', async () => {
    const root = tempDir();
    const file = path.join(root, 'new', 'termtable', 'library.db');
    const lib = open(file);
    const photos = path.join(root, 'photos');
    mkdirSync(photos);
    await makeJpeg(path.join(photos, 'a.jpg'));
    const { importFolders } = await import('../../src/db/import.js');
    await importFolders(lib, [photos]);
    expect(mode(path.dirname(file))).toBe(0o700);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) expect(mode(f), f).toBe(0o600);
    const check = new Database(file, { readonly: true });
    expect(check.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    check.close();
    expect(lib.readOnly).toBe(false);
  });

  it('tightens a library made 0644 by an older termtable, and tags it', () => {
    const file = path.join(tempDir(), 'library.db');
    open(file).close();
    libs.pop();
    chmodSync(file, 0o644);
    const raw = new Database(file);
    raw.pragma('application_id = 0');
    raw.close();
    open(file);
    expect(mode(file)).toBe(0o600);
  });
});

describe('a library that cannot be written opens read-only', () => {
  /** A library of one image on a 1 MB tmpfs (root only), or in a plain folder. */
  async function libraryOnSmallDisk(): Promise<{ dir: string; file: string; mounted: boolean }> {
    const dir = path.join(tempDir(), 'fs');
    mkdirSync(dir);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]).status === 0;
    if (mounted) mounts.push(dir);
    const file = path.join(dir, 'library.db');
    const photos = path.join(tempDir(), 'photos');
    mkdirSync(photos);
    await makeJpeg(path.join(photos, 'a.jpg'), { make: 'Acme' });
    const { importFolders } = await import('../../src/db/import.js');
    const lib = Library.open(file);
    await importFolders(lib, [photos]);
    lib.close();
    return { dir, file, mounted };
  }

  it('on a full disk: reads work, writes refuse, readOnly says why; `list` still lists', async (ctx) => {
    const { dir, file, mounted } = await libraryOnSmallDisk();
    if (!mounted) ctx.skip('mount -t tmpfs needs root: the full-disk case runs as root only (the read-only case below runs anywhere)');
    spawnSync('dd', ['if=/dev/zero', `of=${path.join(dir, 'fill')}`, 'bs=4k']);
    const lib = open(file);
    expect(lib.readOnly).toBe(true);
    expect(lib.readOnlyReason).toMatch(/disk I\/O error|disk is full/);
    expect([...lib.iterate()].map((r) => r.maker)).toEqual(['Acme']);
    expect(() => lib.setRotation([1], 1)).toThrow();
    const list = spawnSync(process.execPath, [BIN, '--library', file, 'list', '--json'], { encoding: 'utf8' });
    expect(list.status, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout.trim())).toMatchObject({ id: 1, maker: 'Acme' });
  }, 60_000);

  it('on a read-only file system (or an unwritable folder)', async () => {
    const { dir, file, mounted } = await libraryOnSmallDisk();
    if (mounted) spawnSync('mount', ['-o', 'remount,ro', dir]);
    else {
      chmodSync(file, 0o444);
      chmodSync(dir, 0o555);
    }
    const lib = open(file);
    expect(lib.readOnly).toBe(true);
    expect(lib.readOnlyReason).toMatch(mounted ? /read-only file system \(EROFS/ : /permission denied|read-only/);
    expect(lib.get(1)?.maker).toBe('Acme');
    if (!mounted) chmodSync(dir, 0o755);
  }, 60_000);
});

import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, CORPUS_DIR, skipWithoutCorpus } from '../helpers/corpus.js';
import { run } from '../helpers/run.js';

const execFileAsync = promisify(execFile);
let home: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'termtable-cli-lib-'));
  env = {
    ...process.env,
    XDG_DATA_HOME: path.join(home, 'data'),
    XDG_CACHE_HOME: path.join(home, 'cache'),
    XDG_CONFIG_HOME: path.join(home, 'config'),
  };
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** The real binary, awaited (a synchronous spawn would block the test worker; see vitest.config.ts). */
async function tt(...args: string[]) {
  const r = await run(process.execPath, [BIN, ...args], { env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** A folder of small synthetic JPEGs we may write sidecars next to (the corpus is read-only). */
async function scratchPhotos(names: string[]): Promise<string> {
  const dir = mkdtempSync(path.join(home, 'photos-'));
  for (const name of names) {
    await sharp({ create: { width: 16, height: 16, channels: 3, background: '#446688' } }).jpeg().toFile(path.join(dir, name));
  }
  return dir;
}

const CORPUS_DIRS = ['photos', 'raw', 'bad'].map((d) => path.join(CORPUS_DIR, d));
const ESC_OR_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

// Every test here drives the real binary, several times: generous on a loaded machine.
describe('termtable library commands', { timeout: 240_000 }, () => {
  it('has --help for each command', async () => {
    for (const cmd of ['import', 'list', 'set', 'remove', 'purge']) {
      const r = await tt(cmd, '--help');
      expect(r.code, cmd).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`Usage: termtable ${cmd}`));
    }
  });

  it('imports the corpus with --json and lists it with --json and as sanitised text', async (ctx) => {
    skipWithoutCorpus(ctx);
    const lib = path.join(home, 'corpus.db');
    const imp = await tt('--library', lib, 'import', ...CORPUS_DIRS, '--json');
    expect(imp.code).toBe(0);
    const lines = imp.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(Object.keys(summary)).toEqual(['imported', 'updated', 'unchanged', 'skipped', 'sidecarsUpdated', 'errors']);
    expect(summary).toMatchObject({ imported: 48, updated: 0, unchanged: 0, skipped: 0, errors: [] });

    const again = JSON.parse((await tt('--library', lib, 'import', ...CORPUS_DIRS, '--json')).stdout) as Record<string, unknown>;
    expect(again).toMatchObject({ imported: 0, unchanged: 48 });

    const list = await tt('--library', lib, 'list', '--json');
    expect(list.code).toBe(0);
    const rows = jsonLines(list.stdout);
    expect(rows).toHaveLength(48);
    for (const key of ['id', 'path', 'filmRoll', 'filename', 'fileSize', 'mtime', 'width', 'height', 'orientation', 'maker',
      'model', 'lens', 'exposureTime', 'fNumber', 'iso', 'focalLength', 'takenAt', 'rating', 'rejected', 'labels']) {
      expect(rows[0], key).toHaveProperty(key);
    }
    const d70 = rows.find((r) => r.filename === 'nikon-d70.jpg')!;
    expect(d70).toMatchObject({ maker: 'NIKON CORPORATION', model: 'NIKON D70', rating: 0, rejected: false, labels: [], takenAt: '2004-11-21T21:29:12' });
    expect(jsonLines((await tt('--library', lib, 'list', '--json', '--film', path.join(CORPUS_DIR, 'raw'))).stdout)).toHaveLength(9);
    const names = jsonLines((await tt('--library', lib, 'list', '--json', '--sort', 'name')).stdout).map((r) => r.filename as string);
    expect(names).toEqual([...names].sort());

    const text = await tt('--library', lib, 'list');
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n').filter(Boolean)).toHaveLength(48);
    expect(text.stdout).not.toMatch(ESC_OR_CONTROL);
    expect(text.stdout).toContain('Canon PowerShot S30?[31m RED');
    expect(text.stdout).toContain('fin-de-journée.jpg');
  });

  it('refuses bad arguments with one line on stderr and exit 2', async () => {
    const lib = path.join(home, 'bad-args.db');
    const notAFolder = path.join(home, 'notes.md');
    writeFileSync(notAFolder, 'not a folder\n');
    const cases: string[][] = [
      ['import', path.join(home, 'no-such-folder')],
      ['import', notAFolder],
      ['set', 'abc', '--rating', '1'],
      ['set', '1', '--rating', '7'],
      ['set', '1'],
      ['set', '1', '--reject', '--unreject'],
      ['set', '999', '--rating', '1'],
      ['remove', '999'],
      ['list', '--sort', 'size'],
      ['list', '--label', 'pink'],
      ['list', '--film', '/nowhere'],
    ];
    for (const args of cases) {
      const r = await tt('--library', lib, ...args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split('\n')[0], args.join(' ')).toMatch(/^(termtable|error): /);
      expect(r.stdout).toBe('');
    }
  });

  it('sets culling through sidecars, filters on it, removes and purges without touching files', async () => {
    const dir = await scratchPhotos(['a.jpg', 'b.jpg', 'c.jpg', 'd\u001b[2Kevil.jpg']);
    const lib = path.join(home, 'cull.db');
    expect((await tt('--library', lib, 'import', dir, '--json')).code).toBe(0);
    const ids = Object.fromEntries(jsonLines((await tt('--library', lib, 'list', '--json')).stdout).map((r) => [r.filename, r.id as number]));
    const [a, b, c, d] = [ids['a.jpg']!, ids['b.jpg']!, ids['c.jpg']!, ids['d\u001b[2Kevil.jpg']!];

    expect((await tt('--library', lib, 'set', String(a), String(b), '--rating', '4', '--label', 'red', '--label', 'blue')).code).toBe(0);
    expect((await tt('--library', lib, 'set', String(c), '--reject')).code).toBe(0);
    expect((await tt('--library', lib, 'set', String(b), '--unlabel', 'red')).code).toBe(0);
    const rating = (id: number) => spawnSync('exiftool', ['-XMP:Rating', '-s3', `${path.join(dir, Object.keys(ids).find((k) => ids[k] === id)!)}.xmp`], { encoding: 'utf8' }).stdout.trim();
    expect(rating(a)).toBe('4');
    expect(rating(c)).toBe('-1');

    const rows = async (...args: string[]) => jsonLines((await tt('--library', lib, 'list', '--json', ...args)).stdout);
    expect((await rows('--min-rating', '4')).map((r) => r.id)).toEqual([a, b].sort((x, y) => x - y));
    expect((await rows('--rejected')).map((r) => r.id)).toEqual([c]);
    expect((await rows('--label', 'red')).map((r) => r.id)).toEqual([a]);
    expect((await rows('--label', 'blue')).map((r) => r.labels)).toEqual([['blue'], ['blue']].map((l, i) => (i === 0 ? ['red', 'blue'] : l)));
    expect((await rows('--sort', 'rating')).map((r) => r.id)).toEqual([a, b, d, c]);

    const removed = await tt('--library', lib, 'remove', String(d));
    expect(removed.code).toBe(0);
    expect(existsSync(path.join(dir, 'd\u001b[2Kevil.jpg'))).toBe(true);
    expect(await rows()).toHaveLength(3);

    rmSync(path.join(dir, 'b.jpg'));
    const dry = await tt('--library', lib, 'purge', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(path.join(dir, 'b.jpg'));
    expect(await rows()).toHaveLength(3);
    const purge = await tt('--library', lib, 'purge');
    expect(purge.stdout).toContain('removed 1 images');
    expect((await rows()).map((r) => r.id)).toEqual([a, c]);
    expect(existsSync(`${path.join(dir, 'b.jpg')}.xmp`)).toBe(true); // sidecars are never deleted
  });

  it('reports unreadable names with exit 1 and still imports the rest', async () => {
    const dir = await scratchPhotos(['ok.jpg']);
    writeFileSync(Buffer.concat([Buffer.from(`${dir}/bad-`), Buffer.from([0xff, 0xfe]), Buffer.from('.jpg')]), 'x');
    const r = await tt('--library', path.join(home, 'names.db'), 'import', dir, '--json');
    expect(r.code).toBe(1);
    const summary = JSON.parse(r.stdout) as { imported: number; errors: { path: string; message: string }[] };
    expect(summary.imported).toBe(1);
    expect(summary.errors).toEqual([{ path: expect.stringContaining('bad-'), message: 'file name is not valid UTF-8; not imported' }]);
    const text = await tt('--library', path.join(home, 'names2.db'), 'import', dir);
    expect(text.stderr).toMatch(/bad-.*file name is not valid UTF-8/);
    expect(text.stdout).toMatch(/^imported 1, updated 0, unchanged 0, skipped 0, errors 1$/m);
  });

  it('loses nothing when two `set` loops write one library at once', async () => {
    const names = Array.from({ length: 6 }, (_, i) => `p${i}.jpg`);
    const dir = await scratchPhotos(names);
    const lib = path.join(home, 'concurrent.db');
    await tt('--library', lib, 'import', dir);
    const ids = jsonLines((await tt('--library', lib, 'list', '--json')).stdout).map((r) => String(r.id));
    const loop = async (label: string) => {
      for (const id of ids) await execFileAsync(process.execPath, [BIN, '--library', lib, 'set', id, '--label', label], { env });
    };
    await Promise.all([loop('green'), loop('purple')]);
    for (const row of jsonLines((await tt('--library', lib, 'list', '--json')).stdout)) {
      expect(row.labels).toEqual(['green', 'purple']);
    }
  });
});

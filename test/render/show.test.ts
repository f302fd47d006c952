import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { applyCulling } from '../../src/db/culling.js';
import { importFolders } from '../../src/db/import.js';
import { Library } from '../../src/db/library.js';
import { BIN, corpus, HAVE_CORPUS } from '../helpers/corpus.js';
import { quadrantJpeg, tempDir } from './helpers.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function xdg(root: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    XDG_DATA_HOME: path.join(root, 'data'),
    XDG_CACHE_HOME: path.join(root, 'cache'),
    XDG_CONFIG_HOME: path.join(root, 'config'),
    TERMTABLE_PROTOCOL: '',
  };
}

function show(args: string[], root: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'show', ...args], { env: xdg(root), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const plain = (s: string) => s.replace(/\x1b\[[\d;]*m/g, '');

describe('termtable show', () => {
  it('prints thumbnails and skulls with their causes, and exits 0', async () => {
    const root = tempDir();
    const jpeg = await quadrantJpeg(600, 400);
    const files = { photo: path.join(root, 'nikon-d70.jpg'), truncated: path.join(root, 'truncated.jpg'), empty: path.join(root, 'zero-bytes.jpg') };
    writeFileSync(files.photo, jpeg);
    writeFileSync(files.truncated, jpeg.subarray(0, jpeg.length >> 1));
    writeFileSync(files.empty, '');
    // A camera raw's embedded preview when the corpus is there (a raw cannot be made here).
    const raw = HAVE_CORPUS ? [corpus('raw/canon-eos-r6-pruned.cr3')] : [];
    const r = await show(
      ['--protocol', 'blocks', '--size', '20', files.photo, files.truncated, files.empty, path.join(root, 'no-such-file.jpg'), ...raw],
      root,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const text = plain(r.stdout);
    expect(text).toContain('nikon-d70.jpg');
    expect(text).toMatch(/unsupported or\s/);
    expect(text).toContain('missing file');
    expect(text).toContain('() ()');
    if (raw.length) expect(text).toContain('canon-eos-r6-pruned…');
    // Pictures are there: half-blocks with colour.
    expect((r.stdout.match(/▀/g) ?? []).length).toBeGreaterThan(100);
  });

  it('never lets a file name drive the terminal', async () => {
    const root = tempDir();
    const dir = path.join(root, 'pics');
    mkdirSync(dir);
    const evil = path.join(dir, 'a\x1b]0;pwned\x07\x1b[31mb.jpg');
    writeFileSync(evil, await quadrantJpeg(120, 80));
    // EXIF like the corpus's bad/exif-escape-sequences.jpg: SGR and an OSC window title in Model.
    await sharp(await quadrantJpeg(120, 80))
      .withExif({ IFD0: { Make: 'Canon', Model: 'Canon PowerShot S30\x1b[31m RED\x1b[0m\x1b]0;pwned-window-title\x07' } })
      .toFile(path.join(dir, 'exif.jpg'));
    const r = await show(['--protocol', 'blocks', '--size', '30', evil, path.join(dir, 'exif.jpg')], root);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('\x07');
    expect(r.stdout).not.toContain('\x1b]');
    expect(r.stdout).not.toContain('pwned\x07');
    expect(plain(r.stdout)).toContain('a?]0;pwned??[31mb.jpg');
    // Every escape left is our own SGR.
    const escapes = r.stdout.match(/\x1b[^[]|\x1b\[[^m]*[^\dm;]/g) ?? [];
    expect(escapes).toEqual([]);
  });

  it('shows library images by id with their rating', async () => {
    const root = tempDir();
    const dir = path.join(root, 'roll');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'q.jpg'), await quadrantJpeg(300, 200));
    const lib = Library.open(path.join(root, 'data', 'termtable', 'library.db'));
    const summary = await importFolders(lib, [dir]);
    const id = summary.ids.new[0]!;
    await applyCulling(lib, [id], { rating: 3 });
    lib.close();
    const r = await show(['--protocol', 'kitty', '--size', '16', String(id), '99999'], root);
    expect(r.code).toBe(0);
    const text = plain(r.stdout);
    expect(text).toContain('q.jpg');
    expect(text).toContain('★★★☆☆');
    expect(text).toContain('no image 99999');
    // kitty: pixels once under an id, quietly, then a placement by that id.
    const transmit = /\x1b_Ga=t,t=d,f=100,i=(\d+),q=2/.exec(r.stdout);
    expect(transmit).not.toBeNull();
    expect(r.stdout).toContain(`a=p,i=${transmit![1]},p=1,`);
  });

  it('works on the same file twice through the cache, as sixel', async () => {
    const root = tempDir();
    const file = path.join(root, 'q.jpg');
    await sharp(await quadrantJpeg(300, 200)).toFile(file);
    for (let i = 0; i < 2; i += 1) {
      const r = await show(['--protocol', 'sixel', '--size', '12', file], root);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/\x1bP0;1;q"1;1;\d+;\d+/);
    }
  });

  it('refuses bad arguments with exit 2 and one line', async () => {
    const root = tempDir();
    for (const args of [['--protocol', 'nope', 'x.jpg'], ['--cols', '0', 'x.jpg'], ['--size', 'big', 'x.jpg'], []]) {
      const r = await show(args, root);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().length).toBeGreaterThan(0);
    }
  });

  it('--probe says what it found and why', async () => {
    const root = tempDir();
    const r = await show(['--probe'], root);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^protocol: blocks/m);
    expect(r.stdout).toContain('not queried');
  });
});

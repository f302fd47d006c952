import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTrashInfo } from '../../src/files/trash.js';
import { BIN } from '../helpers/corpus.js';
import { makeJpeg } from '../db/helpers.js';

/**
 * export and trash-rejects through the real binary on a real library: two film rolls under
 * photos/2024 (rome with a RAW+JPEG pair and every kind of sidecar, paris), culled with `set`.
 */
let root: string;
let env: NodeJS.ProcessEnv;
const shm = existsSync('/dev/shm') && statSync('/dev/shm').dev !== statSync(os.tmpdir()).dev ? mkdtempSync('/dev/shm/tt-export-') : null;

function tt(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env });
}
function json<T>(run: ReturnType<typeof tt>): T {
  if (run.status !== 0 && run.status !== 1) throw new Error(`exit ${run.status}: ${run.stderr}`);
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${run.status}): stdout ${JSON.stringify(run.stdout)}, stderr ${JSON.stringify(run.stderr)}`);
  }
}
interface Row { id: number; path: string; filename: string; rating: number; rejected: boolean; labels: string[]; mtime: number; fileSize: number }
function list(): Row[] {
  const run = tt('list', '--json');
  expect(run.status).toBe(0);
  return run.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);
}
const byName = (rows: Row[], rel: string) => rows.find((r) => r.path.endsWith(`/${rel}`))!;
/** Every file under dir, relative, sorted. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else out.push(path.relative(dir, path.join(d, e.name)));
    }
  };
  walk(dir);
  return out.sort();
}
const same = (a: string, b: string) => readFileSync(a).equals(readFileSync(b));

const XMP =
  '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
  '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"/></rdf:RDF></x:xmpmeta>\n';

async function makePhotos(base: string): Promise<string> {
  const rome = path.join(base, 'photos', '2024', 'rome');
  const paris = path.join(base, 'photos', '2024', 'paris');
  mkdirSync(rome, { recursive: true });
  mkdirSync(paris, { recursive: true });
  await makeJpeg(path.join(rome, 'IMG_0001.JPG'), { size: 200 });
  writeFileSync(path.join(rome, 'IMG_0001.CR3'), randomBytes(100_000)); // imported as an image, never decoded here
  writeFileSync(path.join(rome, 'IMG_0001.xmp'), XMP); // Lightroom's, shared by the pair
  writeFileSync(path.join(rome, 'IMG_0001_01.CR3.xmp'), XMP); // darktable duplicate
  await makeJpeg(path.join(rome, 'IMG_0002.JPG'), { size: 120 });
  await makeJpeg(path.join(paris, 'IMG_0001.JPG'), { size: 160 });
  await makeJpeg(path.join(paris, 'IMG_0003.JPG'), { size: 100 });
  return path.join(base, 'photos', '2024');
}

let photos: string;
beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'tt-export-cli-'));
  env = {
    ...process.env,
    XDG_DATA_HOME: path.join(root, 'data'),
    XDG_CACHE_HOME: path.join(root, 'cache'),
    XDG_CONFIG_HOME: path.join(root, 'config'),
  };
  photos = await makePhotos(root);
  expect(tt('import', photos, '--no-thumbnails').status).toBe(0);
  const rows = list();
  const id = (rel: string) => String(byName(rows, rel).id);
  // Only the JPEG of the rome pair is picked: its raw must travel with it.
  expect(tt('set', id('rome/IMG_0001.JPG'), '--rating', '3').status).toBe(0);
  expect(tt('set', id('rome/IMG_0002.JPG'), '--rating', '1', '--label', 'red').status).toBe(0);
  expect(tt('set', id('paris/IMG_0001.JPG'), '--rating', '4').status).toBe(0);
  expect(tt('set', id('paris/IMG_0003.JPG'), '--reject').status).toBe(0);
  ALL_PICKS = tree(photos).filter((f) => !f.startsWith('paris/IMG_0003'));
  // The pair's raw, both sidecar conventions and the darktable duplicate are among them.
  for (const f of ['rome/IMG_0001.CR3', 'rome/IMG_0001.JPG', 'rome/IMG_0001.xmp', 'rome/IMG_0001_01.CR3.xmp']) expect(ALL_PICKS).toContain(f);
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  if (shm) rmSync(shm, { recursive: true, force: true });
});

/** Every file of the two rolls but the rejected IMG_0003 and its sidecars (which sidecars `set` writes is not this test's business). */
let ALL_PICKS: string[] = [];

describe('termtable export (copy)', () => {
  it('--dry-run lists the plan and writes nothing', () => {
    const dest = path.join(root, 'dry');
    const run = tt('export', dest, '--dry-run');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`${path.join(photos, 'rome', 'IMG_0001.CR3')} -> ${path.join(dest, 'rome', 'IMG_0001.CR3')}`);
    expect(run.stdout).toContain(`would copy ${ALL_PICKS.length} files`);
    expect(existsSync(dest)).toBe(false);
  });

  it('copies the picks with their sidecars and RAW partner, keeping sub-folders below the common root, mtimes kept', () => {
    const dest = path.join(root, 'out');
    const s = json<{ images: number; files: number; alreadyThere: number; renamed: number; root: string; errors: unknown[] }>(tt('export', dest, '--json'));
    expect(s).toMatchObject({ images: 4, files: ALL_PICKS.length, alreadyThere: 0, renamed: 0, root: photos, errors: [] });
    expect(tree(dest)).toEqual(ALL_PICKS);
    for (const rel of ALL_PICKS) {
      expect(same(path.join(photos, rel), path.join(dest, rel))).toBe(true);
      expect(Math.trunc(statSync(path.join(dest, rel)).mtimeMs)).toBe(Math.trunc(statSync(path.join(photos, rel)).mtimeMs));
    }
    expect(tree(path.join(photos, 'paris'))).toContain('IMG_0003.JPG'); // rejected: not exported, not touched
  });

  it('run again, finds every file already there byte for byte and makes no -1 copies', () => {
    const dest = path.join(root, 'out');
    const s = json<{ files: number; alreadyThere: number; renamed: number }>(tt('export', dest, '--json'));
    expect(s).toMatchObject({ files: 0, alreadyThere: ALL_PICKS.length, renamed: 0 });
    expect(tree(dest)).toEqual(ALL_PICKS);
  });

  it('never overwrites: a taken name gives the whole bundle a -1 suffix, sidecars renamed to match', () => {
    const dest = path.join(root, 'clash');
    mkdirSync(dest);
    writeFileSync(path.join(dest, 'IMG_0001.JPG'), 'somebody else');
    const s = json<{ files: number; renamed: number; root: string }>(tt('export', dest, '--json', '--selected-film', path.join(photos, 'rome'), '--min-rating', '3'));
    const bundle = ALL_PICKS.filter((f) => f.startsWith('rome/IMG_0001')).map((f) => f.replace('rome/IMG_0001', 'IMG_0001-1'));
    expect(s).toMatchObject({ files: bundle.length, renamed: 1, root: path.join(photos, 'rome') });
    expect(tree(dest)).toEqual([...bundle, 'IMG_0001.JPG'].sort());
    expect(bundle).toContain('IMG_0001-1_01.CR3.xmp');
    expect(readFileSync(path.join(dest, 'IMG_0001.JPG'), 'utf8')).toBe('somebody else');
    expect(same(path.join(photos, 'rome', 'IMG_0001.CR3'), path.join(dest, 'IMG_0001-1.CR3'))).toBe(true);
  });

  it('filters by label (any of several) and minimum rating', () => {
    const red = path.join(root, 'red');
    expect(json<{ images: number }>(tt('export', red, '--json', '--label', 'red', '--label', 'blue')).images).toBe(1);
    expect(tree(red)).toEqual(ALL_PICKS.filter((f) => f.startsWith('rome/IMG_0002')).map((f) => path.basename(f)));
    const four = path.join(root, 'four');
    expect(json<{ images: number }>(tt('export', four, '--json', '--min-rating', '4')).images).toBe(1);
    expect(tree(four)).toEqual(ALL_PICKS.filter((f) => f.startsWith('paris/IMG_0001')).map((f) => path.basename(f)));
  });

  it('refuses bad arguments with exit 2', () => {
    expect(tt('export', path.join(root, 'x'), '--label', 'mauve').status).toBe(2);
    expect(tt('export', path.join(root, 'x'), '--min-rating', '9').status).toBe(2);
    expect(tt('export').status).toBe(2);
    const nowhere = tt('export', path.join(root, 'x'), '--selected-film', path.join(root, 'nowhere'));
    expect(nowhere.status).toBe(2);
    expect(nowhere.stderr).toMatch(/no film roll at or below/);
    writeFileSync(path.join(root, 'a-file'), '');
    expect(tt('export', path.join(root, 'a-file')).stderr).toMatch(/not a folder/);
    expect(existsSync(path.join(root, 'x'))).toBe(false);
  });
});

describe('termtable export --move', () => {
  it('moves the files; the library follows (same ids, ratings) and the thumbnail stays valid', () => {
    const dest = shm ?? path.join(root, 'moved');
    const before = list();
    const paris = byName(before, 'paris/IMG_0001.JPG');
    const thumb = json<{ ok: boolean; path: string }>(tt('thumb', String(paris.id), '--json'));
    expect(thumb.ok).toBe(true);
    const cached = statSync(thumb.path);

    const s = json<{ images: number; files: number; errors: unknown[] }>(tt('export', dest, '--move', '--json'));
    expect(s).toMatchObject({ images: 4, files: ALL_PICKS.length, errors: [] });
    expect(tree(dest)).toEqual(ALL_PICKS);
    for (const rel of ALL_PICKS) expect(existsSync(path.join(photos, rel))).toBe(false);

    const after = list();
    expect(after).toHaveLength(before.length);
    for (const b of before) {
      const a = after.find((r) => r.id === b.id)!;
      const rel = path.relative(photos, b.path);
      expect(a.path).toBe(ALL_PICKS.includes(rel) ? path.join(dest, rel) : b.path);
      expect([a.rating, a.rejected, a.labels, a.fileSize, a.mtime]).toEqual([b.rating, b.rejected, b.labels, b.fileSize, b.mtime]);
      expect(existsSync(a.path)).toBe(true);
    }
    // The cached thumbnail is still the valid one: served again, not remade.
    const again = json<{ ok: boolean; path: string }>(tt('thumb', String(paris.id), '--json'));
    expect(again).toMatchObject({ ok: true, path: thumb.path });
    expect([statSync(thumb.path).ino, statSync(thumb.path).mtimeMs]).toEqual([cached.ino, cached.mtimeMs]);
    expect(existsSync(path.join(root, 'data', 'termtable', 'library.db-moves.jsonl'))).toBe(false);
  });
});

describe('termtable trash-rejects', () => {
  it('--dry-run changes nothing; then the rejected image and its sidecar go to the XDG trash and leave the library', () => {
    const rejected = path.join(photos, 'paris', 'IMG_0003.JPG');
    const dry = tt('trash-rejects', '--dry-run');
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(rejected);
    expect(existsSync(rejected)).toBe(true);
    expect(existsSync(path.join(root, 'data', 'Trash'))).toBe(false);

    const gone = tree(path.join(photos, 'paris')).filter((f) => f.startsWith('IMG_0003'));
    const id = list().find((r) => r.rejected)!.id;
    const thumb = json<{ ok: boolean; path: string }>(tt('thumb', String(id), '--json'));
    expect(existsSync(thumb.path)).toBe(true);
    const s = json<{ images: number; files: number; plan: { from: string; to: string }[] }>(tt('trash-rejects', '--json'));
    expect(gone).toContain('IMG_0003.JPG');
    expect(s).toMatchObject({ images: 1, files: gone.length });
    const trash = path.join(root, 'data', 'Trash');
    expect(readdirSync(path.join(trash, 'files')).sort()).toEqual(gone);
    for (const name of gone) {
      const info = parseTrashInfo(readFileSync(path.join(trash, 'info', `${name}.trashinfo`), 'utf8'));
      expect(info.path).toBe(path.join(photos, 'paris', name));
    }
    expect(existsSync(rejected)).toBe(false);
    expect(list().some((r) => r.rejected)).toBe(false);
    expect(existsSync(thumb.path)).toBe(false); // its thumbnails are forgotten, as `remove` does
  });
});

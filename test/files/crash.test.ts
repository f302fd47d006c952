import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFolders } from '../../src/db/import.js';
import { Library } from '../../src/db/library.js';
import { MoveJournal } from '../../src/files/journal.js';
import { parseTrashInfo } from '../../src/files/trash.js';
import { PART_PREFIX } from '../../src/files/transfer.js';
import { BIN } from '../helpers/corpus.js';
import { makeJpeg } from '../db/helpers.js';

/**
 * kill -9 of the real binary at seeded random moments of export (copy and move, within one
 * filesystem and across two) and trash-rejects, then a second run: every file is whole at
 * exactly the places it should be, nothing is lost or doubled, the library points at files
 * that exist. The moments are spread over the length of an uninterrupted run measured first.
 */
const ITERATIONS = 10;
/** Each test spawns 20-odd processes: minutes on a loaded machine, not vitest's default minute. */
const TIMEOUT = 600_000;
const shm = existsSync('/dev/shm') && statSync('/dev/shm').dev !== statSync(os.tmpdir()).dev ? mkdtempSync('/dev/shm/tt-crash-') : null;
const XMP =
  '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
  '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"/></rdf:RDF></x:xmpmeta>\n';

/** mulberry32: a small seeded generator, so a failing moment can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let template: string;
const sha = (file: string) => createHash('sha1').update(readFileSync(file)).digest('hex');
/** Relative path → hash of every file of the template. */
const original = new Map<string, string>();

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

beforeAll(async () => {
  template = mkdtempSync(path.join(os.tmpdir(), 'tt-crash-template-'));
  for (const [roll, count] of [['a', 5], ['b', 3]] as const) {
    const dir = path.join(template, 'photos', roll);
    mkdirSync(dir, { recursive: true });
    for (let k = 0; k < count; k++) {
      const stem = `IMG_${roll}${k}`;
      // A raw of 6 MB (so a kill often lands inside a copy: with 1.5 MB a copy straight into the
      // final name went unnoticed in 10 kills, with 6 MB it was caught), its JPEG and a sidecar.
      writeFileSync(path.join(dir, `${stem}.CR3`), randomBytes(6_000_000));
      await makeJpeg(path.join(dir, `${stem}.JPG`), { size: 48 });
      writeFileSync(path.join(dir, `${stem}.CR3.xmp`), XMP);
    }
  }
  for (const rel of tree(path.join(template, 'photos'))) original.set(rel, sha(path.join(template, 'photos', rel)));
});
afterAll(() => {
  rmSync(template, { recursive: true, force: true });
  if (shm) rmSync(shm, { recursive: true, force: true });
});

interface World {
  base: string;
  photos: string;
  env: NodeJS.ProcessEnv;
  libraryFile: string;
  /** Relative paths (under photos/) of the files of picked bundles / rejected bundles. */
  picked: string[];
  rejected: string[];
}

/** A fresh copy of the template, imported; bundles k % 3 == 0 rejected, the rest rated 2. */
async function makeWorld(): Promise<World> {
  const base = mkdtempSync(path.join(os.tmpdir(), 'tt-crash-'));
  cpSync(path.join(template, 'photos'), path.join(base, 'photos'), { recursive: true });
  const photos = path.join(base, 'photos');
  const libraryFile = path.join(base, 'data', 'termtable', 'library.db');
  const lib = Library.open(libraryFile);
  await importFolders(lib, [photos]);
  const picked: string[] = [];
  const rejected: string[] = [];
  for (const r of lib.iterate()) {
    const k = Number(/(\d+)\.\w+$/.exec(r.filename)![1]);
    const reject = k % 3 === 0;
    lib.updateCulling([r.id], () => ({ rating: reject ? 0 : 2, rejected: reject, labels: [] }));
  }
  lib.close();
  for (const rel of tree(photos)) (/IMG_.(\d+)\./.exec(rel)![1]! && Number(/IMG_.(\d+)\./.exec(rel)![1]) % 3 === 0 ? rejected : picked).push(rel);
  const env = {
    ...process.env,
    XDG_DATA_HOME: path.join(base, 'data'),
    XDG_CACHE_HOME: path.join(base, 'cache'),
    XDG_CONFIG_HOME: path.join(base, 'config'),
  };
  return { base, photos, env, libraryFile, picked, rejected };
}

/** Runs the binary; with `killAfterMs`, kill -9 (or `signal`) at that moment. Resolves to the exit code or signal. */
function run(
  world: World,
  args: string[],
  killAfterMs?: number,
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<{ code: number | null; signal: string | null; ms: number; stdout: string }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], { env: world.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.resume();
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill(signal), killAfterMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, ms: Date.now() - started, stdout });
    });
  });
}

function libraryRows(world: World) {
  const lib = Library.open(world.libraryFile);
  try {
    return [...lib.iterate()];
  } finally {
    lib.close();
  }
}

const noParts = (dir: string) => tree(dir).filter((f) => path.basename(f).startsWith(PART_PREFIX));

/**
 * The kill window: from the end of a --dry-run (start-up, library and planning, no file
 * touched) to the end of a whole run, both measured now on this machine, so most kills land
 * while files are being written.
 */
async function windowOf(args: (w: World) => string[]): Promise<{ from: number; to: number }> {
  const world = await makeWorld();
  try {
    const dry = await run(world, [...args(world), '--dry-run']);
    const full = await run(world, args(world));
    expect([dry.code, full.code]).toEqual([0, 0]);
    // With a margin: on a shared machine either run can be slower or faster next time. The
    // start is close to the dry run's end: trashing is a few renames, over in a few ms.
    return { from: Math.round(Math.min(0.95 * dry.ms, 0.9 * full.ms)), to: Math.round(1.1 * full.ms) };
  } finally {
    rmSync(world.base, { recursive: true, force: true });
  }
}

const at = (random: () => number, w: { from: number; to: number }) => Math.round(w.from + random() * (w.to - w.from));

/** How far the killed run got: 'none', 'part' or 'all' of the files moved on. */
function progress(done: number, total: number): 'none' | 'part' | 'all' {
  return done === 0 ? 'none' : done < total ? 'part' : 'all';
}
const tally = (states: string[]) => ['none', 'part', 'all'].map((k) => `${k} ${states.filter((s) => s === k).length}`).join(', ');

describe('kill -9 at random moments, then a second run', () => {
  it(`export (copy): every pick whole at the destination exactly once, the sources untouched (${ITERATIONS} kills)`, async () => {
    const args = (w: World) => ['export', path.join(w.base, 'out'), '--json'];
    const window = await windowOf(args);
    const random = rng(101);
    const states: string[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const world = await makeWorld();
      const kill = at(random, window);
      const first = await run(world, args(world), kill);
      const out = path.join(world.base, 'out');
      states.push(progress(tree(out).filter((f) => !path.basename(f).startsWith(PART_PREFIX)).length, world.picked.length));
      const second = await run(world, args(world));
      const where = `iteration ${i}, killed at ${kill} ms of ${window.from}-${window.to} (${first.signal ?? `exit ${first.code}`})`;
      expect(second.code, where).toBe(0);
      expect(tree(out), where).toEqual(world.picked);
      for (const rel of world.picked) expect(sha(path.join(out, rel)), `${where}: ${rel}`).toBe(original.get(rel));
      for (const rel of [...world.picked, ...world.rejected]) expect(sha(path.join(world.photos, rel)), where).toBe(original.get(rel));
      rmSync(world.base, { recursive: true, force: true });
    }
    console.log(`export copy: killed runs had copied ${tally(states)} (window ${window.from}-${window.to} ms)`);
  }, TIMEOUT);

  it(`export --move within and across filesystems: every file exactly once, at its destination, and the library points at it (${ITERATIONS} kills)`, async () => {
    const destOf = (w: World, i: number) => (shm && i % 2 === 1 ? path.join(shm, path.basename(w.base)) : path.join(w.base, 'moved'));
    const windows = [await windowOf((w) => ['export', destOf(w, 0), '--move', '--json'])];
    if (shm) windows.push(await windowOf((w) => ['export', destOf(w, 1), '--move', '--json']));
    const random = rng(202);
    const states: string[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const world = await makeWorld();
      const dest = destOf(world, i);
      const window = windows[i % windows.length]!;
      const args = ['export', dest, '--move', '--json'];
      const kill = at(random, window);
      const first = await run(world, args, kill);
      states.push(progress(tree(dest).filter((f) => !path.basename(f).startsWith(PART_PREFIX)).length, world.picked.length));
      const second = await run(world, args);
      const where = `iteration ${i} (${dest.startsWith('/dev/shm') ? 'across filesystems' : 'one filesystem'}), killed at ${kill} ms of ${window.from}-${window.to} (${first.signal ?? `exit ${first.code}`})`;
      expect(second.code, `${where}: ${second.stdout}`).toBe(0);
      expect(tree(dest), where).toEqual(world.picked);
      expect(tree(world.photos), where).toEqual(world.rejected);
      for (const rel of world.picked) expect(sha(path.join(dest, rel)), `${where}: ${rel}`).toBe(original.get(rel));
      expect(noParts(dest), where).toEqual([]);
      const rows = libraryRows(world);
      expect(rows.length, where).toBe(world.picked.length / 3 * 2 + world.rejected.length / 3 * 2);
      for (const r of rows) {
        expect(existsSync(r.path), `${where}: ${r.path}`).toBe(true);
        expect(r.path.startsWith(r.rejected ? world.photos : dest), `${where}: ${r.path}`).toBe(true);
      }
      expect(existsSync(`${world.libraryFile}-moves.jsonl`), where).toBe(false);
      rmSync(world.base, { recursive: true, force: true });
      rmSync(dest, { recursive: true, force: true });
    }
    console.log(`export --move: killed runs had moved ${tally(states)} (windows ${windows.map((w) => `${w.from}-${w.to}`).join(', ')} ms)`);
  }, TIMEOUT);

  it(`trash-rejects: every rejected file exactly once in the trash with a valid info file, none left behind or doubled (${ITERATIONS} kills)`, async () => {
    const args = ['trash-rejects', '--json'];
    const window = await windowOf(() => args);
    const random = rng(303);
    const states: string[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const world = await makeWorld();
      const kill = at(random, window);
      const first = await run(world, args, kill);
      const trashFiles = path.join(world.base, 'data', 'Trash', 'files');
      states.push(progress(existsSync(trashFiles) ? readdirSync(trashFiles).length : 0, world.rejected.length));
      const second = await run(world, args);
      const where = `iteration ${i}, killed at ${kill} ms of ${window.from}-${window.to} (${first.signal ?? `exit ${first.code}`})`;
      expect(second.code, `${where}: ${second.stdout}`).toBe(0);
      expect(tree(world.photos), where).toEqual(world.picked);
      const trash = path.join(world.base, 'data', 'Trash');
      const files = readdirSync(path.join(trash, 'files')).sort();
      const infos = readdirSync(path.join(trash, 'info')).sort();
      // One info file per trashed file and none without its file.
      expect(infos, where).toEqual(files.map((f) => `${f}.trashinfo`));
      const restored = files.map((f) => {
        const info = parseTrashInfo(readFileSync(path.join(trash, 'info', `${f}.trashinfo`), 'utf8'));
        expect(sha(path.join(trash, 'files', f)), where).toBe(original.get(path.relative(world.photos, info.path)));
        return path.relative(world.photos, info.path);
      });
      expect(restored.sort(), where).toEqual([...world.rejected].sort());
      const rows = libraryRows(world);
      expect(rows.some((r) => r.rejected), where).toBe(false);
      expect(rows.length, where).toBe((world.picked.length / 3) * 2);
      rmSync(world.base, { recursive: true, force: true });
    }
    console.log(`trash-rejects: killed runs had trashed ${tally(states)} (window ${window.from}-${window.to} ms)`);
  }, TIMEOUT);
  it('Ctrl-C (SIGINT) during export --move: the bundle in hand is finished, exit 130, nothing half done; a second run finishes', async () => {
    const destOf = (w: World) => (shm ? path.join(shm, `int-${path.basename(w.base)}`) : path.join(w.base, 'moved'));
    const window = await windowOf((w) => ['export', destOf(w), '--move', '--json']);
    const random = rng(404);
    const codes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const world = await makeWorld();
      const dest = destOf(world);
      const args = ['export', dest, '--move', '--json'];
      const kill = at(random, window);
      const first = await run(world, args, kill, 'SIGINT');
      const where = `iteration ${i}, SIGINT at ${kill} ms (${first.signal ?? `exit ${first.code}`})`;
      codes.push(first.signal ?? String(first.code));
      // Before its handler is installed Node dies of the signal; after, it stops between bundles.
      expect(first.signal === 'SIGINT' || first.code === 0 || first.code === 130, where).toBe(true);
      if (first.code === 130) {
        expect(JSON.parse(first.stdout), where).toMatchObject({ interrupted: true });
        expect(noParts(dest), where).toEqual([]);
        expect(await new MoveJournal(world.libraryFile).pending(), where).toEqual([]);
      }
      const second = await run(world, args);
      expect(second.code, where).toBe(0);
      expect(tree(dest), where).toEqual(world.picked);
      expect(tree(world.photos), where).toEqual(world.rejected);
      for (const r of libraryRows(world)) expect(existsSync(r.path), where).toBe(true);
      rmSync(world.base, { recursive: true, force: true });
      rmSync(dest, { recursive: true, force: true });
    }
    console.log(`export --move, SIGINT: first runs ended ${codes.join(', ')}`);
  }, TIMEOUT);
});

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, LAUNCHER, REPO_ROOT } from '../helpers/corpus.js';

/**
 * bin/termtable is what npm links as `termtable`: a shell launcher that sets MALLOC_ARENA_MAX
 * (read by glibc only at start-up) and execs node on bin/termtable.js. Run here through a
 * symlink, as npm's .bin folder has it. It also gives node --max-semi-space-size (V8 reads it
 * only when the heap is made) through NODE_OPTIONS: as a node argument, worker threads inherit
 * it and refuse to start, and import then read no EXIF (checked below with a real import). A preload (NODE_OPTIONS) records what the node process
 * got: its pid (exec: the launcher's own, so job control and signals reach node), its
 * environment and its arguments.
 */
let dir: string;
let linked: string;
let preload: string;

interface Seen {
  pid: number;
  arena: string | null;
  argv: string[];
  nodeOptions: string | null;
}

function launch(args: string[], env: NodeJS.ProcessEnv = {}): { pid: number; status: number | null; stdout: string; seen: Seen } {
  const out = path.join(dir, `seen-${Date.now()}-${Math.random()}.json`);
  const base = { ...process.env };
  delete base.MALLOC_ARENA_MAX;
  const r = spawnSync(linked, args, {
    encoding: 'utf8',
    env: { ...base, ...env, NODE_OPTIONS: `--require ${preload}`, SEEN_OUT: out },
  });
  return { pid: r.pid, status: r.status, stdout: r.stdout, seen: JSON.parse(readFileSync(out, 'utf8')) as Seen };
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tt-launcher-'));
  mkdirSync(path.join(dir, '.bin'));
  linked = path.join(dir, '.bin', 'termtable');
  symlinkSync(path.relative(path.join(dir, '.bin'), LAUNCHER), linked);
  preload = path.join(dir, 'seen.cjs');
  writeFileSync(
    preload,
    `require('node:fs').writeFileSync(process.env.SEEN_OUT, JSON.stringify({ pid: process.pid, arena: process.env.MALLOC_ARENA_MAX ?? null, argv: process.argv.slice(2), nodeOptions: process.env.NODE_OPTIONS ?? null }));\n`,
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bin/termtable (the launcher npm links)', () => {
  it('is the package\'s bin and executable', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin.termtable).toBe('bin/termtable');
    expect(statSync(LAUNCHER).mode & 0o111).toBe(0o111);
  });

  it('becomes node itself (same pid) with MALLOC_ARENA_MAX=2, and answers as bin/termtable.js does', () => {
    const version = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version as string;
    const r = launch(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(version);
    expect(r.seen.pid).toBe(r.pid);
    expect(r.seen.arena).toBe('2');
    expect(r.seen.nodeOptions).toBe(`--max-semi-space-size=4 --require ${preload}`);
    // An unknown command fails the same way through both.
    const direct = spawnSync(process.execPath, [BIN, 'no-such-command'], { encoding: 'utf8' });
    const viaLauncher = launch(['no-such-command']);
    expect(direct.status).not.toBe(0);
    expect(viaLauncher.status).toBe(direct.status);
  });

  it('imports through it with the EXIF worker running (a V8 flag among node\'s arguments stopped every worker)', async () => {
    const photos = path.join(dir, 'photos');
    mkdirSync(photos);
    await sharp({ create: { width: 64, height: 48, channels: 3, background: '#808080' } })
      .withExif({ IFD0: { Make: 'LauncherMake', Model: 'L1' } })
      .jpeg()
      .toFile(path.join(photos, 'a.jpg'));
    const xdg = Object.fromEntries(['XDG_DATA_HOME', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME'].map((k) => [k, path.join(dir, k)]));
    const env = { ...process.env, ...xdg };
    const imported = spawnSync(linked, ['import', '--json', '--no-thumbnails', photos], { encoding: 'utf8', env });
    expect(imported.status, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ imported: 1, errors: [] });
    const listed = spawnSync(linked, ['list', '--json'], { encoding: 'utf8', env });
    expect(JSON.parse(listed.stdout.split('\n')[0]!)).toMatchObject({ filename: 'a.jpg', maker: 'LauncherMake', model: 'L1' });
  });

  it('keeps a MALLOC_ARENA_MAX the user set, and passes every argument as it was given', () => {
    const args = ['--version', 'a b', '$HOME', '*', '', "it's", '--'];
    const r = launch(args, { MALLOC_ARENA_MAX: '8' });
    expect(r.seen.arena).toBe('8');
    expect(r.seen.argv).toEqual(args);
  });
});

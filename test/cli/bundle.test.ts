import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/corpus.js';

/**
 * dist/bundle (scripts/bundle.mjs) is what bin/termtable.js runs after `npm run build`: the same
 * commands from a few dozen files. Made here from a copy of the dist/ the test setup built (so
 * the repo's own dist/ is left alone), it must run every path the unbundled one does (workers,
 * package.json found relative to their modules), keep the commands lazy,
 * and be passed over once stale.
 */
const run = promisify(execFile);
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const socket = `tt-bundle-${process.pid}-${Date.now()}`;
let root: string;
let bin: string;
let env: NodeJS.ProcessEnv;

/** Every module URL one run of the copied binary imported (test/helpers/module-log.mjs). */
async function modulesLoaded(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const log = path.join(root, `modules-${Date.now()}-${Math.random()}.log`);
  const hook = path.join(REPO_ROOT, 'test', 'helpers', 'module-log.mjs');
  await run(process.execPath, ['--import', hook, bin, ...args], { env: { ...env, ...extraEnv, TT_MODULE_LOG: log } });
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

const chunksOf = (urls: string[]) => urls.filter((u) => u.includes('/dist/bundle/')).map((u) => new URL(u).pathname);

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'termtable-bundle-'));
  mkdirSync(path.join(root, 'bin'));
  cpSync(path.join(REPO_ROOT, 'bin', 'termtable.js'), path.join(root, 'bin', 'termtable.js'));
  cpSync(path.join(REPO_ROOT, 'package.json'), path.join(root, 'package.json'));
  cpSync(path.join(REPO_ROOT, 'dist'), path.join(root, 'dist'), { recursive: true, filter: (src) => src !== path.join(REPO_ROOT, 'dist', 'bundle') });
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(root, 'node_modules'));
  await run(process.execPath, [path.join(REPO_ROOT, 'scripts', 'bundle.mjs'), path.join(root, 'dist')]);
  bin = path.join(root, 'bin', 'termtable.js');
  const photos = path.join(root, 'photos');
  mkdirSync(photos);
  for (const [i, colour] of ['#c33', '#3c3', '#33c'].entries()) {
    await sharp({ create: { width: 300, height: 200, channels: 3, background: colour } })
      .withExif({ IFD0: { Make: 'Bundlecam', Model: `B${i}` } })
      .jpeg()
      .toFile(path.join(photos, `shot-${i}.jpg`));
  }
  await writeFile(path.join(photos, 'broken.jpg'), 'not a jpeg');
  env = {
    ...process.env,
    XDG_DATA_HOME: path.join(root, 'data'),
    XDG_CACHE_HOME: path.join(root, 'cache'),
    XDG_CONFIG_HOME: path.join(root, 'config'),
  };
}, 120_000);

afterAll(() => {
  if (hasTmux) spawnSync('tmux', ['-L', socket, 'kill-server']);
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('the bundled binary', () => {
  it('is what bin/termtable.js runs, unless TERMTABLE_NO_BUNDLE is set', async () => {
    const bundled = await modulesLoaded(['--version']);
    expect(bundled.some((u) => u.endsWith('/dist/bundle/main.js'))).toBe(true);
    expect(bundled.some((u) => u.endsWith('/dist/cli/main.js'))).toBe(false);
    const plain = await modulesLoaded(['--version'], { TERMTABLE_NO_BUNDLE: '1' });
    expect(plain.some((u) => u.endsWith('/dist/cli/main.js'))).toBe(true);
    expect(plain.some((u) => u.includes('/dist/bundle/'))).toBe(false);
  });

  it('reads package.json relative to the module it came from (--version)', async () => {
    const { stdout } = await run(process.execPath, [bin, '--version'], { env });
    expect(stdout.trim()).toBe((JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  });

  it('keeps the commands lazy: --help and list load no chunk with React or Ink, and no sharp', async () => {
    const lib = path.join(root, 'lazy.db');
    for (const args of [['--help'], ['--library', lib, 'list', '--json']]) {
      const urls = await modulesLoaded(args);
      expect(urls.some((u) => /node_modules\/sharp\//.test(u)), args.join(' ')).toBe(false);
      for (const chunk of chunksOf(urls)) {
        const code = readFileSync(chunk, 'utf8');
        // React's element symbol and Ink's reconciler (its isInsideText context): present only in the chunks the lighttable loads.
        expect(code.includes('react.transitional.element') || code.includes('isInsideText'), `${args.join(' ')}: ${chunk}`).toBe(false);
      }
    }
    // The lighttable's chunks do hold them (the check above can fail).
    const dir = path.join(root, 'dist', 'bundle');
    const all = readdirSync(dir).map((f) => readFileSync(path.join(dir, f), 'utf8'));
    expect(all.some((code) => code.includes('react.transitional.element'))).toBe(true);
    expect(all.some((code) => code.includes('isInsideText'))).toBe(true);
  });

  it("loads commander without node:child_process (only its executable subcommands use it), which the same run unbundled loads", async () => {
    const lib = path.join(root, 'lazy.db');
    for (const args of [['--help'], ['--library', lib, 'list', '--json']]) {
      expect((await modulesLoaded(args)).includes('node:child_process'), args.join(' ')).toBe(false);
    }
    expect((await modulesLoaded(['--help'], { TERMTABLE_NO_BUNDLE: '1' })).includes('node:child_process')).toBe(true);
    // Still there when a command needs it: the bundled commander spawns through it on first use.
    const chunks = readdirSync(path.join(root, 'dist', 'bundle')).map((f) => readFileSync(path.join(root, 'dist', 'bundle', f), 'utf8'));
    expect(chunks.some((code) => code.includes(`spawn: (...args) => __require("node:child_process").spawn(...args)`))).toBe(true);
  });

  it('imports through the EXIF worker and lists the records', async () => {
    const lib = path.join(root, 'import.db');
    const imported = await run(process.execPath, [bin, '--library', lib, 'import', '--json', path.join(root, 'photos')], { env });
    expect(JSON.parse(imported.stdout)).toMatchObject({ imported: 4 });
    const { stdout } = await run(process.execPath, [bin, '--library', lib, 'list', '--json'], { env });
    const rows = stdout.trim().split('\n').map((l) => JSON.parse(l) as { filename: string; maker: string | null; model: string | null });
    expect(rows.filter((r) => r.maker === 'Bundlecam').map((r) => r.model).sort()).toEqual(['B0', 'B1', 'B2']);
    const worker = path.join(root, 'dist', 'db', 'exifr-worker.js');
    expect(existsSync(worker)).toBe(true);
  });

  it('is passed over once dist/ is rebuilt after it', async () => {
    const main = path.join(root, 'dist', 'cli', 'main.js');
    const later = new Date(Date.now() + 60_000);
    utimesSync(main, later, later);
    try {
      const urls = await modulesLoaded(['--version']);
      expect(urls.some((u) => u.endsWith('/dist/cli/main.js'))).toBe(true);
      expect(urls.some((u) => u.includes('/dist/bundle/'))).toBe(false);
    } finally {
      const now = new Date(Date.now() - 60_000);
      utimesSync(main, now, now);
    }
  });
});

describe.skipIf(!hasTmux)('the bundled lighttable in tmux', () => {
  it('draws the grid with its pictures and the skull, and quits with 0', async () => {
    const lib = path.join(root, 'tmux.db');
    await run(process.execPath, [bin, '--library', lib, 'import', '--json', path.join(root, 'photos')], { env });
    const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
    const capture = () => tmux('capture-pane', '-p', '-t', 'tt');
    const done = path.join(root, 'exit-code');
    const vars = ['XDG_DATA_HOME', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME'].map((k) => `${k}=${JSON.stringify(env[k])}`).join(' ');
    tmux(
      'new-session', '-d', '-s', 'tt', '-x', '120', '-y', '40',
      `env ${vars} ${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} --library ${JSON.stringify(lib)} --no-import --protocol blocks; echo $? > ${JSON.stringify(done)}; sleep 600`,
    );
    const end = Date.now() + 45_000;
    while (!(/1\/4/.test(capture()) && capture().split('▀').length > 100 && capture().includes('unsupported or'))) {
      if (Date.now() > end) throw new Error(`no grid; screen:\n${capture()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(capture()).toContain('termtable · grid');
    tmux('send-keys', '-t', 'tt', 'q');
    while (!existsSync(done)) {
      if (Date.now() > end + 20_000) throw new Error(`did not exit; screen:\n${capture()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(readFileSync(done, 'utf8').trim()).toBe('0');
  }, 90_000);
});

import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, LAUNCHER } from '../helpers/corpus.js';

/**
 * The real binary in a real terminal (tmux): import a folder, rate, reject, label, quit;
 * then the library (`termtable list --json`) and the XMP sidecars hold what was typed.
 */
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const socket = `tt-test-${process.pid}-${Date.now()}`;
let root: string;
let env: NodeJS.ProcessEnv;

const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const capture = () => tmux('capture-pane', '-p', '-t', 'tt');

async function waitFor(pred: () => boolean, what: string, timeoutMs = 30_000, screen: () => string = capture) {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${hasTmux ? screen() : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'termtable-tmux-'));
  const photos = path.join(root, 'photos');
  await mkdir(photos, { recursive: true });
  for (const [i, colour] of ['#c33', '#3c3', '#33c', '#cc3'].entries()) {
    await sharp({ create: { width: 300, height: 200, channels: 3, background: colour } })
      .jpeg()
      .toFile(path.join(photos, `shot-${i}.jpg`));
  }
  await writeFile(path.join(photos, 'broken.jpg'), 'not a jpeg');
  env = {
    ...process.env,
    XDG_DATA_HOME: path.join(root, 'data'),
    XDG_CACHE_HOME: path.join(root, 'cache'),
    XDG_CONFIG_HOME: path.join(root, 'config'),
    TERMTABLE_PROTOCOL: 'blocks',
  };
});

afterAll(async () => {
  if (hasTmux) spawnSync('tmux', ['-L', socket, 'kill-server']);
  await rm(root, { recursive: true, force: true });
});

describe.skipIf(!hasTmux)('the real binary in tmux', () => {
  it('imports, rates, rejects, labels, quits; the library and the sidecars agree', async () => {
    const done = path.join(root, 'exit-code');
    const envArgs = ['XDG_DATA_HOME', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME', 'TERMTABLE_PROTOCOL'].map(
      (k) => `${k}=${JSON.stringify(env[k])}`,
    );
    const cmd = `cd ${JSON.stringify(root)} && env ${envArgs.join(' ')} ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} photos; echo $? > ${JSON.stringify(done)}; sleep 600`;
    tmux('new-session', '-d', '-s', 'tt', '-x', '120', '-y', '40', cmd);
    // Thumbnails and the broken file's skull arrive in whatever order their jobs finish.
    await waitFor(
      () => /1\/5/.test(capture()) && capture().includes('▀') && capture().includes('unsupported or'),
      'the grid with thumbnails and the skull',
    );
    const first = capture();
    expect(first).toContain('termtable · grid');
    expect(first).toMatch(/unsupported or/); // the broken file's skull

    tmux('send-keys', '-t', 'tt', '3');
    await waitFor(() => capture().includes('★★★☆☆'), 'three stars');
    tmux('send-keys', '-t', 'tt', 'l', 'r');
    await waitFor(() => /2\/5/.test(capture()) && capture().includes('✗ rejected'), 'rejected');
    tmux('send-keys', '-t', 'tt', 'l', 'F1', 'F3');
    await waitFor(() => /3\/5/.test(capture()) && /● ● shot/.test(capture()), 'two labels');
    tmux('send-keys', '-t', 'tt', 'q');
    await waitFor(() => existsSync(done), 'exit', 20_000);
    expect(readFileSync(done, 'utf8').trim()).toBe('0');
    // The terminal is restored: the alternate screen is gone, the shell's screen is back.
    expect(capture()).not.toContain('termtable · grid');

    const list = spawnSync(process.execPath, [BIN, 'list', '--json'], { env, encoding: 'utf8' });
    expect(list.status).toBe(0);
    const rows = list.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { path: string; rating: number; rejected: boolean; labels: string[] });
    expect(rows).toHaveLength(5);
    const rated = rows.filter((r) => r.rating === 3);
    const rejected = rows.filter((r) => r.rejected);
    const labelled = rows.filter((r) => r.labels.length > 0);
    expect(rated).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect(labelled).toHaveLength(1);
    expect(labelled[0]!.labels).toEqual(['red', 'green']);
    expect(new Set([rated[0]!.path, rejected[0]!.path, labelled[0]!.path]).size).toBe(3);

    const sidecar = (p: string) => readFileSync(`${p}.xmp`, 'utf8');
    expect(sidecar(rated[0]!.path)).toMatch(/Rating="3"|<xmp:Rating>3</);
    expect(sidecar(rejected[0]!.path)).toMatch(/Rating="-1"|<xmp:Rating>-1</);
    expect(sidecar(labelled[0]!.path)).toMatch(/darktable:colorlabels/);
    if (spawnSync('exiftool', ['-ver']).status === 0) {
      const out = execFileSync('exiftool', ['-XMP:Rating', '-s3', `${rated[0]!.path}.xmp`], { encoding: 'utf8' });
      expect(out.trim()).toBe('3');
    }
  });
});

describe.skipIf(!hasTmux)('terminal hygiene of the real binary', () => {
  async function launch(name: string): Promise<string> {
    const done = path.join(root, `exit-${name}`);
    const envArgs = ['XDG_DATA_HOME', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME', 'TERMTABLE_PROTOCOL'].map(
      (k) => `${k}=${JSON.stringify(env[k])}`,
    );
    const cmd = `cd ${JSON.stringify(root)} && env ${envArgs.join(' ')} ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} --no-import; echo $? > ${JSON.stringify(done)}; sleep 600`;
    tmux('new-session', '-d', '-s', name, '-x', '100', '-y', '30', cmd);
    const grid = () => tmux('capture-pane', '-p', '-t', name);
    await waitFor(() => grid().includes('termtable · grid') && grid().includes('▀'), `${name} grid`);
    return done;
  }

  it('Ctrl-C and SIGTERM leave the alternate screen, restore the cursor and save the cache file', async () => {
    const a = await launch('ctrlc');
    tmux('send-keys', '-t', 'ctrlc', 'C-c');
    await waitFor(() => existsSync(a), 'exit after Ctrl-C', 20_000);
    expect(readFileSync(a, 'utf8').trim()).toBe('0');
    expect(tmux('capture-pane', '-p', '-t', 'ctrlc')).not.toContain('termtable · grid');
    expect(tmux('display', '-p', '-t', 'ctrlc', '#{alternate_on} #{cursor_flag}').trim()).toBe('0 1');

    const b = await launch('term');
    const shell = tmux('display', '-p', '-t', 'term', '#{pane_pid}').trim();
    const pid = Number(execFileSync('pgrep', ['-P', shell, '-f', 'termtable'], { encoding: 'utf8' }).trim().split('\n')[0]);
    process.kill(pid, 'SIGTERM');
    await waitFor(() => existsSync(b), 'exit after SIGTERM', 20_000);
    expect(readFileSync(b, 'utf8').trim()).toBe('143');
    expect(tmux('capture-pane', '-p', '-t', 'term')).not.toContain('termtable · grid');
    expect(tmux('display', '-p', '-t', 'term', '#{alternate_on} #{cursor_flag}').trim()).toBe('0 1');
    const cacheDir = path.join(root, 'cache', 'termtable');
    const files = readdirSync(cacheDir).filter((f) => f.endsWith('.cache'));
    expect(files.length).toBe(1);
  });
});

describe.skipIf(!hasTmux)('Ctrl-Z and fg in a real shell', () => {
  // dash (Debian's sh) has job control when interactive and, unlike bash, neither saves nor
  // restores the terminal's modes around a stopped job: what `stty` shows at its prompt is what
  // termtable left.
  it('Ctrl-Z gives the shell back a restored terminal; fg redraws everything, pictures included', async () => {
    const name = 'susp';
    const target = `${name}`;
    const pane = () => tmux('capture-pane', '-p', '-t', target);
    const until = (pred: () => boolean, what: string) => waitFor(pred, what, 30_000, () => `${pane()}\n[alternate_on cursor_flag: ${flags()}]`);
    const flags = () => tmux('display', '-p', '-t', target, '#{alternate_on} #{cursor_flag}').trim();
    const typed = (line: string) => tmux('send-keys', '-t', target, '-l', line);
    const enter = () => tmux('send-keys', '-t', target, 'Enter');
    // Run alone (-t) the first test has not imported the folder: importing again is a no-op.
    await promisify(execFile)(process.execPath, [BIN, 'import', '--json', path.join(root, 'photos')], { env });
    tmux('new-session', '-d', '-s', name, '-x', '100', '-y', '30', `cd ${JSON.stringify(root)} && env -u ENV PS1='tt-shell$ ' sh -i`);
    tmux('set', '-g', 'allow-passthrough', 'on');
    await until(() => pane().includes('tt-shell$'), 'the shell prompt');
    const vars = ['XDG_DATA_HOME', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME'].map((k) => `${k}=${JSON.stringify(env[k])}`);
    // kitty pictures go through tmux's passthrough: what fg must send again is more than text.
    // Started as the user starts it, through the launcher npm links (bin/termtable execs node).
    typed(`env ${vars.join(' ')} TERMTABLE_PROTOCOL=kitty ${JSON.stringify(LAUNCHER)} --no-import`);
    enter();
    await until(() => pane().includes('termtable · grid') && flags().startsWith('1'), 'the grid');
    await until(() => /1\/5/.test(pane()), 'the collection counted');

    tmux('send-keys', '-t', target, 'C-z');
    await until(() => flags() === '0 1' && /Stopped/i.test(pane()), 'the stopped job at the prompt');
    expect(pane()).not.toContain('termtable · grid');
    // Cooked mode again: the shell's line is echoed as typed and read as a line.
    typed('stty -a | tr " " "\\n" | grep -E "^-?(icanon|echo|isig)$" | sort | tr "\\n" " "; echo; echo sum-$((20+22))');
    enter();
    await until(() => pane().includes('sum-42'), 'the command run at the prompt');
    const modes = pane();
    expect(modes).toMatch(/^echo icanon isig\s*$/m);
    expect(modes).toContain('sum-$((20+22))'); // echoed as typed: not raw, echo on

    const dump = path.join(root, 'after-fg.bytes');
    await writeFile(dump, '');
    tmux('pipe-pane', '-o', '-t', target, `cat >> ${JSON.stringify(dump)}`);
    typed('fg');
    enter();
    await until(() => pane().includes('termtable · grid') && flags() === '1 0', 'the grid again after fg');
    // Everything is drawn again: the header, the status line and every picture of the page (a
    // kitty transmission or placement per image; the layer writes only changes otherwise).
    await until(() => (readFileSync(dump, 'latin1').match(/\x1b_G[^;]*a=p/g) ?? []).length >= 4, 'the pictures placed again');
    // The broken file's skull is text, drawn again (under load its decode may still have been
    // failing when Ctrl-Z came, so it may be drawn only now).
    await until(() => pane().includes('( o o )'), "the broken file's skull");
    const after = pane();
    expect(after).toContain('termtable · grid');
    expect(after).toMatch(/1\/5/);
    tmux('pipe-pane', '-t', target);

    tmux('send-keys', '-t', target, 'q');
    await until(() => pane().includes('tt-shell$') && flags() === '0 1', 'the prompt after quitting');
  }, 120_000);
});

describe('lighttable command arguments', () => {
  it('refuses a missing folder and a non-terminal with one line and exit 2', () => {
    const missing = spawnSync(process.execPath, [BIN, path.join(os.tmpdir(), 'no-such-folder-termtable')], { env, encoding: 'utf8' });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^termtable: no such folder: .*\n$/);
    const piped = spawnSync(process.execPath, [BIN, '--no-import'], { env, encoding: 'utf8' });
    expect(piped.status).toBe(2);
    expect(piped.stderr).toMatch(/needs a terminal/);
    const bad = spawnSync(process.execPath, [BIN, 'lighttable', '--protocol', 'vt100'], { env, encoding: 'utf8' });
    expect(bad.status).toBe(2);
  });
});

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import chalk from 'chalk';
import { render } from 'ink-testing-library';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Header } from '../../src/tui/components/Header.js';
import { applyColourLevel, colourLevel } from '../../src/tui/theme.js';
import { BIN, REPO_ROOT } from '../helpers/corpus.js';
import { run } from '../helpers/run.js';

/** An SGR sequence that sets a colour (16, 256 or 24-bit; foreground or background). */
const COLOUR_SGR = /\x1b\[(?:[\d;]*;)?(?:3[0-7]|4[0-7]|9[0-7]|10[0-7]|38;[25]|48;[25])(?:;[\d;]*)?m/;

describe('text colour follows the detected terminal, not a TERM allow-list', () => {
  const saved = chalk.level;
  afterEach(() => {
    chalk.level = saved;
  });

  it('24-bit when detection confirmed it, else 256, else 16 when detection says so; NO_COLOR and FORCE_COLOR=0 win', () => {
    const env = { TERM: 'mlterm' };
    expect(colourLevel({ truecolor: true }, env)).toBe(3);
    expect(colourLevel({ truecolor: false }, env)).toBe(2);
    expect(colourLevel({ truecolor: false, colorDepth: 4 }, env)).toBe(1);
    expect(colourLevel({ truecolor: true }, { TERM: 'foot', NO_COLOR: '1' })).toBe(0);
    expect(colourLevel({ truecolor: true }, { TERM: 'foot', FORCE_COLOR: '0' })).toBe(0);
    expect(colourLevel({ truecolor: true }, { TERM: 'foot', NO_COLOR: '' })).toBe(3);
  });

  it("chalk's own guess gives mlterm and foot no colour at all (what the lighttable used to draw with)", async () => {
    // chalk's vendored supports-color, reached by file since the package exports only chalk.
    const url = pathToFileURL(path.join(REPO_ROOT, 'node_modules', 'chalk', 'source', 'vendor', 'supports-color', 'index.js')).href;
    const { createSupportsColor } = (await import(url)) as { createSupportsColor: (s: { isTTY: boolean }, o: { streamIsTTY: boolean }) => false | { level: number } };
    const keep = { ...process.env };
    try {
      for (const k of ['COLORTERM', 'FORCE_COLOR', 'NO_COLOR', 'CI', 'TERM_PROGRAM', 'TMUX']) delete process.env[k];
      for (const term of ['mlterm', 'foot']) {
        process.env.TERM = term;
        expect(createSupportsColor({ isTTY: true }, { streamIsTTY: true }), term).toBe(false);
      }
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in keep)) delete process.env[k];
      Object.assign(process.env, keep);
    }
  });

  it('the header is drawn in colour under TERM=mlterm once the detected level is applied', () => {
    const props = { query: { sort: 'taken' as const }, total: 50, cursor: 18, view: 'grid' as const, selected: 0, columns: 80 };
    chalk.level = 0; // what chalk guesses for TERM=mlterm
    const before = render(<Header {...props} />);
    expect(before.lastFrame()).not.toMatch(COLOUR_SGR);
    before.unmount();
    expect(applyColourLevel({ truecolor: true }, { TERM: 'mlterm' })).toBe(3);
    const after = render(<Header {...props} />);
    expect(after.lastFrame()).toMatch(COLOUR_SGR);
    after.unmount();
  });
});

const hasTmux = spawnSync('tmux', ['-V']).status === 0;

describe.skipIf(!hasTmux)('the real binary with TERM=mlterm (in tmux)', () => {
  const socket = `tt-colour-${process.pid}-${Date.now()}`;
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'termtable-colour-'));
    await mkdir(path.join(root, 'photos'));
    for (const [i, c] of ['#c33', '#3c3'].entries()) {
      await sharp({ create: { width: 300, height: 200, channels: 3, background: c } }).jpeg().toFile(path.join(root, 'photos', `p${i}.jpg`));
    }
  });
  afterAll(async () => {
    spawnSync('tmux', ['-L', socket, 'kill-server']);
    await rm(root, { recursive: true, force: true });
  });

  it('colours the header and the cursor frame', async () => {
    const xdg = { XDG_DATA_HOME: path.join(root, 'data'), XDG_CACHE_HOME: path.join(root, 'cache'), XDG_CONFIG_HOME: path.join(root, 'config') };
    const imported = await run(process.execPath, [BIN, 'import', '--no-thumbnails', path.join(root, 'photos')], { env: { ...process.env, ...xdg } });
    expect(imported.status, imported.stderr).toBe(0);
    const vars = Object.entries({ ...xdg, TERM: 'mlterm', TERMTABLE_PROTOCOL: 'blocks' }).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
    const done = path.join(root, 'exit-code');
    // COLORTERM and NO_COLOR unset: chalk alone would have given TERM=mlterm no colour.
    const cmd = `env -u COLORTERM -u NO_COLOR -u FORCE_COLOR ${vars.join(' ')} ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} --no-import; echo $? > ${JSON.stringify(done)}; sleep 600`;
    tmux('new-session', '-d', '-s', 'tt', '-x', '100', '-y', '30', cmd);
    const screen = () => tmux('capture-pane', '-p', '-e', '-t', 'tt');
    const end = Date.now() + 60_000;
    while (!screen().includes('termtable · grid')) {
      if (Date.now() > end) throw new Error(`no grid; screen:\n${screen()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 500));
    const lines = screen().split('\n');
    const header = lines.find((l) => l.includes('termtable · grid'))!;
    expect(header).toMatch(COLOUR_SGR);
    // The cursor's frame (round border, yellow) on the first cell: coloured box-drawing text.
    expect(lines.slice(1, 4).join('\n')).toMatch(/\x1b\[[\d;]*m[╭─╮│]/);
    tmux('send-keys', '-t', 'tt', 'q');
    const quit = Date.now() + 20_000;
    while (!existsSync(done) && Date.now() < quit) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(done)).toBe(true);
  }, 120_000);
});

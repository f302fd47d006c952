/**
 * Text colour follows the terminal's colour depth: 16-colour terminals (TERM=xterm or linux
 * over SSH, a tmux client without the 256 feature) get 16-colour SGR from chalk, not 256-colour
 * codes they show wrongly; a truecolor one gets 24-bit. Real tput reads the real terminfo.
 */
import { spawnSync } from 'node:child_process';
import chalk from 'chalk';
import { afterEach, describe, expect, it } from 'vitest';
import { detectTerminal, formatProbe, pickProtocol, readTerminfoColours, textColourDepth } from '../../src/render/detect.js';
import { applyColourLevel, colourLevel } from '../../src/tui/theme.js';

const haveTput = spawnSync('tput', ['-T', 'xterm-256color', 'colors'], { encoding: 'utf8' }).stdout.trim() === '256';
const savedLevel = chalk.level;
afterEach(() => {
  chalk.level = savedLevel;
});

const detect = (env: Record<string, string>) =>
  detectTerminal({ env, query: false, ...(env.TMUX ? { tmuxInfo: async () => ({ passthrough: false, rgb: false, colours256: false, paneTop: 0, paneLeft: 0 }) } : {}) });

describe('colour depth', () => {
  it.skipIf(!haveTput)('reads the terminfo entry of TERM', async () => {
    expect(await readTerminfoColours({ TERM: 'xterm' })).toBe(8);
    expect(await readTerminfoColours({ TERM: 'linux' })).toBe(8);
    expect(await readTerminfoColours({ TERM: 'xterm-256color' })).toBe(256);
    expect(await readTerminfoColours({ TERM: 'no-such-terminal-here' })).toBeNull();
    expect(await readTerminfoColours({ TERM: 'x; rm -rf /' })).toBeNull();
  });

  it.skipIf(!haveTput)('TERM=xterm and TERM=linux: 16 colours, and chalk writes 16-colour SGR', async () => {
    for (const term of ['xterm', 'linux']) {
      const { caps } = await detect({ TERM: term });
      expect(caps.colorDepth).toBe(4);
      expect(caps.truecolor).toBe(false);
      expect(applyColourLevel(caps, {})).toBe(1);
      // Yellow as the 16-colour code, never 38;5;N or 38;2;R;G;B.
      expect(chalk.yellow('x')).toBe('\x1b[33mx\x1b[39m');
      expect(chalk.hex('#ff8800')('x')).not.toMatch(/38;[25];/);
      expect(formatProbe({ caps, answers: null, tmux: null, timedOut: false, rttMs: null })).toContain('colours: 16');
    }
  });

  it.skipIf(!haveTput)('TERM=xterm-256color: 256; COLORTERM=truecolor or a direct-colour terminfo: 24-bit', async () => {
    expect((await detect({ TERM: 'xterm-256color' })).caps.colorDepth).toBe(8);
    const truecolor = (await detect({ TERM: 'xterm-256color', COLORTERM: 'truecolor' })).caps;
    expect(truecolor.colorDepth).toBe(24);
    expect(applyColourLevel(truecolor, {})).toBe(3);
    expect(chalk.hex('#ff8800')('x')).toContain('38;2;255;136;0');
    const direct = (await detect({ TERM: 'xterm-direct' })).caps;
    expect(direct.truecolor).toBe(true);
    expect(direct.colorDepth).toBe(24);
  });

  it('a terminal that says who it is wins over TERM (XTerm answered, TERM=xterm: 24-bit)', () => {
    const answers = { xtversion: 'XTerm(379)', da1: [63, 1, 4], kittyGraphics: false, cellPx: null, windowPx: null, sixelColors: null, sixelMaxPx: null };
    expect(pickProtocol(answers, { TERM: 'xterm' }, null, null, null, 8).colorDepth).toBe(24);
  });

  it("inside tmux, tmux's client features decide", async () => {
    const tmux = { passthrough: true, paneTop: 0, paneLeft: 0 };
    expect(textColourDepth('tmux-256color', { ...tmux, rgb: false, colours256: false }, 256)).toBe(4);
    expect(textColourDepth('tmux-256color', { ...tmux, rgb: false, colours256: true }, 256)).toBe(8);
    expect(textColourDepth('tmux-256color', { ...tmux, rgb: false, colours256: null }, 256)).toBe(8);
    expect(pickProtocol(null, { TMUX: '/t', TERM: 'tmux-256color' }, null, { ...tmux, rgb: true, colours256: true }).colorDepth).toBe(24);
    const { caps } = await detect({ TMUX: '/t,1,0', TERM: 'tmux-256color' });
    expect(caps.colorDepth).toBe(4);
    expect(caps.reasons.join('\n')).toContain('lacks the 256 feature');
  });

  it('no terminfo to read: the name decides; NO_COLOR still turns colour off', () => {
    expect(textColourDepth('linux', null, null)).toBe(4);
    expect(textColourDepth('vt100', null, null)).toBe(1);
    expect(textColourDepth('foot', null, null)).toBe(8);
    expect(colourLevel({ truecolor: false, colorDepth: 1 }, {})).toBe(0);
    expect(colourLevel({ truecolor: true, colorDepth: 24 }, { NO_COLOR: '1' })).toBe(0);
  });
});

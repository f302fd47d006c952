import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildQueries, detectTerminal, FIXED_PROBE_TIMEOUT_MS, primeDetection, type QueryInput } from '../../src/render/detect.js';

// Issue 12: with --protocol or TERMTABLE_PROTOCOL the full probe (and its 2 s wait on a silent
// terminal) is not run; only what sizes and colours the pictures is asked, briefly.

function tty() {
  const stream = new PassThrough();
  const modes: boolean[] = [];
  const input = Object.assign(stream, {
    isTTY: true,
    isRaw: false,
    setRawMode(mode: boolean) {
      modes.push(mode);
      return stream;
    },
  });
  const written: string[] = [];
  const output = { isTTY: true, columns: 120, rows: 40, write: (s: string) => written.push(s) };
  return { input: input as unknown as QueryInput & PassThrough, output, modes, written };
}

const noTerminfo = async () => null;

describe('detectTerminal with the protocol fixed', () => {
  it('half-blocks with COLORTERM=truecolor: the terminal is not asked at all', async () => {
    const { input, output, modes, written } = tty();
    const d = await detectTerminal({ input, output, env: { TERM: 'xterm', COLORTERM: 'truecolor', TERMTABLE_PROTOCOL: 'blocks' }, terminfoColours: noTerminfo });
    expect(written).toEqual([]);
    expect(modes).toEqual([]);
    expect(d.answers).toBeNull();
    expect(d.caps.protocol).toBe('blocks');
    expect(d.caps.truecolor).toBe(true);
    expect(d.caps.reasons.join('\n')).toContain('terminal not queried: TERMTABLE_PROTOCOL fixed half-blocks');
  });

  it('half-blocks in tmux: tmux gives the colour depth, nothing is asked', async () => {
    const { input, output, written } = tty();
    const tmuxInfo = async () => ({ passthrough: true, rgb: true, colours256: true, paneTop: 0, paneLeft: 0 });
    const d = await detectTerminal({ input, output, env: { TERM: 'tmux-256color', TMUX: '/tmp/t,1,0' }, flag: 'blocks', tmuxInfo, terminfoColours: noTerminfo });
    expect(written).toEqual([]);
    expect(d.caps.truecolor).toBe(true);
  });

  it('half-blocks on TERM=xterm without COLORTERM: a short query finds XTerm, so 24-bit colour as before', async () => {
    const { input, output, written } = tty();
    const pending = detectTerminal({ input, output, env: { TERM: 'xterm' }, flag: 'blocks', terminfoColours: async () => 8 });
    await new Promise((r) => setImmediate(r));
    input.write('\x1bP>|XTerm(379)\x1b\\\x1b[6;19;9t\x1b[?64;1;2;6c');
    const d = await pending;
    expect(written).toEqual([buildQueries(false, 'blocks')]);
    expect(d.caps.truecolor).toBe(true);
  });

  it('kitty: only XTVERSION, the sizes and DA1 are asked; the cell size and placeholders come from them', async () => {
    const { input, output, modes, written } = tty();
    const pending = detectTerminal({ input, output, env: { TERM: 'xterm-kitty' }, flag: 'kitty', terminfoColours: noTerminfo });
    await new Promise((r) => setImmediate(r));
    input.write('\x1bP>|kitty(0.35.2)\x1b\\\x1b[6;18;9t\x1b[?62;c');
    const d = await pending;
    expect(written).toHaveLength(1);
    expect(written[0]).toBe(buildQueries(false, 'kitty'));
    expect(written[0]).not.toContain('\x1b_G'); // no kitty graphics query
    expect(written[0]).not.toContain('S'); // no XTSMGRAPHICS
    expect(written[0]?.endsWith('\x1b[c')).toBe(true);
    expect(modes).toEqual([true, false]);
    expect(d.caps.protocol).toBe('kitty');
    expect(d.caps.kittyPlaceholders).toBe(true);
    expect(d.caps.cellPx).toEqual({ width: 9, height: 18 });
    expect(d.caps.cellPxMeasured).toBe(true);
  });

  it('sixel on a silent terminal: gives up at the short bound with a stated default cell, asking sixel geometry too', async () => {
    const { input, output, written } = tty();
    const d = await detectTerminal({ input, output, env: { TERM: 'xterm', TERMTABLE_PROTOCOL: 'sixel' }, terminfoColours: noTerminfo });
    expect(written[0]).toContain('\x1b[?2;1;0S');
    expect(d.timedOut).toBe(true);
    expect(d.caps.protocol).toBe('sixel');
    expect(d.caps.cellPxMeasured).toBe(false);
    expect(d.caps.reasons[0]).toBe(`no DA1 reply within ${FIXED_PROBE_TIMEOUT_MS} ms: the terminal answered nothing in time`);
  });

  it('show --probe (fullProbe) asks everything even with the protocol fixed', async () => {
    const { input, output, written } = tty();
    const pending = detectTerminal({ input, output, env: { TERM: 'xterm' }, flag: 'blocks', fullProbe: true, terminfoColours: noTerminfo });
    await new Promise((r) => setImmediate(r));
    input.write('\x1b[?62;c');
    await pending;
    expect(written).toEqual([buildQueries(false)]);
  });

  it('a protocol from the preference still runs the full probe (it can be set back to auto in the session)', async () => {
    const { input, output, written } = tty();
    const pending = detectTerminal({ input, output, env: { TERM: 'xterm' }, preference: 'kitty', terminfoColours: noTerminfo });
    await new Promise((r) => setImmediate(r));
    input.write('\x1b[?62;c');
    await pending;
    expect(written).toEqual([buildQueries(false)]);
    expect(written[0]).toContain('\x1b_G');
  });
});

describe('primeDetection', () => {
  it("starts terminfo's read ahead and the next detection takes it instead of running tput again", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'termtable-prime-'));
    try {
      // A tput on PATH that logs each start and reports direct colour.
      const tput = path.join(dir, 'tput');
      writeFileSync(tput, `#!/bin/sh\necho "$@" >> ${JSON.stringify(path.join(dir, 'log'))}\necho 16777216\n`);
      chmodSync(tput, 0o755);
      const env = { TERM: 'xterm-direct', PATH: `${dir}:${process.env.PATH ?? ''}` };
      primeDetection(env);
      const d = await detectTerminal({ env, query: false });
      expect(readFileSync(path.join(dir, 'log'), 'utf8')).toBe('-T xterm-direct colors\n');
      expect(d.caps.truecolor).toBe(true);
      expect(d.caps.reasons.join('\n')).toContain('16777216 colours');
      // Used once: another detection reads terminfo again.
      await detectTerminal({ env, query: false });
      expect(readFileSync(path.join(dir, 'log'), 'utf8').split('\n').filter(Boolean)).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

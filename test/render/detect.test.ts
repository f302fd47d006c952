import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  buildQueries,
  parseReplies,
  parseXtversion,
  pickProtocol,
  queryTerminal,
  detectTerminal,
  resolveOverride,
  type QueryInput,
  type TerminalAnswers,
} from '../../src/render/detect.js';

// Replies measured in real emulators (shared/TERMINALS.md).
const XTERM_VT340 =
  '\x1bP>|XTerm(379)\x1b\\\x1b[6;19;9t\x1b[4;570;900t\x1b[?1;0;256S\x1b[?2;0;900;380S\x1b[?63;1;2;4;6;9;15;16;22;28;29c';
const XTERM_PLAIN = '\x1bP>|XTerm(379)\x1b\\\x1b[6;19;9t\x1b[?1;3;0S\x1b[?2;3;0S\x1b[?64;1;2;6;9;15;16;17;18;21;22;28;29c';
const KITTY_026 = '\x1bP>|kitty(0.26.5)\x1b\\\x1b_Gi=31;OK\x1b\\\x1b[6;18;9t\x1b[?62;c';
const KITTY_035 = '\x1bP>|kitty(0.35.2)\x1b\\\x1b_Gi=31;OK\x1b\\\x1b[6;18;9t\x1b[?62;c';
const MLTERM = '\x1b[6;16;7t\x1b[?1;0;1024S\x1b[?63;1;2;3;4;6;7;15;18;22;29c';
const GHOSTTY = '\x1bP>|ghostty 1.1.3\x1b\\\x1b_Gi=31;OK\x1b\\\x1b[6;20;10t\x1b[?62;22;52c';
const WEZTERM = '\x1bP>|WezTerm 20240203-110809-5046fc22\x1b\\\x1b_Gi=31;OK\x1b\\\x1b[?65;4;6;18;22c';
const TMUX_SELF = '\x1bP>|tmux 3.3a\x1b\\\x1b[?1;2c';

const TMUX_ON = { passthrough: true, rgb: false, paneTop: 0, paneLeft: 0 };
const TMUX_OFF = { passthrough: false, rgb: false, paneTop: 0, paneLeft: 0 };

describe('parseReplies', () => {
  it('reads every measured xterm (VT340) reply', () => {
    const a = parseReplies(XTERM_VT340);
    expect(a.xtversion).toBe('XTerm(379)');
    expect(a.da1).toContain(4);
    expect(a.cellPx).toEqual({ width: 9, height: 19 });
    expect(a.sixelColors).toBe(256);
    expect(a.sixelMaxPx).toEqual({ width: 900, height: 380 });
    expect(a.kittyGraphics).toBe(false);
  });

  it("reads kitty's DA1 without attributes (ESC[?62;c) and the graphics OK", () => {
    const a = parseReplies(KITTY_026);
    expect(a.da1).toEqual([62]);
    expect(a.kittyGraphics).toBe(true);
    expect(parseXtversion(a.xtversion)).toEqual({ name: 'kitty', version: '0.26.5' });
  });

  it('rejects absurd sizes and strips control bytes from XTVERSION', () => {
    const a = parseReplies('\x1bP>|evil\x07term\x1b\\\x1b[6;0;99999t\x1b[?1;0;0S\x1b[?62c');
    expect(a.cellPx).toBeNull();
    expect(a.sixelColors).toBeNull();
    expect(a.xtversion).toBe('evil?term');
  });

  it('parses XTVERSION names in both shapes', () => {
    expect(parseXtversion('tmux 3.3a')).toEqual({ name: 'tmux', version: '3.3a' });
    expect(parseXtversion('XTerm(379)')).toEqual({ name: 'XTerm', version: '379' });
    expect(parseXtversion(null)).toBeNull();
  });
});

describe('pickProtocol', () => {
  const env = { TERM: 'xterm-256color' };
  const table: { name: string; replies: string | null; env: Record<string, string>; tmux?: typeof TMUX_ON; want: string; placeholders?: boolean }[] = [
    { name: 'xterm as VT340 → sixel', replies: XTERM_VT340, env, want: 'sixel' },
    { name: 'plain xterm → blocks', replies: XTERM_PLAIN, env, want: 'blocks' },
    { name: 'kitty 0.26.5 → kitty direct', replies: KITTY_026, env, want: 'kitty', placeholders: false },
    { name: 'kitty 0.35 → kitty placeholders', replies: KITTY_035, env, want: 'kitty', placeholders: true },
    { name: 'mlterm (no XTVERSION) → sixel', replies: MLTERM, env, want: 'sixel' },
    { name: 'Ghostty → kitty placeholders', replies: GHOSTTY, env, want: 'kitty', placeholders: true },
    { name: 'WezTerm answers kitty OK → kitty', replies: WEZTERM, env, want: 'kitty' },
    { name: 'silent terminal, TERM only (SSH) → blocks', replies: '', env, want: 'blocks' },
    { name: 'silent, KITTY_WINDOW_ID → guess kitty', replies: '', env: { KITTY_WINDOW_ID: '1' }, want: 'kitty' },
    { name: 'silent, iTerm.app → guess iterm2', replies: '', env: { TERM_PROGRAM: 'iTerm.app' }, want: 'iterm2' },
    { name: 'tmux, passthrough off → blocks', replies: null, env: { TMUX: '/t,1,0' }, tmux: TMUX_OFF, want: 'blocks' },
    { name: 'tmux on, outer xterm VT340 → sixel', replies: XTERM_VT340, env: { TMUX: '/t,1,0' }, tmux: TMUX_ON, want: 'sixel' },
    { name: 'tmux on, outer kitty 0.26 → kitty', replies: KITTY_026, env: { TMUX: '/t,1,0' }, tmux: TMUX_ON, want: 'kitty', placeholders: false },
    { name: 'tmux on, outer kitty 0.35 → placeholders', replies: KITTY_035, env: { TMUX: '/t,1,0' }, tmux: TMUX_ON, want: 'kitty', placeholders: true },
    { name: 'tmux answering for itself → blocks', replies: TMUX_SELF, env: { TMUX: '/t,1,0' }, tmux: TMUX_ON, want: 'blocks' },
    { name: 'KITTY_WINDOW_ID leaked into tmux, no passthrough → blocks', replies: null, env: { TMUX: '/t', KITTY_WINDOW_ID: '1' }, tmux: TMUX_OFF, want: 'blocks' },
  ];
  for (const row of table) {
    it(row.name, () => {
      const answers: TerminalAnswers | null = row.replies === null ? null : parseReplies(row.replies);
      const caps = pickProtocol(answers, row.env, null, row.tmux ?? null);
      expect(caps.protocol).toBe(row.want);
      if (row.placeholders !== undefined) expect(caps.kittyPlaceholders).toBe(row.placeholders);
      expect(caps.reasons.length).toBeGreaterThan(0);
      expect(caps.passthrough).toBe(Boolean(row.env.TMUX) && caps.protocol !== 'blocks');
    });
  }

  it('an explicit choice wins over the answers, and says so', () => {
    const caps = pickProtocol(parseReplies(XTERM_VT340), env, { value: 'blocks', source: '--protocol' });
    expect(caps.protocol).toBe('blocks');
    expect(caps.reasons.join('\n')).toContain('--protocol');
  });

  it('truecolor only when confirmed', () => {
    expect(pickProtocol(parseReplies(''), { COLORTERM: 'truecolor' }).truecolor).toBe(true);
    expect(pickProtocol(parseReplies(''), {}).truecolor).toBe(false);
    expect(pickProtocol(parseReplies(XTERM_PLAIN), {}).truecolor).toBe(true);
    expect(pickProtocol(parseReplies(KITTY_026), { TMUX: '/t' }, null, TMUX_ON).truecolor).toBe(false);
    expect(pickProtocol(parseReplies(KITTY_026), { TMUX: '/t' }, null, { ...TMUX_ON, rgb: true }).truecolor).toBe(true);
  });

  it('uses the measured cell size, else the window size, else a stated guess', () => {
    expect(pickProtocol(parseReplies(MLTERM), {}).cellPx).toEqual({ width: 7, height: 16 });
    const fromWindow = pickProtocol(parseReplies('\x1b[4;600;1000t\x1b[?62c'), {}, null, null, { columns: 100, rows: 30 });
    expect(fromWindow.cellPx).toEqual({ width: 10, height: 20 });
    expect(fromWindow.cellPxMeasured).toBe(true);
    const guess = pickProtocol(parseReplies(''), {});
    expect(guess.cellPxMeasured).toBe(false);
    expect(guess.reasons.join('\n')).toMatch(/assuming/);
  });
});

describe('resolveOverride', () => {
  it('flag, then TERMTABLE_PROTOCOL, then the preference; bad env values are reported', () => {
    expect(resolveOverride('sixel', { TERMTABLE_PROTOCOL: 'kitty' }, 'blocks')?.source).toBe('--protocol');
    expect(resolveOverride(undefined, { TERMTABLE_PROTOCOL: 'kitty' }, 'blocks')?.value).toBe('kitty');
    expect(resolveOverride('auto', {}, 'iterm2')?.value).toBe('iterm2');
    const reasons: string[] = [];
    expect(resolveOverride(undefined, { TERMTABLE_PROTOCOL: 'x\x1b[31m' }, 'auto', reasons)).toBeNull();
    expect(reasons[0]).toContain('ignored');
    expect(reasons[0]).not.toContain('\x1b');
  });
});

/** A fake TTY input: records raw-mode changes and what was unshifted back. */
function fakeTty() {
  const stream = new PassThrough();
  const modes: boolean[] = [];
  const unshifted: string[] = [];
  const input = Object.assign(stream, {
    isTTY: true,
    isRaw: false,
    setRawMode(mode: boolean) {
      modes.push(mode);
      return stream;
    },
  });
  const origUnshift = stream.unshift.bind(stream);
  input.unshift = (chunk: Buffer) => {
    unshifted.push(chunk.toString('latin1'));
    origUnshift(chunk);
  };
  return { input: input as unknown as QueryInput & PassThrough, modes, unshifted };
}

describe('queryTerminal', () => {
  it('reads until the DA1 reply, restores the mode and gives back only what the user typed', async () => {
    const { input, modes, unshifted } = fakeTty();
    const written: string[] = [];
    const output = { isTTY: true, write: (s: string) => written.push(s) };
    const pending = queryTerminal({ input, output, timeoutMs: 5000 });
    input.write('\x1bP>|kitty(0.26.5)\x1b\\j\x1b_Gi=31;OK\x1b\\');
    input.write('\x1b[6;18;9t\x1b[?62;ck');
    const { answers, timedOut } = await pending;
    expect(timedOut).toBe(false);
    expect(answers.kittyGraphics).toBe(true);
    expect(answers.cellPx).toEqual({ width: 9, height: 18 });
    expect(modes).toEqual([true, false]);
    expect(unshifted).toEqual(['jk']);
    expect(written[0]).toBe(buildQueries(false));
    expect(written[0]?.endsWith('\x1b[c')).toBe(true);
  });

  it('waits long enough for a slow link: a DA1 answer 1.5 s late still finds sixel, and keys typed meanwhile are kept', async () => {
    const { input, unshifted } = fakeTty();
    const output = { isTTY: true, columns: 160, rows: 48, write: () => true };
    const pending = detectTerminal({ input, output, env: { TERM: 'xterm' }, tmuxInfo: async () => ({ passthrough: false, rgb: false, paneTop: 0, paneLeft: 0 }) });
    input.write('\x1b[6~'); // PgDn typed while the answers are on their way
    await new Promise((r) => setTimeout(r, 1500));
    input.write('\x1bP>|XTerm(379)\x1b\\\x1b[6;19;9t\x1b[?63;1;2;4;6;9;15;16;22;28c');
    const { caps, timedOut } = await pending;
    expect(timedOut).toBe(false);
    expect(caps.protocol).toBe('sixel');
    expect(caps.cellPx).toEqual({ width: 9, height: 19 });
    expect(unshifted).toEqual(['\x1b[6~']);
  });

  it('gives up after the timeout on a silent terminal', async () => {
    const { input, modes } = fakeTty();
    const { answers, timedOut } = await queryTerminal({ input, output: { write: () => true }, timeoutMs: 50 });
    expect(timedOut).toBe(true);
    expect(answers.da1).toBeNull();
    expect(modes).toEqual([true, false]);
  });

  it('wraps every query for tmux passthrough, ESC doubled', () => {
    const q = buildQueries(true);
    expect(q.startsWith('\x1bPtmux;\x1b\x1b[>q\x1b\\')).toBe(true);
    expect(q).toContain('\x1bPtmux;\x1b\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\x1b\\\x1b\\');
  });
});

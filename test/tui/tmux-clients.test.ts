import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tmuxClientQuery, type TmuxClientQuery } from '../../src/tui/tmux-clients.js';

// A fake tmux on PATH: it logs its parent (the query's shell) and arguments, and answers what
// the test put in `answer` (exit status in `status`), after sleeping while `slow` exists.
let dir: string;
let query: TmuxClientQuery | null = null;
const calls = () =>
  existsSync(join(dir, 'calls'))
    ? readFileSync(join(dir, 'calls'), 'utf8').split('\n').filter(Boolean).map((l) => l.split(' '))
    : [];
const answer = (text: string, status = 0) => {
  writeFileSync(join(dir, 'answer'), text);
  writeFileSync(join(dir, 'status'), String(status));
};
const gone = (pid: string) => !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tt-tmux-clients-'));
  writeFileSync(
    join(dir, 'tmux'),
    `#!/bin/sh\necho "$PPID $*" >> '${dir}/calls'\nwhile [ -e '${dir}/slow' ]; do sleep 0.05; done\n` +
      `cat '${dir}/answer'\nexit "$(cat '${dir}/status')"\n`,
    { mode: 0o755 },
  );
  answer('');
});

afterEach(() => {
  query?.stop();
  query = null;
  rmSync(dir, { recursive: true, force: true });
});

const env = (extra: NodeJS.ProcessEnv = {}) => ({ ...process.env, PATH: `${dir}:${process.env.PATH}`, ...extra });

describe('tmux client query', () => {
  it('answers each question in order from one shell started once, the latest active client first', async () => {
    query = tmuxClientQuery(env({ TMUX_PANE: '%3' }));
    answer('100 4242\n300 5151\n200 6161\n');
    expect(await query.activeClient()).toBe('5151');
    answer('100 4242\n');
    const [a, b] = await Promise.all([query.activeClient(), query.activeClient()]);
    expect([a, b]).toEqual(['4242', '4242']);
    answer('');
    expect(await query.activeClient(), 'none attached').toBeNull();
    const seen = calls();
    expect(seen).toHaveLength(4);
    expect(new Set(seen.map((c) => c[0])).size, 'one shell for every question').toBe(1);
    expect(seen[0]!.slice(1).join(' ')).toBe('list-clients -t %3 -F #{client_activity} #{client_pid}');
    // The shell is this process's child, not a tmux process's.
    const ppid = readFileSync(`/proc/${seen[0]![0]}/stat`, 'utf8').split(') ')[1]!.split(' ')[1];
    expect(Number(ppid)).toBe(process.pid);
  });

  it('without TMUX_PANE asks for the current session; a failing tmux is no answer', async () => {
    query = tmuxClientQuery(env({ TMUX_PANE: '' }));
    answer('no server running', 1);
    expect(await query.activeClient()).toBeUndefined();
    expect(calls()[0]!.slice(1).join(' ')).toBe('list-clients -F #{client_activity} #{client_pid}');
  });

  it('a tmux that does not answer in time is no answer, and the next question gets a fresh shell', async () => {
    query = tmuxClientQuery(env(), 200);
    writeFileSync(join(dir, 'slow'), '');
    answer('1 777\n');
    const t0 = Date.now();
    expect(await query.activeClient()).toBeUndefined();
    expect(Date.now() - t0).toBeLessThan(5000);
    unlinkSync(join(dir, 'slow'));
    const first = calls()[0]![0]!;
    answer('1 888\n');
    // The killed shell's tmux may still print 777; it must not be taken for this answer.
    expect(await query.activeClient()).toBe('888');
    const shells = new Set(calls().map((c) => c[0]));
    expect(shells.size).toBe(2);
    await expect.poll(() => gone(first), { timeout: 5000 }).toBe(true);
  });

  it('stop() ends the shell, and asking after it starts nothing', async () => {
    query = tmuxClientQuery(env());
    answer('1 4242\n');
    expect(await query.activeClient()).toBe('4242');
    const shell = calls()[0]![0]!;
    query.stop();
    await expect.poll(() => gone(shell), { timeout: 5000 }).toBe(true);
    expect(await query.activeClient()).toBeUndefined();
    expect(calls()).toHaveLength(1);
  });
});

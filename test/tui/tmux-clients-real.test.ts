import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The query's shell inside a real tmux session: it finds the session from TMUX/TMUX_PANE as the
// lighttable does, and sees a client attach, go and another come.
const hasTmux = spawnSync('tmux', ['-V']).status === 0 && spawnSync('script', ['--version']).status === 0;
const socket = `tt-clients-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'tt-clients-real-'));
const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const clients: ChildProcess[] = [];

afterAll(() => {
  for (const c of clients) c.kill('SIGKILL');
  if (hasTmux) tmux('kill-server');
  rmSync(dir, { recursive: true, force: true });
});

async function until<T>(what: string, get: () => T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!hasTmux)('tmux client query in a real tmux session', () => {
  it('says none while detached, then the pid of each client that attaches', async () => {
    const log = join(dir, 'answers');
    const probe = join(dir, 'probe.mts');
    const module = resolve('src/tui/tmux-clients.ts');
    writeFileSync(
      probe,
      `import { appendFileSync } from 'node:fs';\nimport { tmuxClientQuery } from ${JSON.stringify(module)};\n` +
        `const q = tmuxClientQuery(process.env);\nsetInterval(() => undefined, 1000); // the query keeps nothing alive itself\n` +
        `for (;;) { appendFileSync(${JSON.stringify(log)}, String(await q.activeClient()) + '\\n'); await new Promise((r) => setTimeout(r, 150)); }\n`,
    );
    const started = tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'q', '-x', '80', '-y', '24', `cd ${JSON.stringify(process.cwd())} && exec node --import tsx ${JSON.stringify(probe)}`);
    expect(started.status, started.stderr).toBe(0);
    const answers = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);
    const last = () => answers().at(-1);
    await until('a first answer', () => (answers().length >= 2 ? true : undefined));
    expect(last(), 'detached: no client').toBe('null');

    const attach = () => {
      const c = spawn('script', ['-qfc', `tmux -L ${socket} attach -t q`, '/dev/null'], { stdio: ['pipe', 'ignore', 'ignore'] });
      clients.push(c);
      return c;
    };
    const clientPid = () => tmux('list-clients', '-F', '#{client_pid}').stdout.trim().split('\n').filter(Boolean)[0];
    const first = attach();
    const pid1 = await until('the first client', () => clientPid());
    await until('the query to see it', () => (last() === pid1 ? true : undefined));

    first.kill('SIGKILL');
    await until('the client gone', () => (clientPid() === undefined ? true : undefined));
    await until('the query to see none', () => (last() === 'null' ? true : undefined));
    attach();
    const pid2 = await until('the second client', () => clientPid());
    expect(pid2).not.toBe(pid1);
    await until('the query to see the second', () => (last() === pid2 ? true : undefined));
    expect(answers().filter((a) => a === 'undefined'), 'tmux always answered').toEqual([]);
  }, 60_000);
});

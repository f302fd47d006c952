import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { WorkerPool, WorkerTimeoutError } from '../../src/util/worker-pool.js';
import { REPO_ROOT } from '../helpers/corpus.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tt-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A worker that echoes its input, or spins forever (a synchronous loop that never yields) on 'spin'. */
const worker = path.join(dir, 'echo.mjs');
writeFileSync(
  worker,
  `import { parentPort } from 'node:worker_threads';
   parentPort.on('message', ({ id, input }) => {
     if (input === 'spin') for (;;) {}
     if (input === 'fail') parentPort.postMessage({ id, error: 'asked to fail' });
     else parentPort.postMessage({ id, result: input + '!' });
   });`,
);

describe('WorkerPool', () => {
  it('stops a job stuck in a synchronous loop at its deadline and goes on with a new worker', async () => {
    const pool = new WorkerPool<string, string>({ file: worker, size: 1, idleMs: 60_000 });
    try {
      const stuck = pool.run('spin', { timeoutMs: 500 });
      const next = pool.run('next', { timeoutMs: 30_000 });
      await expect(stuck).rejects.toBeInstanceOf(WorkerTimeoutError);
      await expect(next).resolves.toBe('next!');
      await expect(pool.run('fail', { timeoutMs: 30_000 })).rejects.toThrow(/asked to fail/);
      expect(pool.workers).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('does not keep the process alive once its jobs are answered', async () => {
    const poolModule = pathToFileURL(path.join(REPO_ROOT, 'dist', 'util', 'worker-pool.js')).href;
    const script =
      `const { WorkerPool } = await import(${JSON.stringify(poolModule)});` +
      `const pool = new WorkerPool({ file: ${JSON.stringify(worker)}, size: 2, idleMs: 600000 });` +
      `console.log(await pool.run('a', { timeoutMs: 30000 }), await pool.run('b', { timeoutMs: 30000 }));`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script]);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    // An idle worker that held the loop open would keep it running for the 10-minute idle time.
    const code = await new Promise<number | null>((resolve) => {
      const kill = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 20_000);
      child.on('exit', (c) => {
        clearTimeout(kill);
        resolve(c);
      });
    });
    expect(out.trim()).toBe('a! b!');
    expect(code).toBe(0);
  }, 60_000);
});

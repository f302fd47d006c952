import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { withoutFetch } from '../../src/tui/start.js';
import { REPO_ROOT } from '../helpers/corpus.js';

/** Ink loads with fetch hidden, so yoga-layout compiles its WebAssembly without loading Node's HTTP client. */
describe('withoutFetch', () => {
  it('hides fetch while the load runs and puts the same one back, also when the load fails', async () => {
    const before = globalThis.fetch;
    const seen = await withoutFetch(async () => typeof (globalThis as { fetch?: unknown }).fetch);
    expect(seen).toBe('undefined');
    expect(globalThis.fetch).toBe(before);
    await expect(withoutFetch(() => Promise.reject(new Error('load failed')))).rejects.toThrow('load failed');
    expect(globalThis.fetch).toBe(before);
  });

  it('loading Ink inside it does not load undici; outside it does (yoga fetches its data: URL)', async () => {
    // A real process each: Node's own module list says whether undici was loaded.
    const probe = async (wrapped: boolean) => {
      const start = path.join(REPO_ROOT, 'dist', 'tui', 'start.js');
      const code =
        `const { withoutFetch } = await import(${JSON.stringify(start)});` +
        `const load = () => import('ink');` +
        `await (${wrapped} ? withoutFetch(load) : load());` +
        `console.log(JSON.stringify({ undici: process.moduleLoadList.some((m) => m.includes('undici')), fetch: typeof fetch }));`;
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', code], {
        cwd: REPO_ROOT,
        env: { ...process.env, NODE_ENV: 'production' },
      });
      return JSON.parse(stdout) as { undici: boolean; fetch: string };
    };
    expect(await probe(true)).toEqual({ undici: false, fetch: 'function' });
    expect(await probe(false)).toEqual({ undici: true, fetch: 'function' });
  });
});

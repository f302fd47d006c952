import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/corpus.js';
import { run } from './helpers/run.js';

describe('typescript', () => {
  it('the whole project (src, test, bench, scripts) type-checks under strict mode', async () => {
    // Awaited, not spawnSync: tsc on a loaded machine can take long enough for a blocked
    // worker to miss vitest's RPC deadline. 600 s: it took over 180 s with two full runs and
    // two CPU hogs on two cores.
    const tsc = await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--noEmit'], { cwd: REPO_ROOT });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  }, 600_000);
});

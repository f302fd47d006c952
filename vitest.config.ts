import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    // Native addons (sharp, better-sqlite3) and child processes behave best in forked workers.
    // Two workers at most: the machine may have two cores shared with other jobs, and each
    // test file may start child processes (termtable, tsc, terminals) of its own.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // No test asserts on speed (that is what `npm run bench` is for); tests that drive a real
    // process set a longer timeout of their own, since a loaded machine can be several times
    // slower. Those await the process asynchronously, never with spawnSync: a worker blocked in
    // a synchronous call for over 60 s misses vitest's own RPC deadline ("Timeout calling
    // onTaskUpdate"), whatever testTimeout says.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    globalSetup: ['test/global-setup.ts'],
    reporters: ['default', './test/helpers/shared-skip-reporter.ts'],
  },
});

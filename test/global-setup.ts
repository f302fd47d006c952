import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Tests that spawn the real `termtable` binary need dist/ to match the sources. tsc emits
 * even when it reports type errors; type errors are the job of test/typecheck.test.ts, so
 * here they are shown, not fatal.
 */
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const run = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (run.status !== 0) process.stderr.write(`[global-setup] tsc reported:\n${run.stdout}${run.stderr}\n`);
}

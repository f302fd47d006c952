import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Tests that spawn the real `termtable` binary need dist/ to match the sources. tsc emits
 * even when it reports type errors; type errors are the job of test/typecheck.test.ts, so
 * here they are shown, not fatal.
 *
 * The XDG folders point into a temporary folder for the whole run (the test workers and what
 * they spawn inherit it): a test that forgets its own never writes into the library, cache,
 * preferences or Trash of whoever runs the suite.
 */
export default function setup(): () => void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const run = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (run.status !== 0) process.stderr.write(`[global-setup] tsc reported:\n${run.stdout}${run.stderr}\n`);
  const home = mkdtempSync(path.join(os.tmpdir(), 'termtable-test-xdg-'));
  for (const [name, dir] of [['XDG_DATA_HOME', 'data'], ['XDG_CACHE_HOME', 'cache'], ['XDG_CONFIG_HOME', 'config'], ['XDG_STATE_HOME', 'state']] as const) {
    process.env[name] = path.join(home, dir);
  }
  return () => rmSync(home, { recursive: true, force: true });
}

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Tests that spawn the real `termtable` binary need dist/ to match the sources. */
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
}

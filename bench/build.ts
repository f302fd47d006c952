/**
 * The benchmarks time the real binary, built from the work tree into a folder of their own
 * (dist/ is rebuilt by every test run, so a shared one can change under a benchmark):
 * <tmp>/termtable-bench-build-PID/{package.json, bin/termtable{,.js}, dist/ (with dist/bundle), node_modules → the repo's}.
 * What the user runs is bin/termtable, the shell launcher npm links (it sets MALLOC_ARENA_MAX and
 * execs node): `command` starts that, so its cost and its environment are in every figure.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface Build {
  /** bin/termtable.js, for runs that set the scene (imports before a measurement). */
  bin: string;
  dist: string;
  /** The argv that starts termtable as the user's shell does: the launcher, else node + bin. */
  command: string[];
}

function commandFor(bin: string): string[] {
  const launcher = path.join(path.dirname(bin), 'termtable');
  return existsSync(launcher) ? [launcher] : [process.execPath, bin];
}

/** TERMTABLE_BENCH_BIN (…/bin/termtable.js beside its dist/) measures another build as it is. */
export function benchBuild(): Build {
  const given = process.env.TERMTABLE_BENCH_BIN;
  if (given) return { bin: given, dist: path.resolve(path.dirname(given), '..', 'dist'), command: commandFor(given) };
  // One per benchmark process, removed at its exit: two benchmarks at once never share one.
  const root = path.join(os.tmpdir(), `termtable-bench-build-${process.pid}`);
  const dist = path.join(root, 'dist');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(path.join(root, 'bin'), { recursive: true });
  process.on('exit', () => rmSync(root, { recursive: true, force: true }));
  copyFileSync(path.join(REPO, 'package.json'), path.join(root, 'package.json'));
  copyFileSync(path.join(REPO, 'bin', 'termtable.js'), path.join(root, 'bin', 'termtable.js'));
  copyFileSync(path.join(REPO, 'bin', 'termtable'), path.join(root, 'bin', 'termtable'));
  symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'));
  const built = spawnSync(process.execPath, [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', dist], {
    cwd: REPO,
    encoding: 'utf8',
  });
  if (built.status !== 0) process.stdout.write(`(tsc reported errors; the build was emitted anyway)\n${built.stdout.slice(0, 1500)}`);
  // dist/bundle, as `npm run build` makes it (bin/termtable.js runs it when current).
  const bundled = spawnSync(process.execPath, [path.join(REPO, 'scripts', 'bundle.mjs'), dist], { cwd: REPO, encoding: 'utf8' });
  if (bundled.status !== 0) process.stdout.write(`(bundle failed: dist/ runs unbundled)\n${bundled.stderr.slice(0, 1500)}`);
  const bin = path.join(root, 'bin', 'termtable.js');
  return { bin, dist, command: commandFor(bin) };
}

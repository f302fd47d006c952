/**
 * `npm run bench`: runs every area's benchmark one after another (they would skew each
 * other in parallel on a 2-core machine). Each prints its own figures as ratios against a
 * peer measured in the same run. `npm run bench -- cache render` runs only those.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const AREAS = ['library', 'sidecars', 'sources', 'cache', 'render', 'tui', 'startup', 'launch', 'cacheload', 'memory', 'generation', 'remote', 'next-image', 'sharpness'] as const;

const here = path.dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const areas = wanted.length ? AREAS.filter((a) => wanted.includes(a)) : AREAS;
let failed = 0;
for (const area of areas) {
  const file = path.join(here, `${area}.ts`);
  if (!existsSync(file)) continue;
  process.stdout.write(`\n=== bench: ${area} ===\n`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit' });
  if (run.status !== 0) {
    failed++;
    process.stdout.write(`bench ${area} exited with ${run.status ?? run.signal}\n`);
  }
}
process.exitCode = failed ? 1 : 0;

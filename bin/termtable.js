#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm install` through `prepare`).
import { statSync } from 'node:fs';

// dist/bundle (scripts/bundle.mjs) is the same code in a few dozen files instead of ~800
// modules, which Node loads in about a third of the time (the lighttable's launch). It is run
// only when made from the current dist/: a later tsc build rewrites dist/cli/main.js, and a
// stale bundle is passed over. TERMTABLE_NO_BUNDLE=1 runs dist/ as compiled.
function bundleIsCurrent() {
  if (process.env.TERMTABLE_NO_BUNDLE) return false;
  try {
    const bundle = statSync(new URL('../dist/bundle/main.js', import.meta.url)).mtimeMs;
    return bundle >= statSync(new URL('../dist/cli/main.js', import.meta.url)).mtimeMs;
  } catch {
    return false;
  }
}
const { main } = await import(bundleIsCurrent() ? '../dist/bundle/main.js' : '../dist/cli/main.js');

// `termtable list | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`termtable: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);

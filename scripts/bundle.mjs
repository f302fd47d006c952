// Bundles the compiled CLI (dist/cli/main.js and everything it imports, Ink and React included)
// into dist/bundle/, which bin/termtable.js runs when it is at least as new as dist/cli/main.js.
// Why: the lighttable imports about 800 ES modules (166 of ours, Ink's, React's and es-toolkit's
// 415); Node resolves and loads each one on its own, and that, not their code, was most of the
// launch (`import('dist/tui/run.js')` 0.91-2.3 s against 0.29-0.95 s for its bundle, measured
// side by side on the loaded 2-core machine). Code splitting keeps the commands lazy: `--help`
// and `list` still load only their own chunk.
//
// Each module's `import.meta.url` is replaced by the URL of the file it came from (relative to
// the chunk), so what is found relative to a module (the worker files, package.json) is found
// where the unbundled dist/ finds it. Native and worker-loaded packages stay
// external.
//
// Usage: node scripts/bundle.mjs [DIST]   (default: dist/ beside this script's folder)
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(process.argv[2] ?? path.join(here, '..', 'dist'));
const out = path.join(dist, 'bundle');

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  // Not fatal: bin/termtable.js runs dist/cli/main.js when there is no bundle.
  process.stderr.write('bundle: esbuild not installed, dist/ is run unbundled\n');
  process.exit(0);
}

/** Per-file import.meta.url: esbuild would otherwise give every module the chunk's URL. */
const keepModuleUrl = {
  name: 'keep-module-url',
  setup(build) {
    build.onLoad({ filter: /\.(m|c)?js$/ }, async (args) => {
      // Ours only: in the packages bundled (Ink, yoga-layout) it is read only in development.
      if (path.relative(dist, args.path).startsWith('..')) return undefined;
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      // Relative to the chunk (every chunk is in dist/bundle/), so dist/ can move as a whole.
      const rel = path.relative(out, args.path).split(path.sep).join('/');
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'js' };
    });
  },
};

/**
 * React's production builds only (lighttable.ts sets NODE_ENV=production before React loads
 * anyway): its packages choose a build by process.env.NODE_ENV, and with that fixed here the
 * development builds (about 0.4 MB) are left out instead of being parsed at every launch. Only
 * in React's own packages: our code sets NODE_ENV, and the unbundled dist/ still honours it.
 */
const reactProduction = {
  name: 'react-production',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/](react|react-reconciler|scheduler)[\\/][^\\/]*\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      return { contents: text.replaceAll('process.env.NODE_ENV', '"production"'), loader: 'js' };
    });
  },
};

/**
 * commander requires node:child_process when it loads, for executable subcommands, which
 * termtable does not have: about 2 ms of every command's start (node running
 * require('node:child_process') against an empty script, 21 interleaved runs: 51.3 against
 * 49.5 ms of CPU). Bundled, it is required on first use instead. Matched by its exact text:
 * another commander release is bundled as it is.
 */
const lazyCommanderChildProcess = {
  name: 'lazy-commander-child-process',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]commander[\\/]lib[\\/]command\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const eager = "const childProcess = require('node:child_process');";
      if (!text.includes(eager)) return undefined;
      const lazy = "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };";
      return { contents: text.replace(eager, lazy), loader: 'js' };
    });
  },
};

await rm(out, { recursive: true, force: true });
await esbuild.build({
  entryPoints: { main: path.join(dist, 'cli', 'main.js') },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Native addons, and packages that load files or workers by path at run time.
  external: ['sharp', 'better-sqlite3', 'heic-decode', 'libheif-js', 'exifr'],
  // Ink loads react-devtools-core only under DEV=true; bundled, its import would be static.
  alias: { 'react-devtools-core': path.join(here, 'bundle-devtools-stub.mjs') },
  plugins: [keepModuleUrl, reactProduction, lazyCommanderChildProcess],
  // React's CommonJS files call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as __ttCreateRequire } from 'node:module'; const require = __ttCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  legalComments: 'none',
});

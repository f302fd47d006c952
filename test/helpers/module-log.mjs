// `node --import ./test/helpers/module-log.mjs …` appends every module URL the process
// imports to $TT_MODULE_LOG, so tests can check what a command really loads. CommonJS
// require() (createRequire: sharp is loaded that way) does not pass Node 20's ES-module
// hooks, so its loads are logged here, by path.
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';

register('./module-log-hooks.mjs', import.meta.url);

const load = Module._load;
Module._load = function logged(request, parent, isMain) {
  if (process.env.TT_MODULE_LOG) {
    try {
      appendFileSync(process.env.TT_MODULE_LOG, `${Module._resolveFilename(request, parent, isMain)}\n`);
    } catch {
      // a built-in or a name that does not resolve: load() says so itself
    }
  }
  return load.apply(this, arguments);
};

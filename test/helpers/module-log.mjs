// `node --import ./test/helpers/module-log.mjs …` appends every module URL the process
// imports to $TT_MODULE_LOG, so tests can check what a command really loads.
import { register } from 'node:module';

register('./module-log-hooks.mjs', import.meta.url);

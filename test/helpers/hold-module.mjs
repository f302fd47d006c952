// `node --import ./test/helpers/hold-module.mjs …` holds the load of the module whose URL ends
// with $TT_HOLD_MODULE until the file $TT_HOLD_UNTIL exists, writing `held URL` to
// $TT_HOLD_LOG when it starts holding: a test can then see what a process does while that
// module is still loading (test/cli/lighttable-start.test.ts).
import { register } from 'node:module';

register('./hold-module-hooks.mjs', import.meta.url);

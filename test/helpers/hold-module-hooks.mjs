// Module hooks run off the main thread; see hold-module.mjs.
import { appendFileSync, existsSync } from 'node:fs';

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  const { TT_HOLD_MODULE: held, TT_HOLD_UNTIL: until, TT_HOLD_LOG: log } = process.env;
  if (held && until && result.url.endsWith(held)) {
    if (log) appendFileSync(log, `held ${result.url}\n`);
    while (!existsSync(until)) await new Promise((r) => setTimeout(r, 20));
  }
  return result;
}

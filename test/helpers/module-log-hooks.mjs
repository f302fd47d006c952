// Module hooks run off the main thread: an append per resolved module is the simplest way out.
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (process.env.TT_MODULE_LOG) appendFileSync(process.env.TT_MODULE_LOG, `${result.url}\n`);
  return result;
}

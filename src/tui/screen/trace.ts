/**
 * A timeline of what the lighttable wrote and why, for finding where time goes over a slow
 * link (bench/remote.ts passes it through SSH): TERMTABLE_TRACE=FILE appends one line per event,
 * `MS EVENT DETAILS`, milliseconds since start. Off (a no-op) without the variable. Synchronous
 * appends: a diagnostic, never on by default.
 */
import { appendFileSync } from 'node:fs';

const file = process.env.TERMTABLE_TRACE;
const t0 = performance.now();

export const tracing = Boolean(file);

export function trace(event: string, details = ''): void {
  if (!file) return;
  try {
    appendFileSync(file, `${(performance.now() - t0).toFixed(1)} ${event} ${details}\n`);
  } catch {
    // a diagnostic must never break the app
  }
}

import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';
import type Exifr from 'exifr';
import { sharedOptions } from './exifr-options.js';

// Loaded as CommonJS: an ES import of exifr's UMD file runs Node's CommonJS export scan over
// its 75 kB first (require 6-7 ms against import 18-22 ms, three runs each), and this worker's
// start is what an import of JPEGs waits for before its first file.
const exifr = createRequire(import.meta.url)('exifr') as typeof Exifr;

/*
 * Worker thread: one exifr.parse per message. exifr runs here, not on the main thread,
 * because crafted files send it into loops that never yield (a HEIC whose mdat box has size
 * 0 spins forever): the pool terminates this worker at the deadline and import goes on.
 * Messages: {id, input: {data: path | bytes, options}} in, {id, result} or {id, error} out;
 * {id, input: {ping: true}} is answered {id, result: null} at once: it starts a worker (and
 * loads exifr) before the first file needs it.
 */

interface Input {
  data: string | Uint8Array;
  options: Record<string, unknown>;
}

parentPort?.on('message', (msg: { id: number; input: Input | { ping: true } }) => {
  if ('ping' in msg.input) {
    parentPort?.postMessage({ id: msg.id, result: null });
    return;
  }
  const data = typeof msg.input.data === 'string' ? msg.input.data : Buffer.from(msg.input.data);
  exifr.parse(data, sharedOptions(msg.input.options)).then(
    (out: unknown) => parentPort?.postMessage({ id: msg.id, result: out && typeof out === 'object' ? out : null }),
    (err: unknown) => parentPort?.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) }),
  );
});

import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';

/*
 * Worker thread: decodes one HEIC (HEVC) image with heic-decode (libheif compiled to wasm),
 * because sharp's prebuilt libvips has no HEVC decoder and a wasm decode would otherwise
 * block the event loop for a second or more. Messages (src/util/worker-pool.ts): {id, input:
 * Uint8Array} in, {id, result: {width, height, pixels}} (RGBA, transferred) or {id, error} out.
 */

// libheif prints parse errors with console.log: silenced here rather than by piping this
// worker's stdio (a piped stdout holds the parent's event loop open), so nothing reaches the
// parent's stdout, where a TUI is drawing.
for (const name of ['log', 'info', 'warn', 'error', 'debug'] as const) console[name] = () => undefined;

interface HeicDecoded {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}
type HeicDecode = (input: { buffer: Uint8Array }) => Promise<HeicDecoded>;

const require = createRequire(import.meta.url);
const decode = require('heic-decode') as HeicDecode;

parentPort?.on('message', (msg: { id: number; input: Uint8Array }) => {
  decode({ buffer: msg.input }).then(
    (img) => {
      const pixels = new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength);
      const result = { width: img.width, height: img.height, pixels };
      parentPort?.postMessage({ id: msg.id, result }, [pixels.buffer as ArrayBuffer]);
    },
    (err: unknown) => {
      parentPort?.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) });
    },
  );
});

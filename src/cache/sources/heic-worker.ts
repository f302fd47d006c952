import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';

/*
 * Worker thread: decodes one HEIC (HEVC) image with heic-decode (libheif compiled to wasm),
 * because sharp's prebuilt libvips has no HEVC decoder and a wasm decode would otherwise
 * block the event loop for a second or more. Messages: {id, data: Uint8Array} in,
 * {id, width, height, pixels} (RGBA, transferred) or {id, error} out.
 */

interface HeicDecoded {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}
type HeicDecode = (input: { buffer: Uint8Array }) => Promise<HeicDecoded>;

const require = createRequire(import.meta.url);
const decode = require('heic-decode') as HeicDecode;

parentPort?.on('message', (msg: { id: number; data: Uint8Array }) => {
  decode({ buffer: msg.data }).then(
    (img) => {
      const pixels = new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength);
      parentPort?.postMessage({ id: msg.id, width: img.width, height: img.height, pixels }, [pixels.buffer as ArrayBuffer]);
    },
    (err: unknown) => {
      parentPort?.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) });
    },
  );
});

// The work every checked load of a saved memory cache must do, and nothing else: read the
// file in 8 MB chunks, CRC-check each frame's body and copy its JPEG into a buffer of its own
// (kept, as the LRU keeps them). No header checks, entry objects, LRU or library modules.
// node bench/child/check-floor.mjs DIST FILE
import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [dist, file] = process.argv.slice(2);
const { crc32 } = await import(pathToFileURL(path.join(dist, 'cache/crc32.js')).href);
const CHUNK = 8 << 20;
const fd = openSync(file, 'r');
const kept = [];
let buf = Buffer.allocUnsafeSlow(CHUNK);
let len = readSync(fd, buf, 0, CHUNK, null);
let pos = 56;
let bad = 0;
for (;;) {
  if (len - pos < 8 || len - pos < 8 + buf.readUInt32LE(pos)) {
    // Move the rest to the front and fill up (frames are far smaller than a chunk here).
    const rest = len - pos;
    buf.copy(buf, 0, pos, len);
    const want = Math.max(CHUNK, rest + 8 + (rest >= 8 ? buf.readUInt32LE(0) : 0));
    if (want > buf.length) {
      const bigger = Buffer.allocUnsafeSlow(want);
      buf.copy(bigger, 0, 0, rest);
      buf = bigger;
    }
    const got = readSync(fd, buf, rest, buf.length - rest, null);
    len = rest + got;
    pos = 0;
    if (got === 0 && len < 8) break;
  }
  const length = buf.readUInt32LE(pos);
  if (length === 0) break;
  const body = buf.subarray(pos + 8, pos + 8 + length);
  if (crc32(body) !== buf.readUInt32LE(pos + 4)) bad++;
  kept.push(Buffer.from(body.subarray(32)));
  pos += 8 + length;
}
closeSync(fd);
process.stdout.write(`${kept.length} frames checked and copied, ${bad} bad\n`);

/**
 * Reads a tty-bytes recording (script(1)'s io.log and timing.log) for bench/launch.ts: when the
 * pictures of the first grid appeared on the terminal, and how many were written.
 *
 * A picture appears when the terminal has the bytes that show it:
 * - sixel: the end of its DCS `q` sequence;
 * - kitty: a placement (`a=p`), or the last chunk of a transmit-and-display (`a=T`); a transmit
 *   alone (`a=t`, pictures sent ahead for pages not shown) shows nothing. Unicode placeholders
 *   (kitty 0.28 and later) are not read: the bench's kitty, 0.26.5, places by id;
 * - iTerm2: the end of its OSC 1337 File sequence;
 * - half-blocks: each `▀` cell (the pictures are text).
 * Text (frames, captions, the status line that background scoring redraws seconds later) is not
 * a picture, so it does not move the figure.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface PictureTimeline {
  /** ms from the start to the last picture appearing before the first key; null when none appeared. */
  lastPictureMs: number | null;
  /** ms to the last byte written before the first key (any byte). */
  lastByteMs: number | null;
  /** Pictures that appeared (kitty: placements; half-blocks: `▀` cells). */
  pictures: number;
  /** kitty: distinct image ids placed (pictures > placed means some were placed twice). */
  distinctPlaced: number;
  /** Bytes written before the first key. */
  bytes: number;
}

interface Chunk {
  atMs: number;
  start: number;
  data: Buffer;
}

/** Output chunks before the first input that is a key (terminal replies are not keys). */
function readRecording(dir: string): { chunks: Chunk[]; stream: Buffer } {
  const raw = readFileSync(path.join(dir, 'io.log'));
  let pos = raw.subarray(0, 15).toString('latin1').startsWith('Script started') ? raw.indexOf(0x0a) + 1 : 0;
  const chunks: Chunk[] = [];
  let t = 0;
  let offset = 0;
  for (const line of readFileSync(path.join(dir, 'timing.log'), 'latin1').split('\n')) {
    const [kind, delta, count] = line.split(' ');
    if (kind === 'H' || delta === undefined || count === undefined) continue;
    t += Number(delta) * 1000;
    if (kind !== 'I' && kind !== 'O') continue;
    const n = Number(count);
    const data = raw.subarray(pos, pos + n);
    pos += n;
    // The only key the benchmark types is q; the probe's replies are escape sequences.
    if (kind === 'I' && data.includes(0x71) && !data.includes(0x1b)) break;
    if (kind === 'O') {
      chunks.push({ atMs: t, start: offset, data });
      offset += n;
    }
  }
  return { chunks, stream: Buffer.concat(chunks.map((c) => c.data)) };
}

/** Bytes that show a picture, with the stream offset of the byte that completes each. */
function pictureEnds(stream: Buffer): { ends: number[]; placedIds: Set<string> } {
  const text = stream.toString('latin1');
  const ends: number[] = [];
  const placedIds = new Set<string>();
  // eslint-disable-next-line no-control-regex
  const seq = /\x1bP[0-9;]*q[\s\S]*?\x1b\\|\x1b_G([^;\x1b]*)(?:;[^\x1b]*)?\x1b\\|\x1b\]1337;File=[\s\S]*?(?:\x07|\x1b\\)|\xe2\x96\x80/g;
  let m: RegExpExecArray | null;
  let pendingT: { id: string } | null = null;
  while ((m = seq.exec(text))) {
    const end = m.index + m[0].length - 1;
    if (m[1] === undefined) {
      ends.push(end);
      continue;
    }
    const keys = new Map(m[1].split(',').map((kv) => kv.split('=') as [string, string]));
    const action = keys.get('a');
    // A chunked transmit names its action in the first chunk only; m=0 (or no m) ends it.
    if (action === 'T') pendingT = { id: keys.get('i') ?? '?' };
    const last = keys.get('m') !== '1';
    if (action === 'p') {
      placedIds.add(keys.get('i') ?? '?');
      ends.push(end);
    } else if (pendingT && last && (action === 'T' || action === undefined)) {
      placedIds.add(pendingT.id);
      ends.push(end);
      pendingT = null;
    } else if (action === 't' || action === 'd' || action === 'q') {
      pendingT = null;
    }
  }
  return { ends, placedIds };
}

export function pictureTimeline(dir: string): PictureTimeline {
  const { chunks, stream } = readRecording(dir);
  const { ends, placedIds } = pictureEnds(stream);
  const atOffset = (offset: number): number => {
    let lo = 0;
    let hi = chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (chunks[mid]!.start <= offset) lo = mid;
      else hi = mid - 1;
    }
    return chunks[lo]!.atMs;
  };
  const lastEnd = ends[ends.length - 1];
  return {
    lastPictureMs: lastEnd === undefined ? null : atOffset(lastEnd),
    lastByteMs: chunks.length ? chunks[chunks.length - 1]!.atMs : null,
    pictures: ends.length,
    distinctPlaced: placedIds.size,
    bytes: stream.length,
  };
}

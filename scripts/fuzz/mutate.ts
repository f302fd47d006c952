import zlib from 'node:zlib';
import type { Rng } from './prng.js';
import { findSizeFields, type SizeField } from './structure.js';

export type MutationKind = 'bitflip' | 'bytes' | 'truncate' | 'splice' | 'size' | 'block';

export interface Mutant {
  bytes: Buffer;
  /** What was done, step by step, for the report and the regression record. */
  steps: string[];
}

/** Headers live near the start: half the random positions land in the first 4 KB. */
function position(rng: Rng, length: number): number {
  if (length <= 0) return 0;
  return rng.chance(0.5) ? rng.int(Math.min(length, 4096)) : rng.int(length);
}

function bitflip(rng: Rng, b: Buffer): string {
  const n = rng.range(1, 16);
  for (let i = 0; i < n && b.length; i++) {
    const pos = position(rng, b.length);
    b[pos]! ^= 1 << rng.int(8);
  }
  return `bitflip x${n}`;
}

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe];

function bytes(rng: Rng, b: Buffer): string {
  const n = rng.range(1, 8);
  const pos = position(rng, b.length);
  for (let i = 0; i < n && pos + i < b.length; i++) b[pos + i] = rng.pick(INTERESTING_BYTES);
  return `bytes x${n} @${pos}`;
}

function truncate(rng: Rng, b: Buffer): Buffer {
  const at = rng.chance(0.4) ? rng.int(Math.min(b.length, 1024)) : rng.int(b.length);
  return b.subarray(0, at);
}

function block(rng: Rng, b: Buffer): { bytes: Buffer; step: string } {
  const pos = position(rng, b.length);
  const len = Math.min(rng.range(1, 4096), b.length - pos);
  if (rng.chance(0.5)) {
    return { bytes: Buffer.concat([b.subarray(0, pos), b.subarray(pos + len)]), step: `delete ${len} @${pos}` };
  }
  const chunk = b.subarray(pos, pos + len);
  return { bytes: Buffer.concat([b.subarray(0, pos + len), chunk, b.subarray(pos + len)]), step: `repeat ${len} @${pos}` };
}

function extremeValue(rng: Rng, f: SizeField, b: Buffer, old: number): number {
  const max = f.width === 2 ? 0xffff : f.width === 3 ? 0xffffff : 0xffffffff;
  const common = [0, 1, max, max - 1, Math.floor(max / 2), Math.floor(max / 2) + 1, old + 1, Math.max(0, old - 1)];
  if (f.width === 2 || f.width === 3) return rng.pick(common);
  switch (f.role) {
    case 'offset':
      // Past the end, at the field itself (a loop), at the TIFF header (IFD loops) or anywhere.
      return rng.pick([...common, b.length, b.length - 1, f.pos, 8, rng.int(b.length), 0xfffffff0]);
    case 'dimension':
      return rng.pick([0, 1, 0xffff, 0x10000, 0x7fffffff, 0xffffffff, 100_000, 1_000_000]);
    default:
      return rng.pick([...common, b.length, b.length - f.pos, 0x7ffffff0, old * 2, old * 1000]);
  }
}

function writeField(b: Buffer, f: SizeField, value: number): void {
  const v = value >>> 0;
  if (f.width === 2) (f.le ? b.writeUInt16LE : b.writeUInt16BE).call(b, v & 0xffff, f.pos);
  else if (f.width === 3) {
    const x = v & 0xffffff;
    if (f.le) b.writeUIntLE(x, f.pos, 3);
    else b.writeUIntBE(x, f.pos, 3);
  } else (f.le ? b.writeUInt32LE : b.writeUInt32BE).call(b, v, f.pos);
}

function readField(b: Buffer, f: SizeField): number {
  if (f.width === 2) return f.le ? b.readUInt16LE(f.pos) : b.readUInt16BE(f.pos);
  if (f.width === 3) return f.le ? b.readUIntLE(f.pos, 3) : b.readUIntBE(f.pos, 3);
  return f.le ? b.readUInt32LE(f.pos) : b.readUInt32BE(f.pos);
}

/** ISO-BMFF box sizes: 0 (to the end of the file), 1 with a 64-bit largesize, tiny, huge. */
function bmffSize(rng: Rng, b: Buffer, f: SizeField): { bytes: Buffer; step: string } {
  const old = b.readUInt32BE(f.pos);
  const choice = rng.int(5);
  if (choice === 4) {
    // A new box in front of this one (the 64-byte HEIC of issue 11: ftyp, then mdat of size 0).
    const type = rng.pick(['mdat', 'free', 'skip', 'uuid', 'meta', 'moov', 'iinf', 'iloc', 'ftyp']);
    const size = rng.pick([0, 0, 8, 9, 16, 0xffffffff, b.length]);
    const head = Buffer.alloc(8);
    head.writeUInt32BE(size >>> 0);
    head.write(type, 4, 'latin1');
    return { bytes: Buffer.concat([b.subarray(0, f.pos), head, b.subarray(f.pos)]), step: `new ${type} box of size ${size} before ${f.what}` };
  }
  if (choice === 0) {
    b.writeUInt32BE(0, f.pos);
    return { bytes: b, step: `${f.what} ${old} -> 0 (to end of file)` };
  }
  if (choice === 1) {
    // size 1: a largesize follows the type, so 8 bytes go in after it.
    const large = rng.pick([0n, 1n, 8n, 15n, 16n, BigInt(old) + 8n, 2n ** 53n + 1n, 2n ** 63n - 1n, 2n ** 64n - 1n, BigInt(b.length) * 1000n]);
    const extra = Buffer.alloc(8);
    extra.writeBigUInt64BE(large);
    const out = Buffer.concat([b.subarray(0, f.pos + 8), extra, b.subarray(f.pos + 8)]);
    out.writeUInt32BE(1, f.pos);
    return { bytes: out, step: `${f.what} ${old} -> 1, largesize ${large}` };
  }
  const v = choice === 2 ? rng.range(2, 7) : rng.pick([0xffffffff, 0x7fffffff, b.length - f.pos + 1, old + 1, old * 16]);
  b.writeUInt32BE(v >>> 0, f.pos);
  return { bytes: b, step: `${f.what} ${old} -> ${v >>> 0}` };
}

function size(rng: Rng, b: Buffer): { bytes: Buffer; step: string } | undefined {
  const fields = findSizeFields(b);
  if (!fields.length) return undefined;
  const f = rng.pick(fields);
  if (f.role === 'bmff-size') return bmffSize(rng, b, f);
  const old = readField(b, f);
  const v = extremeValue(rng, f, b, old);
  writeField(b, f, v);
  return { bytes: b, step: `${f.what} ${old} -> ${readField(b, f)}` };
}

const KINDS: readonly MutationKind[] = [
  'size', 'size', 'size', 'size', 'size', 'size',
  'bitflip', 'bitflip', 'bitflip', 'bitflip',
  'truncate', 'truncate', 'truncate',
  'bytes', 'bytes',
  'splice', 'splice',
  'block', 'block',
];

/**
 * One mutant of `base`: 1 to 3 steps (bit flips, truncation at a random offset, a splice with
 * `partner`, huge claimed sizes in header fields, byte runs, deleted or repeated blocks).
 * Deterministic in rng: the same generator state always gives the same bytes.
 */
export function mutate(rng: Rng, base: Buffer, partner: Buffer): Mutant {
  let b: Buffer = Buffer.from(base);
  const steps: string[] = [];
  const n = rng.chance(0.6) ? 1 : rng.chance(0.75) ? 2 : 3;
  for (let i = 0; i < n; i++) {
    const kind = rng.pick(KINDS);
    if (kind === 'bitflip') steps.push(bitflip(rng, b));
    else if (kind === 'bytes') steps.push(bytes(rng, b));
    else if (kind === 'truncate') {
      b = truncate(rng, b);
      steps.push(`truncate at ${b.length}`);
    } else if (kind === 'splice') {
      const at = position(rng, b.length);
      const from = rng.int(partner.length);
      b = Buffer.concat([b.subarray(0, at), partner.subarray(from)]);
      steps.push(`splice ${at} bytes + partner from ${from}`);
    } else if (kind === 'block') {
      const r = block(rng, b);
      b = r.bytes;
      steps.push(r.step);
    } else {
      const r = size(rng, b);
      if (r) {
        b = r.bytes;
        steps.push(r.step);
      } else steps.push(bitflip(rng, b));
    }
  }
  // libpng rejects a critical chunk whose CRC is wrong before reading a single field, so half
  // the PNG mutants get their CRCs made right again: the lies then reach the decoder.
  if (b.length > 8 && b.readUInt32BE(0) === 0x89504e47 && rng.chance(0.5) && fixPngCrcs(b)) steps.push('PNG CRCs fixed');
  return { bytes: b, steps };
}

/** Recomputes each whole chunk's CRC in place; false when nothing was changed. */
function fixPngCrcs(b: Buffer): boolean {
  let changed = false;
  let pos = 8;
  for (let n = 0; n < 10_000 && pos + 12 <= b.length; n++) {
    const len = b.readUInt32BE(pos);
    if (len > b.length - pos - 12) break;
    const crc = zlib.crc32(b.subarray(pos + 4, pos + 8 + len));
    if (b.readUInt32BE(pos + 8 + len) !== crc) {
      b.writeUInt32BE(crc, pos + 8 + len);
      changed = true;
    }
    pos += 12 + len;
  }
  return changed;
}

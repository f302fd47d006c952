import { spawn } from 'node:child_process';
import { cpuSecondsFor, findOnPath, limitedCommand, toolBaseBytes } from '../../util/rlimit.js';
import { ThumbError } from './causes.js';

/*
 * What LibRaw itself makes of a raw before it is decoded: raw-identify (the same package as
 * dcraw_emu, libraw-bin) parses the header only, in milliseconds and a few MB. The sizes it
 * prints are the ones dcraw_emu would allocate for, so a header that declares an impossible
 * sensor (an 893-byte RW2 claiming 62928x2754 made dcraw_emu run 7 s CPU in 683 MB before
 * its output was refused) is refused here instead. Our own TIFF walker does not see these
 * sizes: LibRaw derives them from maker-specific tags (RW2 tags 2-7, CR3 boxes, …).
 */

export const RAW_IDENTIFY = 'raw-identify';

export interface Size {
  width: number;
  height: number;
}

export interface RawIdentity {
  /** raw_width x raw_height: the sensor data LibRaw unpacks (16 bits per sample). */
  full: Size;
  /** The visible image before half-size and rotation. */
  image: Size;
  /** What dcraw_emu writes at full size (after rotation, Fuji's 45° layout undone). */
  output: Size;
  /** LibRaw's flip (0 none, 3 180°, 5 90° CCW, 6 90° CW): bit 4 means output is width/height swapped. */
  flip: number;
}

export interface IdentifyOptions {
  signal?: AbortSignal;
  /** @default 10000 */
  timeoutMs?: number;
  /** Override the executable (tests). @default found on PATH */
  executable?: string;
}

let found: Promise<string | null> | null = null;

export function findRawIdentify(): Promise<string | null> {
  found ??= findOnPath(RAW_IDENTIFY);
  return found;
}

const sizeOf = (text: string, label: string): Size | null => {
  const m = new RegExp(`^${label}:\\s+(\\d+)\\s*x\\s*(\\d+)\\s*$`, 'm').exec(text);
  return m ? { width: Number(m[1]), height: Number(m[2]) } : null;
};

/** Parses `raw-identify -v` output; null when the sizes are not all there. */
export function parseIdentify(text: string): RawIdentity | null {
  const full = sizeOf(text, 'Full size');
  const image = sizeOf(text, 'Image size');
  const output = sizeOf(text, 'Output size');
  const flip = /^Image flip:\s+(\d+)\s*$/m.exec(text);
  return full && image && output ? { full, image, output, flip: flip ? Number(flip[1]) : 0 } : null;
}

/**
 * LibRaw's reading of the raw's header. Null when raw-identify is not installed or says
 * nothing usable (the decode then goes ahead with only its own bounds). Throws ThumbError
 * `unsupported` with LibRaw's words when LibRaw cannot open the file at all, and when the
 * tool does not answer within the deadline.
 */
export async function readRawHeader(file: string, options: IdentifyOptions = {}): Promise<RawIdentity | null> {
  const exe = options.executable ?? (await findRawIdentify());
  if (!exe) return null;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const arg = file.startsWith('-') ? `./${file}` : file;
  // Header parsing only: a little CPU and the base address space are plenty.
  const [cmd, args] = await limitedCommand(exe, ['-v', arg], { addressSpaceBytes: toolBaseBytes(), cpuSeconds: cpuSecondsFor(timeoutMs) });
  return new Promise<RawIdentity | null>((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let failure: ThumbError | null = null;
    const kill = (why: ThumbError) => {
      failure ??= why;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => kill(new ThumbError('unsupported', `raw header reader timed out after ${timeoutMs} ms`)), timeoutMs);
    const onAbort = () => kill(new ThumbError('unsupported', 'aborted'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    // Bounded: the sizes come in the first few kB; the rest is maker notes and matrices.
    child.stdout.on('data', (c: Buffer) => {
      if (out.length < 64 * 1024) out += c.toString('latin1');
    });
    child.stderr.on('data', (c: Buffer) => {
      if (err.length < 4096) err += c.toString('utf8');
    });
    let settled = false;
    const finish = (spawnErr: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (failure) return reject(failure);
      if (spawnErr) return resolve(null); // not runnable here: decide without it
      // "Cannot decode <file>: <reason>": the reason follows the last ": " (the name may hold one).
      const cannot = err.split('\n').find((l) => l.startsWith('Cannot decode'));
      if (cannot) {
        const reason = cannot.slice(cannot.lastIndexOf(': ') + 2).trim() || 'cannot read the raw header';
        return reject(new ThumbError('unsupported', `raw decoder (LibRaw): ${reason}`));
      }
      resolve(parseIdentify(out));
    };
    child.on('error', (e) => finish(e));
    child.on('close', () => finish(null));
  });
}

/** The pixel buffers dcraw_emu allocates for a decode: 16-bit raw data, 4 x 16-bit image, 8-bit output. */
export function decodeBytes(id: RawIdentity, halfSize: boolean): number {
  const shrink = halfSize ? 4 : 1;
  const raw = id.full.width * id.full.height * 2;
  const image = (Math.max(id.image.width * id.image.height, id.output.width * id.output.height) / shrink) * 8;
  const output = ((id.output.width * id.output.height) / shrink) * 3;
  return raw + image + output;
}

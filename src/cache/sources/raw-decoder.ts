import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { cpuSecondsFor, findOnPath, limitedCommand, toolBaseBytes, type ProcessLimits } from '../../util/rlimit.js';
import { ThumbError } from './causes.js';
import { decodeBytes, readRawHeader, type RawIdentity } from './raw-header.js';
import { PIXEL_LIMIT } from './render.js';

/*
 * Raw decoding goes through LibRaw's dcraw_emu (Debian: libraw-bin), found on PATH at run
 * time. libraw-wasm 1.6 was tried first: it is built for browsers (its wrapper needs a global
 * Worker and fetch()), and loading its emscripten module directly under Node 20 does decode,
 * but it is 3x slower than the native tool on a 16 MP ARW and dies with "memory access out of
 * bounds" / uncatchable "unwind" on stripped files (bad/panasonic-lx3-stripped.rw2), taking
 * the whole thread with it. A child process isolates every crash, runs in parallel on all
 * cores, and can be killed on timeout or abort.
 */

export const RAW_DECODER = 'dcraw_emu';
export const NO_RAW_DECODER = 'no raw decoder: install libraw-bin (LibRaw\'s dcraw_emu)';

/**
 * 8-bit PPM (PGM for one-colour sensors) on stdout, LibRaw defaults otherwise plus the
 * camera's white balance (as darktable's default). PPM rather than TIFF (-T): its header is
 * one line, so the pixels go straight into one buffer of their final size (no chunk list and
 * concatenated copy, which held a half-size 24 MP decode's 18 MB twice) and on to sharp as raw
 * pixels, with no TIFF parse or metadata pass. dcraw_emu has no smaller output than half-size.
 */
const ARGS = ['-w', '-Z', '-'];

/** Raw sensors above this are refused before decoding (half-size = a quarter of it). */
export const RAW_PIXEL_LIMIT = 4 * PIXEL_LIMIT;
/**
 * Lossless-JPEG raws need at least 1 bit per pixel (0.125 byte): a file far below that
 * holds no raw data, whatever LibRaw makes of it (it "decodes" stripped files to noise).
 */
export const MIN_RAW_BYTES_PER_PIXEL = 0.1;

/** A decoded raw: 8-bit pixels, interleaved. */
export interface RawPixels {
  pixels: Buffer;
  width: number;
  height: number;
  channels: 1 | 3;
}

/** "P6\n6000 4000\n255\n": the header's length, size and channels, or null while incomplete. */
export function parsePnmHeader(head: Buffer): { length: number; width: number; height: number; channels: 1 | 3 } | null {
  const text = head.subarray(0, 64).toString('latin1');
  const m = /^(P[56])\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(text);
  if (!m) {
    if (head.length >= 64 || (head.length >= 2 && !/^P[56]/.test(text))) throw new ThumbError('unsupported', 'raw decoder wrote no PPM image');
    return null;
  }
  if (m[4] !== '255') throw new ThumbError('unsupported', `raw decoder wrote ${m[4]}-level samples, expected 8-bit`);
  return { length: m[0].length, width: Number(m[2]), height: Number(m[3]), channels: m[1] === 'P6' ? 3 : 1 };
}

export interface RawDecodeOptions {
  /** Half-size demosaic (4x fewer pixels, much faster). @default true */
  halfSize?: boolean;
  /** Kill the decoder after this long. @default 60000 */
  timeoutMs?: number;
  /** Refuse output bigger than this (a hostile header can declare any size). @default 512 MiB */
  maxBytes?: number;
  signal?: AbortSignal;
  /** Override the executable (tests use a missing one). @default found on PATH */
  executable?: string;
  /** Override raw-identify (tests); null skips the header check. @default found on PATH */
  identifyExecutable?: string | null;
  /** Refuse sensors of more pixels (cause `memory`). @default RAW_PIXEL_LIMIT */
  maxPixels?: number;
  /** Refuse files of fewer bytes per output pixel (no raw data in them). @default MIN_RAW_BYTES_PER_PIXEL */
  minBytesPerPixel?: number;
  /** Override the decoder's address-space limit (tests). @default from the header, see checkedLimits */
  addressSpaceBytes?: number;
}

let found: Promise<string | null> | null = null;

/** Path of dcraw_emu, or null; looked up once per process. */
export function findRawDecoder(): Promise<string | null> {
  found ??= findOnPath(RAW_DECODER);
  return found;
}

/**
 * Decodes a raw file to 8-bit pixels (LibRaw applies the raw's own orientation). Throws ThumbError:
 * `unsupported` with LibRaw's message when it cannot decode, `memory` when the output is
 * over the bound, and `unsupported` with NO_RAW_DECODER when the tool is not installed.
 */
export async function decodeRaw(file: string, options: RawDecodeOptions = {}): Promise<RawPixels> {
  const exe = options.executable ?? (await findRawDecoder());
  if (!exe) throw new ThumbError('unsupported', NO_RAW_DECODER);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxBytes = options.maxBytes ?? 512 * 1024 * 1024;
  const halfSize = options.halfSize !== false;
  const limits = await checkedLimits(file, halfSize, timeoutMs, options);
  // `--` is not understood by dcraw_emu; a path starting with '-' is made safe with './'.
  const arg = file.startsWith('-') ? `./${file}` : file;
  if (options.addressSpaceBytes !== undefined) limits.addressSpaceBytes = options.addressSpaceBytes;
  const [cmd, cmdArgs] = await limitedCommand(exe, [...(halfSize ? ['-h', ...ARGS] : ARGS), arg], limits);
  const prlimited = cmd !== exe;
  return new Promise<RawPixels>((resolve, reject) => {
    const child = spawn(cmd, cmdArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    // The header's bytes until it is whole, then the image's own buffer.
    let head = Buffer.alloc(0);
    let image: RawPixels | null = null;
    let filled = 0;
    let bytes = 0;
    let stderr = '';
    let failure: ThumbError | null = null;
    const kill = (why: ThumbError) => {
      failure ??= why;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => kill(new ThumbError('unsupported', `raw decoder timed out after ${timeoutMs} ms`)), timeoutMs);
    const onAbort = () => kill(new ThumbError('unsupported', 'aborted'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    const overBound = () => new ThumbError('memory', `raw decoder output over ${Math.round(maxBytes / 1048576)} MiB`);
    child.stdout.on('data', (chunk: Buffer) => {
      if (failure) return;
      bytes += chunk.length;
      if (bytes > maxBytes) return kill(overBound());
      try {
        if (!image) {
          head = Buffer.concat([head, chunk]);
          const h = parsePnmHeader(head);
          if (!h) return;
          const size = h.width * h.height * h.channels;
          if (size + h.length > maxBytes) return kill(overBound());
          image = { pixels: Buffer.allocUnsafe(size), width: h.width, height: h.height, channels: h.channels };
          chunk = head.subarray(h.length);
          head = Buffer.alloc(0);
        }
        filled += chunk.copy(image.pixels, filled);
      } catch (err) {
        kill(err as ThumbError);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString('utf8');
    });
    let settled = false;
    const finish = (err: Error | null, code: number | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (failure) return reject(failure);
      if (err) {
        const enoent = (err as NodeJS.ErrnoException).code === 'ENOENT';
        return reject(new ThumbError('unsupported', enoent ? NO_RAW_DECODER : `raw decoder: ${err.message}`));
      }
      if (code !== 0 || bytes === 0) {
        // LibRaw names the file in its messages; keep only what it says about it.
        const said = stderr
          .split('\n')
          .map((l) => l.replace(arg, '').replace(/^\s*(Cannot (open|unpack|process)\s*)?:?\s*/i, '').trim())
          .filter((l, i, all) => l && all.indexOf(l) === i)
          .join('; ');
        return reject(new ThumbError('unsupported', `raw decoder (LibRaw): ${said || `exit code ${code}`}`));
      }
      if (!image || filled < image.pixels.length) return reject(new ThumbError('unsupported', 'raw decoder (LibRaw): image cut short'));
      if (image.width === 0 || image.height === 0) {
        // dcraw_emu writes a 0x0 image, exit 0 and no message when an allocation fails.
        const limit = limits.addressSpaceBytes;
        if (limit !== undefined && prlimited) {
          return reject(new ThumbError('memory', `raw decoder (LibRaw) wrote an empty image: out of memory within its ${Math.round(limit / 1048576)} MiB limit`));
        }
        return reject(new ThumbError('unsupported', 'raw decoder (LibRaw) wrote an empty image'));
      }
      resolve(image);
    };
    child.on('error', (err) => finish(err, null));
    child.on('close', (code) => finish(null, code));
  });
}

/**
 * Refuses, before decoding, a raw whose header (as LibRaw reads it) declares a sensor over
 * the pixel limit or far bigger than the file could hold, and sizes dcraw_emu's limits to
 * what that sensor needs: address space twice its pixel buffers (a decompressor that
 * allocates past what the header declared fails inside the tool), CPU seconds the deadline.
 */
async function checkedLimits(file: string, halfSize: boolean, timeoutMs: number, options: RawDecodeOptions): Promise<ProcessLimits> {
  const limits: ProcessLimits = { cpuSeconds: cpuSecondsFor(timeoutMs) };
  if (options.identifyExecutable === null) return limits;
  let id: RawIdentity | null;
  try {
    id = await readRawHeader(file, { ...(options.signal ? { signal: options.signal } : {}), ...(options.identifyExecutable ? { executable: options.identifyExecutable } : {}) });
  } catch (err) {
    // raw-identify and dcraw_emu are the same LibRaw: a header it cannot read will not decode.
    if (options.signal?.aborted) throw new ThumbError('unsupported', 'aborted');
    throw err;
  }
  if (!id) return limits;
  const sensor = Math.max(id.full.width * id.full.height, id.image.width * id.image.height);
  const maxPixels = options.maxPixels ?? RAW_PIXEL_LIMIT;
  if (sensor > maxPixels) {
    throw new ThumbError('memory', `raw declares a ${id.full.width}x${id.full.height} sensor (${Math.round(sensor / 1e6)} MP), over the ${Math.round(maxPixels / 1e6)} MP limit`);
  }
  const { size } = await stat(file);
  const { width, height } = id.output;
  if (size < width * height * (options.minBytesPerPixel ?? MIN_RAW_BYTES_PER_PIXEL)) {
    throw new ThumbError('unsupported', `raw data missing or cut short: ${size} bytes for a ${width}x${height} sensor`);
  }
  return { ...limits, addressSpaceBytes: toolBaseBytes() + 2 * decodeBytes(id, halfSize) };
}

import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { ThumbError } from './causes.js';

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
}

let found: Promise<string | null> | null = null;

async function lookup(name: string): Promise<string | null> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** Path of dcraw_emu, or null; looked up once per process. */
export function findRawDecoder(): Promise<string | null> {
  found ??= lookup(RAW_DECODER);
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
  return new Promise<RawPixels>((resolve, reject) => {
    // `--` is not understood by dcraw_emu; a path starting with '-' is made safe with './'.
    const arg = file.startsWith('-') ? `./${file}` : file;
    const args = options.halfSize === false ? ARGS : ['-h', ...ARGS];
    const child = spawn(exe, [...args, arg], { stdio: ['ignore', 'pipe', 'pipe'] });
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
      resolve(image);
    };
    child.on('error', (err) => finish(err, null));
    child.on('close', (code) => finish(null, code));
  });
}

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

/** 8-bit TIFF on stdout, LibRaw defaults otherwise plus the camera's white balance (as darktable's default). */
const ARGS = ['-w', '-T', '-Z', '-'];

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
 * Decodes a raw file to a TIFF (LibRaw applies the raw's own orientation). Throws ThumbError:
 * `unsupported` with LibRaw's message when it cannot decode, `memory` when the output is
 * over the bound, and `unsupported` with NO_RAW_DECODER when the tool is not installed.
 */
export async function decodeRaw(file: string, options: RawDecodeOptions = {}): Promise<Buffer> {
  const exe = options.executable ?? (await findRawDecoder());
  if (!exe) throw new ThumbError('unsupported', NO_RAW_DECODER);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxBytes = options.maxBytes ?? 512 * 1024 * 1024;
  return new Promise<Buffer>((resolve, reject) => {
    // `--` is not understood by dcraw_emu; a path starting with '-' is made safe with './'.
    const arg = file.startsWith('-') ? `./${file}` : file;
    const args = options.halfSize === false ? ARGS : ['-h', ...ARGS];
    const child = spawn(exe, [...args, arg], { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
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
    child.stdout.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxBytes) kill(new ThumbError('memory', `raw decoder output over ${Math.round(maxBytes / 1048576)} MiB`));
      else chunks.push(chunk);
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
      resolve(Buffer.concat(chunks, bytes));
    };
    child.on('error', (err) => finish(err, null));
    child.on('close', (code) => finish(null, code));
  });
}

import type { ThumbCause } from '../types.js';

/** A failure on its way out of makeThumbnails. */
export class ThumbError extends Error {
  override name = 'ThumbError';
  constructor(
    readonly thumbCause: ThumbCause,
    detail: string,
  ) {
    super(detail);
  }
}

const MISSING_CODES = new Set(['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG', 'ESTALE', 'EIO', 'ENXIO']);
const MEMORY = /exceeds pixel limit|out of memory|bad_alloc|cannot allocate|memory allocation|allocation failed|Array buffer allocation|ERR_BUFFER_TOO_LARGE|Invalid array length/i;

/** One line, no control characters run together, bounded: details end up in skulls and JSON. */
export function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

/** Maps anything thrown while making a thumbnail to a cause and a human detail. */
export function classifyError(err: unknown): { cause: ThumbCause; detail: string } {
  if (err instanceof ThumbError) return { cause: err.thumbCause, detail: oneLine(err.message) };
  const e = err as NodeJS.ErrnoException | undefined;
  const message = e instanceof Error ? e.message : String(err);
  if (e && typeof e.code === 'string' && MISSING_CODES.has(e.code)) {
    const what: Record<string, string> = {
      ENOENT: 'file not found',
      EACCES: 'permission denied',
      EPERM: 'permission denied',
      EISDIR: 'is a directory',
      ENOTDIR: 'a parent is not a directory',
      ESTALE: 'stale network file handle',
      EIO: 'input/output error',
    };
    return { cause: 'missing', detail: what[e.code] ?? oneLine(message) };
  }
  // The file vanished between our open and a decoder's (sharp and LibRaw name no errno).
  if (/Input file is missing|No such file or directory/i.test(message)) return { cause: 'missing', detail: 'file not found' };
  if (MEMORY.test(message)) return { cause: 'memory', detail: oneLine(message) };
  // sharp prefixes libvips messages with the loader ("VipsJpeg: …"); keep the words, drop the prefix.
  const cleaned = message.replace(/\n.*$/s, '').replace(/Vips\w+:\s*/gi, '');
  return { cause: 'unsupported', detail: oneLine(cleaned || 'cannot decode the image') };
}

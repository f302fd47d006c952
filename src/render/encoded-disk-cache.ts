/**
 * Encoded pictures kept on disk between sessions (sixel DCS strings, iTerm2 OSC 1337 files,
 * kitty PNG transmissions), so
 * a launch reads the first page's pictures instead of encoding them again: a sixel encode is a
 * resize, a quantisation and a band encode, ~15 ms of CPU each, 24 of them before the first
 * grid is whole (the launch profile of issue 12), where reading one back is a small file read.
 *
 * Keyed by content, never by the pipeline's in-process key (its `#serial` part is a counter of
 * this process): a SHA-1 of the thumbnail's JPEG bytes, the box, and every setting the encoder's
 * output depends on (protocol, cell size, colour registers, size limit, format version). Equal
 * keys mean equal bytes, so an entry is never stale; it is still checked before use (magic,
 * header, key, length, SHA-1 of the payload) and a corrupt or truncated file is removed and
 * encoded again.
 *
 * Layout beside the mipmap disk cache (`mipmaps-<hash>.d` → `mipmaps-<hash>.pictures.d`):
 * `<dir>/<first 2 hex of the key>/<key>.pic`, folders 0700 and files 0600 as the mipmap cache's,
 * written to a temp name and renamed (readers see the whole file or none; no fsync: a lost entry
 * is only an encode). Bounded in bytes: after every quarter of the bound written, and once per
 * session 10 s after its first write, the oldest files (by mtime, refreshed on every hit) are removed
 * until the folder holds at most the bound.
 *
 * A kitty transmission names the image id its session gave it: it is stored as written and the
 * reader gives it a new id (renderer.ts). Kitty's Unicode placeholders are not stored (their
 * text cells carry the id as a colour).
 *
 * Hand-written (no library keeps a byte-bounded folder of checked blobs with this layout).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CellBox, Protocol, RenderedImage } from './types.js';

const MAGIC = 'TTPIC1\n';
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
/** A header is a short JSON line; anything longer is not ours. */
const MAX_HEADER = 1024;
const TEMP_MAX_AGE_MS = 60 * 60 * 1000;
const FIRST_SWEEP_DELAY_MS = 10_000;

/** Protocols whose output depends on the pixels and settings alone (no per-process ids). */
export const STORABLE_PROTOCOLS: readonly Protocol[] = ['sixel', 'iterm2', 'kitty'];

export interface EncodedDiskCacheOptions {
  dir: string;
  /** Bytes of files kept on disk. @default 64 MiB */
  maxBytes?: number;
}

interface Header {
  key: string;
  protocol: Protocol;
  box: CellBox;
  cols: number;
  rows: number;
  offsetCol: number;
  offsetRow: number;
  /** kitty: the id the transmission names, and the pixels it holds. */
  imageId: number | null;
  transmitPixels: number | null;
  /** Payload bytes that are the transmission (kitty), the rest being `place`. */
  transmitBytes: number;
  bytes: number;
  sha1: string;
}

const sha1 = (data: Buffer | string) => createHash('sha1').update(data).digest('hex');

/** The folder beside a mipmap disk cache folder. */
export function encodedDirBeside(mipmapDir: string): string {
  return `${mipmapDir.replace(/\.d$/, '')}.pictures.d`;
}

export class EncodedDiskCache {
  readonly dir: string;
  readonly maxBytes: number;
  /** Bytes written since the last sweep. */
  #written = 0;
  #swept = false;
  #sweeping: Promise<void> | null = null;
  #sweepTimer: NodeJS.Timeout | null = null;

  constructor(opts: EncodedDiskCacheOptions) {
    this.dir = opts.dir;
    this.maxBytes = Math.max(0, Math.floor(opts.maxBytes ?? 64 * 1024 * 1024));
  }

  /** The entry's key: the JPEG's bytes, the box and the encoder's settings (a string naming all of them). */
  static keyOf(data: Buffer, box: CellBox, settings: string): string {
    return sha1(`${MAGIC}${settings}|${box.cols}x${box.rows}|${sha1(data)}`);
  }

  filePath(key: string): string {
    return path.join(this.dir, key.slice(0, 2), `${key}.pic`);
  }

  /** The stored picture, re-keyed for `renderedKey`, or undefined (absent, or damaged and removed). */
  async read(key: string, renderedKey: string): Promise<RenderedImage | undefined> {
    const file = this.filePath(key);
    let raw: Buffer;
    try {
      raw = await readFile(file);
    } catch {
      return undefined;
    }
    const parsed = parseEntry(raw, key);
    if (!parsed) {
      await unlink(file).catch(() => undefined);
      return undefined;
    }
    // Recency for the sweep; a failure only makes the entry look older.
    const now = new Date();
    await utimes(file, now, now).catch(() => undefined);
    const { header, transmit, place } = parsed;
    return {
      key: renderedKey,
      protocol: header.protocol,
      box: header.box,
      cols: header.cols,
      rows: header.rows,
      offsetCol: header.offsetCol,
      offsetRow: header.offsetRow,
      lines: null,
      imageId: header.imageId,
      transmit,
      ...(header.transmitPixels !== null ? { transmitPixels: header.transmitPixels } : {}),
      place,
      byteLength: (transmit?.length ?? 0) + place.length,
    };
  }

  /** Stores an out-of-band picture; in-tree or id-carrying ones are not stored. Never throws. */
  async write(key: string, img: RenderedImage): Promise<void> {
    if (!STORABLE_PROTOCOLS.includes(img.protocol) || img.place === null || img.lines !== null) return;
    if ((img.transmit === null) !== (img.imageId === null)) return;
    const sent = Buffer.from(img.transmit ?? '', 'utf8');
    const payload = Buffer.concat([sent, Buffer.from(img.place, 'utf8')]);
    if (this.maxBytes === 0 || payload.length > this.maxBytes / 4) return;
    const header: Header = {
      key,
      protocol: img.protocol,
      box: { cols: img.box.cols, rows: img.box.rows },
      cols: img.cols,
      rows: img.rows,
      offsetCol: img.offsetCol,
      offsetRow: img.offsetRow,
      imageId: img.imageId,
      transmitPixels: img.transmitPixels ?? null,
      transmitBytes: sent.length,
      bytes: payload.length,
      sha1: sha1(payload),
    };
    const file = this.filePath(key);
    const tmp = path.join(path.dirname(file), `.${key}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    try {
      await mkdir(path.dirname(file), { recursive: true, mode: DIR_MODE });
      await writeFile(tmp, Buffer.concat([Buffer.from(`${MAGIC}${JSON.stringify(header)}\n`, 'utf8'), payload]), { mode: FILE_MODE });
      await rename(tmp, file);
    } catch {
      await unlink(tmp).catch(() => undefined);
      return;
    }
    this.#written += payload.length;
    if (this.#written > this.maxBytes / 4) void this.sweep();
    else if (!this.#swept && !this.#sweepTimer) {
      // The session's first sweep lists and stats every file through the thread pool: later,
      // not while the first pages' thumbnails are read through the same pool.
      this.#sweepTimer = setTimeout(() => void this.sweep(), FIRST_SWEEP_DELAY_MS);
      this.#sweepTimer.unref();
    }
  }

  /**
   * Removes the oldest files until the folder holds at most maxBytes, and temp files of writers
   * killed mid-write. One at a time; later calls join the running one.
   */
  sweep(): Promise<void> {
    this.#sweeping ??= this.#sweep().finally(() => {
      this.#sweeping = null;
    });
    return this.#sweeping;
  }

  /** Resolves once no sweep is running (none is started). */
  settled(): Promise<void> {
    return this.#sweeping ?? Promise.resolve();
  }

  /** Files and bytes held (`cache stats`). */
  async stats(): Promise<{ files: number; bytes: number }> {
    const { files, total } = await this.#list(false);
    return { files: files.length, bytes: total };
  }

  /** Removes every stored picture (`cache clear`): each is only an encode to make again. */
  async clear(): Promise<number> {
    const { files } = await this.#list(false);
    let removed = 0;
    for (const f of files) if (await unlink(f.file).then(() => true, () => false)) removed++;
    return removed;
  }

  async #sweep(): Promise<void> {
    this.#swept = true;
    if (this.#sweepTimer) clearTimeout(this.#sweepTimer);
    this.#sweepTimer = null;
    this.#written = 0;
    const listed = await this.#list(true);
    const { files } = listed;
    let { total } = listed;
    if (total <= this.maxBytes) return;
    files.sort((a, b) => a.mtimeMs - b.mtimeMs);
    for (const f of files) {
      if (total <= this.maxBytes) break;
      await unlink(f.file).catch(() => undefined);
      total -= f.size;
    }
  }

  /** The stored files (temp files of writers killed mid-write are removed when `sweepTemps`). */
  async #list(sweepTemps: boolean): Promise<{ files: { file: string; size: number; mtimeMs: number }[]; total: number }> {
    const files: { file: string; size: number; mtimeMs: number }[] = [];
    let total = 0;
    let shards: string[];
    try {
      shards = await readdir(this.dir);
    } catch {
      return { files, total };
    }
    for (const shard of shards) {
      let names: string[];
      try {
        names = await readdir(path.join(this.dir, shard));
      } catch {
        continue;
      }
      for (const name of names) {
        const file = path.join(this.dir, shard, name);
        const st = await stat(file).catch(() => undefined);
        if (!st?.isFile()) continue;
        if (name.endsWith('.tmp')) {
          if (sweepTemps && Date.now() - st.mtimeMs > TEMP_MAX_AGE_MS) await unlink(file).catch(() => undefined);
          continue;
        }
        if (!name.endsWith('.pic')) continue;
        files.push({ file, size: st.size, mtimeMs: st.mtimeMs });
        total += st.size;
      }
    }
    return { files, total };
  }
}

/** The header and payload of a whole, intact entry for `key`, or undefined. */
function parseEntry(raw: Buffer, key: string): { header: Header; transmit: string | null; place: string } | undefined {
  if (raw.length < MAGIC.length || raw.toString('latin1', 0, MAGIC.length) !== MAGIC) return undefined;
  const nl = raw.indexOf(0x0a, MAGIC.length);
  if (nl < 0 || nl - MAGIC.length > MAX_HEADER) return undefined;
  let header: Header;
  try {
    header = JSON.parse(raw.toString('utf8', MAGIC.length, nl)) as Header;
  } catch {
    return undefined;
  }
  const whole = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 0;
  if (
    header === null ||
    typeof header !== 'object' ||
    header.key !== key ||
    !STORABLE_PROTOCOLS.includes(header.protocol) ||
    typeof header.box !== 'object' ||
    header.box === null ||
    ![header.box.cols, header.box.rows, header.cols, header.rows, header.offsetCol, header.offsetRow, header.bytes, header.transmitBytes].every(whole) ||
    !(header.imageId === null || whole(header.imageId)) ||
    !(header.transmitPixels === null || whole(header.transmitPixels)) ||
    (header.imageId === null) !== (header.transmitBytes === 0) ||
    header.transmitBytes > header.bytes ||
    typeof header.sha1 !== 'string'
  ) {
    return undefined;
  }
  const payload = raw.subarray(nl + 1);
  if (payload.length !== header.bytes || sha1(payload) !== header.sha1) return undefined;
  const transmit = header.imageId === null ? null : payload.toString('utf8', 0, header.transmitBytes);
  return { header, transmit, place: payload.toString('utf8', header.transmitBytes) };
}

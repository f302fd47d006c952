import type { FileHandle } from 'node:fs/promises';

/** A read in flight: settled into a value, never rejected, so no rejection goes unhandled. */
type Filled = { data: Buffer; error?: undefined } | { data?: undefined; error: Error };

/**
 * Sequential reads of a file in big chunks, handing out exact-length slices, with the next
 * chunk read ahead while the caller works on the current one.
 *
 * Why read ahead: loading a 500 MB cache file, the main thread waited about 150 ms in all for
 * 8 MB reads that the thread pool could have done while it checked and copied the entries
 * before them (CPU profile of bench/child/load-cache.mjs: "(idle)"). Two chunk buffers take
 * turns (one being read into, one handed out), so the memory is two chunks whatever the file's
 * size, plus one buffer for a slice that falls across two chunks, kept for the next such.
 * Hand-written: the stream APIs hand out chunks, not exact slices, and copy each into a fresh
 * buffer.
 */
export class ChunkReader {
  /** The chunk being handed out, and how far. */
  #cur: Buffer = Buffer.alloc(0);
  #pos = 0;
  /** The read of the next chunk, into the buffer that is not #cur's. */
  #ahead: Promise<Filled> | null = null;
  /** The two chunk buffers, made at first use. */
  #bufs: Buffer[] = [];
  #next = 0;
  #eof = false;
  /** For slices across chunks: reused, so frames at chunk ends allocate nothing. */
  #join: Buffer | null = null;
  readonly #fh: FileHandle;
  readonly #chunkBytes: number;

  constructor(fh: FileHandle, chunkBytes: number) {
    this.#fh = fh;
    this.#chunkBytes = chunkBytes;
  }

  /** True when take(n) can answer from the current chunk without waiting. */
  has(n: number): boolean {
    return this.#cur.length - this.#pos >= n;
  }

  /** n bytes from the current chunk (valid until the next take); only after has(n). */
  takeNow(n: number): Buffer {
    const out = this.#cur.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }

  /**
   * Exactly n bytes (valid until the next call), or undefined at end of file. Throws what
   * a read threw.
   */
  async take(n: number): Promise<Buffer | undefined> {
    if (this.has(n)) return this.takeNow(n);
    // Across chunks: gathered into the join buffer, as the chunk under it is read into again.
    if (!this.#join || this.#join.length < n) this.#join = Buffer.allocUnsafeSlow(Math.max(n, 64 << 10));
    const join = this.#join;
    let filled = this.#cur.copy(join, 0, this.#pos);
    this.#pos = this.#cur.length;
    while (filled < n) {
      if (!(await this.#advance())) return undefined;
      const part = Math.min(n - filled, this.#cur.length);
      this.#cur.copy(join, filled, 0, part);
      this.#pos = part;
      filled += part;
    }
    return join.subarray(0, n);
  }

  /** Waits for a read in flight, so the file can be closed under none. */
  async settle(): Promise<void> {
    if (this.#ahead) await this.#ahead;
    this.#ahead = null;
  }

  /** The chunk read ahead becomes the current one, and the next read starts. False at end. */
  async #advance(): Promise<boolean> {
    if (this.#eof) return false;
    const got = await (this.#ahead ?? this.#read());
    this.#ahead = null;
    if (got.error) throw got.error;
    this.#cur = got.data;
    this.#pos = 0;
    if (got.data.length === 0) {
      this.#eof = true;
      return false;
    }
    // #cur's old buffer is free now: what was wanted of it has been handed out or copied.
    this.#ahead = this.#read();
    return true;
  }

  #read(): Promise<Filled> {
    const i = this.#next;
    this.#next ^= 1;
    const buf = (this.#bufs[i] ??= Buffer.allocUnsafeSlow(this.#chunkBytes));
    return this.#fh.read(buf, 0, buf.length, null).then(
      ({ bytesRead }) => ({ data: buf.subarray(0, bytesRead) }),
      (error: Error) => ({ error }),
    );
  }
}

import { open, type FileHandle } from 'node:fs/promises';

/** Thrown when an untrusted offset or length points outside the file. */
export class OutOfBoundsError extends Error {
  override name = 'OutOfBoundsError';
}

/**
 * Random access to one file through a file handle, every read clamped to the file's size:
 * container parsers follow untrusted offsets, and a raw can be 60 MB when the preview we
 * want is 1 MB, so nothing here ever reads the whole file unless asked to.
 */
export class FileReader {
  /** The file's first bytes, read once: container headers and IFDs mostly live there. */
  private head: Buffer = Buffer.alloc(0);
  /**
   * The bytes around the last small read outside the head, and where they start: a JPEG
   * header walk or an IFD chain past the head makes a dozen reads of a few bytes each, one
   * file-system round trip apiece without it (a DNG's two preview headers: 10 reads, now 1).
   */
  private window: Buffer = Buffer.alloc(0);
  private windowAt = 0;
  /** Reads so far (all parsers of one file together). */
  private count = 0;
  /** Of those, the ones that went to the file (the others came from the head or the window). */
  private fileCount = 0;

  private constructor(
    private readonly handle: FileHandle,
    /** Size in bytes when the file was opened. */
    readonly size: number,
  ) {}

  private static readonly HEAD_BYTES = 64 * 1024;
  /** Reads shorter than this, outside the head, fill the window from their offset. */
  private static readonly WINDOW_BYTES = 16 * 1024;
  /** The most prefetch() loads at once (a reduced-size preview; full-size ones are read when used). */
  static readonly PREFETCH_BYTES = 512 * 1024;
  /**
   * Reads one file's parsers may make in all. Each parser bounds its own loops (entry, box,
   * marker and hit counts, visited offsets); this is the backstop that holds whatever a
   * parser's bug: a real raw needs a few hundred (the SOI scan of a 256 MB file: 64 chunks).
   */
  static readonly MAX_READS = 200_000;

  /** Reads made so far: tests assert the parsers' bounds with it. */
  get reads(): number {
    return this.count;
  }

  /** Reads that went to the file system (the head's included). */
  get fileReads(): number {
    return this.fileCount;
  }

  static async open(file: string): Promise<FileReader> {
    const handle = await open(file, 'r');
    try {
      const st = await handle.stat();
      if (st.isDirectory()) {
        const err = new Error(`EISDIR: is a directory, open '${file}'`) as NodeJS.ErrnoException;
        err.code = 'EISDIR';
        throw err;
      }
      const reader = new FileReader(handle, st.size);
      reader.head = await reader.read(0, FileReader.HEAD_BYTES);
      return reader;
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw err;
    }
  }

  /** Up to `length` bytes at `offset` (fewer at the end of the file); throws when offset is past the end. */
  async read(offset: number, length: number): Promise<Buffer> {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > this.size) {
      throw new OutOfBoundsError(`offset ${offset} outside the file (${this.size} bytes)`);
    }
    if (++this.count > FileReader.MAX_READS) {
      throw new OutOfBoundsError(`file structure needs over ${FileReader.MAX_READS} reads (a loop in its offsets?)`);
    }
    const n = Math.max(0, Math.min(length, this.size - offset));
    if (offset + n <= this.head.length) return this.head.subarray(offset, offset + n);
    const w = offset - this.windowAt;
    if (w >= 0 && w + n <= this.window.length) return this.window.subarray(w, w + n);
    if (n >= FileReader.WINDOW_BYTES) return this.readAt(offset, n);
    // A new buffer each time: what callers hold of the last window stays theirs.
    this.window = await this.readAt(offset, Math.min(FileReader.WINDOW_BYTES, this.size - offset));
    this.windowAt = offset;
    return this.window.subarray(0, Math.min(n, this.window.length));
  }

  /**
   * Loads [offset, offset + length) into the window in one read, when it is not already in
   * the head or the window and is at most PREFETCH_BYTES: an embedded preview whose header is
   * checked now and whose bytes are decoded next costs one file read instead of two.
   */
  async prefetch(offset: number, length: number): Promise<void> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length <= 0) return;
    if (length > FileReader.PREFETCH_BYTES || offset + length > this.size) return;
    if (offset + length <= this.head.length) return;
    const w = offset - this.windowAt;
    if (w >= 0 && w + length <= this.window.length) return;
    if (++this.count > FileReader.MAX_READS) {
      throw new OutOfBoundsError(`file structure needs over ${FileReader.MAX_READS} reads (a loop in its offsets?)`);
    }
    this.window = await this.readAt(offset, Math.max(length, Math.min(FileReader.WINDOW_BYTES, this.size - offset)));
    this.windowAt = offset;
  }

  private async readAt(offset: number, n: number): Promise<Buffer> {
    this.fileCount++;
    const buf = Buffer.allocUnsafe(n);
    let done = 0;
    while (done < n) {
      const { bytesRead } = await this.handle.read(buf, done, n - done, offset + done);
      if (bytesRead === 0) break; // the file shrank under us
      done += bytesRead;
    }
    return done === n ? buf : buf.subarray(0, done);
  }

  /** Exactly `length` bytes at `offset`, or OutOfBoundsError. */
  async readExactly(offset: number, length: number): Promise<Buffer> {
    if (!Number.isSafeInteger(length) || length < 0 || offset + length > this.size) {
      throw new OutOfBoundsError(`range ${offset}+${length} outside the file (${this.size} bytes)`);
    }
    const buf = await this.read(offset, length);
    if (buf.length !== length) throw new OutOfBoundsError(`file shrank while reading ${offset}+${length}`);
    return buf;
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }
}

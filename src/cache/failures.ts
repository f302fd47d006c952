import type { DiskCache } from './disk-cache.js';
import type { DeadEntry, FileFacts } from './entry.js';
import type { ThumbSubject } from './types.js';

/**
 * Remembered failures (darktable's "dead" images): in memory, and on disk in the cache's
 * dead/ folder so the TUI and generate-cache share them. No retry until the file's facts
 * change or someone asks (retry).
 */
export class FailureStore {
  #dead = new Map<number, DeadEntry>();
  #disk: DiskCache;
  #warn: (message: string) => void;

  constructor(disk: DiskCache, warn: (message: string) => void) {
    this.#disk = disk;
    this.#warn = warn;
  }

  get size(): number {
    return this.#dead.size;
  }

  /** This process's record only: for the synchronous first paint. */
  peek(id: number): DeadEntry | undefined {
    return this.#dead.get(id);
  }

  async find(id: number): Promise<DeadEntry | undefined> {
    const mem = this.#dead.get(id);
    if (mem) return mem;
    // Another process (generate-cache beside the TUI) may have recorded it.
    const onDisk = await this.#disk.readDead(id);
    if (onDisk) this.#dead.set(id, onDisk);
    return onDisk;
  }

  /** Remembers a failure in memory and on disk (awaited: another process may look next). */
  async remember(subject: ThumbSubject, facts: FileFacts | null, cause: DeadEntry['cause'], detail: string): Promise<DeadEntry> {
    const dead: DeadEntry = {
      id: subject.id,
      cause,
      detail,
      exists: facts !== null,
      fileSize: facts?.fileSize ?? 0,
      mtime: facts?.mtime ?? 0,
      path: subject.path,
    };
    const old = this.#dead.get(subject.id);
    this.#dead.set(subject.id, dead);
    const same =
      old && old.cause === dead.cause && old.detail === dead.detail && old.exists === dead.exists &&
      old.fileSize === dead.fileSize && old.mtime === dead.mtime;
    if (!same) {
      await this.#disk
        .writeDead(dead)
        .catch((err: Error) => this.#warn(`cannot record failure of image ${subject.id}: ${err.message}`));
    }
    return dead;
  }

  /** A thumbnail was made: a failure recorded here or by another process is wrong now. */
  async forget(id: number): Promise<void> {
    this.#dead.delete(id);
    await this.#disk.removeDead(id);
  }

  /** Forgets remembered failures (all, or of these images); returns how many there were. */
  async retry(ids?: Iterable<number>): Promise<number> {
    let list: number[];
    if (ids) list = [...ids];
    else {
      const onDisk = await this.#disk.listDead();
      list = [...new Set([...this.#dead.keys(), ...onDisk.map((d) => d.id)])];
    }
    let forgotten = 0;
    for (const id of list) {
      const had = this.#dead.delete(id) || (await this.#disk.readDead(id)) !== undefined;
      await this.#disk.removeDead(id);
      if (had) forgotten++;
    }
    return forgotten;
  }

  /** This process's and those on disk, by id. */
  async list(): Promise<DeadEntry[]> {
    const byId = new Map<number, DeadEntry>();
    for (const d of await this.#disk.listDead()) byId.set(d.id, d);
    for (const d of this.#dead.values()) byId.set(d.id, d);
    return [...byId.values()].sort((a, b) => a.id - b.id);
  }
}

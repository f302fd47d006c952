/**
 * What the disk backend's writes are going through: the first failure since the last good
 * write (a full or read-only disk fails every write alike, so the lighttable shows one
 * message, not one per file), and each image's own write failure until a batch run has
 * counted it.
 */

/** The disk cache cannot be written: the first failure since the last successful write. */
export interface DiskProblem {
  /** errno code: ENOSPC, EDQUOT, EROFS, EACCES, … ('' when none). */
  code: string;
  /** One line without file names, e.g. "ENOSPC: no space left on device". */
  message: string;
  /** Date.now() of that first failure. */
  since: number;
}

/** Write failures kept per image at most (a batch run reads and drops its own as it goes). */
const MAX_PER_IMAGE = 10_000;

export class DiskHealth {
  #problem: DiskProblem | null = null;
  #perImage = new Map<number, string>();

  get problem(): DiskProblem | null {
    return this.#problem;
  }

  /** Records a failed write of image `id`; true when it is a new problem (the first since a good write). */
  failed(id: number, err: unknown): boolean {
    const message = describeWriteError(err);
    this.#perImage.delete(id);
    this.#perImage.set(id, message);
    if (this.#perImage.size > MAX_PER_IMAGE) this.#perImage.delete(this.#perImage.keys().next().value!);
    if (this.#problem) return false;
    this.#problem = { code: (err as NodeJS.ErrnoException)?.code ?? '', message, since: Date.now() };
    return true;
  }

  /** Records a good write of image `id`; true when that ends a problem. */
  succeeded(id: number): boolean {
    this.#perImage.delete(id);
    if (!this.#problem) return false;
    this.#problem = null;
    return true;
  }

  /** The write failure of image `id`, if its last write failed; forgotten once taken. */
  take(id: number): string | undefined {
    const message = this.#perImage.get(id);
    this.#perImage.delete(id);
    return message;
  }
}

/** "ENOSPC: no space left on device" from "ENOSPC: no space left on device, open '/x/.1.jpg.123.tmp'". */
export function describeWriteError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/, \w+ '.*'$/s, '').replace(/\s+/g, ' ').trim();
}

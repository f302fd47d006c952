import { mkdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';

export interface AtomicWriteOptions {
  /** File mode of the result. @default 0o644 */
  mode?: number;
  /** Mode of any folder created on the way. @default 0o755 */
  dirMode?: number;
}

/**
 * Temp file in the same folder + fsync + rename: a reader sees the old file or the new one,
 * never half of it, even when the writer is killed mid-write.
 */
export async function writeFileAtomically(
  file: string,
  data: string | Buffer,
  options: AtomicWriteOptions = {},
): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: options.dirMode ?? 0o755 });
  await writeFileAtomic(file, data, { mode: options.mode ?? 0o644, fsync: true });
}

export function writeFileAtomicallySync(
  file: string,
  data: string | Buffer,
  options: AtomicWriteOptions = {},
): void {
  // Synchronous twin for exit handlers, where no promise gets to settle.
  mkdirSync(path.dirname(file), { recursive: true, mode: options.dirMode ?? 0o755 });
  writeFileAtomic.sync(file, data, { mode: options.mode ?? 0o644, fsync: true });
}

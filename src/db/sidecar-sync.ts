import path from 'node:path';
import type { Library } from './library.js';
import { blockSidecar, rememberSidecar, setSidecarPending, sidecarState } from './sidecar-store.js';
import type { ImageRecord } from './types.js';
import { statSidecar, writeSidecar } from './xmp.js';

/**
 * The library's side of sidecar writes: which images can have one, what was last written, and
 * which writes failed and are owed (sidecar pending). src/db/xmp.ts does the file work.
 */

/** The write of this image's sidecar failed in a way no retry can fix; said once, then kept. */
export class SidecarBlockedError extends Error {
  override name = 'SidecarBlockedError';
}

function nameTooLong(record: ImageRecord): string {
  const bytes = Buffer.byteLength(`${record.filename}.xmp`);
  return `file name too long for a sidecar (${record.filename}.xmp would be ${bytes} bytes, more than the file system allows); its culling is kept in the library only`;
}

/**
 * Writes the image's sidecar from its library state. On failure the image is marked sidecar
 * pending (retried by the next write, `termtable sync` or the next start) and the error
 * thrown; a name the file system cannot hold blocks the image's sidecar for good, reported on
 * the first attempt only.
 */
export async function writeImageSidecar(lib: Library, record: ImageRecord): Promise<void> {
  const state = sidecarState(lib, record.id);
  if (state?.blocked) return;
  try {
    const file = await writeSidecar(record.path, { rating: record.rating, rejected: record.rejected, labels: record.labels });
    rememberSidecar(lib, record.id, path.basename(file), await statSidecar(file));
    if (state?.pending) setSidecarPending(lib, record.id, false);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENAMETOOLONG') {
      const reason = nameTooLong(record);
      blockSidecar(lib, record.id, reason);
      throw new SidecarBlockedError(reason);
    }
    setSidecarPending(lib, record.id, true);
    throw err;
  }
}

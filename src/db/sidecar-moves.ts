import path from 'node:path';
import type { Library } from './library.js';
import { knownSidecars, rememberSidecar } from './sidecar-store.js';

/**
 * Points images at their files' new places (Library.movePaths) and, in the same transaction,
 * renames the library's memory of their sidecars (size and mtime, keyed by file name) where a
 * move renamed them: a clash suffix turns IMG_1.CR3.xmp into IMG_1-1.CR3.xmp, and a row left
 * under the old name would make the moved sidecar look changed by another tool, and a stranger's
 * file appearing under the old name look like ours. Kept out of library.ts (sidecar bookkeeping
 * lives in sidecar-store.ts) and written here rather than in src/files so the rows and the paths
 * can never disagree.
 *
 * `files` are every [from, to] of the move (images and sidecars); only sidecars the library
 * remembers for an image and that moved with a new name are renamed. A move keeps size and
 * mtime (rename, or a copy that keeps the mtime), so the remembered facts stay true.
 */
export function movePathsAndSidecars(
  lib: Library,
  images: readonly { id: number; path: string }[],
  files: readonly (readonly [string, string])[],
): void {
  const renamed = new Map(files.map(([from, to]) => [path.resolve(from), path.basename(to)]));
  const before = new Map(images.map((i) => [i.id, lib.get(i.id)?.path]));
  lib.connection().transaction(() => {
    lib.movePaths(images);
    for (const { id } of images) {
      const old = before.get(id);
      if (old === undefined) continue;
      const dir = path.dirname(old);
      for (const [name, stat] of knownSidecars(lib, id)) {
        const to = renamed.get(path.join(dir, name));
        if (to === undefined || to === name) continue;
        rememberSidecar(lib, id, name, null);
        rememberSidecar(lib, id, to, stat);
      }
    }
  })();
}

import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { extensionOf, isSupported } from './exif.js';

/** `mipmaps-<hash>.d`: the disk-cache folder of termtable (src/config/paths.ts) and darktable. */
const MIPMAP_CACHE_DIR = /^mipmaps-[0-9a-f]{8,64}\.d$/;

export interface WalkResult {
  /**
   * Supported image files, grouped by folder in walk order, names sorted; with the folder's
   * `.xmp` names, lower-cased (import looks for a sidecar only where the listing has one).
   */
  folders: { dir: string; files: string[]; sidecars: ReadonlySet<string> }[];
  /** Files seen but not imported: unsupported types and hidden files (sidecars are not counted). */
  skipped: number;
  errors: { path: string; message: string }[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied: folder not readable';
    case 'ENOENT':
      return 'no such file or folder (it vanished during import?)';
    case 'ENOTDIR':
      return 'not a folder';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    default:
      return e.message;
  }
}

/**
 * Recursive folder walk for import. Hand-written rather than fdir because import must
 * report each unreadable folder and go on (fdir either hides those errors or aborts the
 * whole walk on the first) and must see names as bytes: Node decodes names as UTF-8 and
 * silently mangles ones that are not, so such a file would become a path that does not exist.
 */
export async function walkFolders(roots: readonly string[], signal?: AbortSignal): Promise<WalkResult> {
  const result: WalkResult = { folders: [], skipped: 0, errors: [] };
  const seen = new Set<string>(); // real paths, so symlink loops and overlapping roots walk once

  async function visit(dir: string): Promise<void> {
    signal?.throwIfAborted();
    let real: string;
    let entries: Dirent<Buffer>[];
    try {
      real = await realpath(dir);
      if (seen.has(real)) return;
      seen.add(real);
      entries = await readdir(dir, { withFileTypes: true, encoding: 'buffer' });
    } catch (err) {
      result.errors.push({ path: dir, message: describe(err) });
      return;
    }
    const files: string[] = [];
    const subdirs: string[] = [];
    const sidecars = new Set<string>();
    for (const entry of entries) {
      let name: string;
      try {
        name = utf8.decode(entry.name);
      } catch {
        result.errors.push({ path: path.join(dir, entry.name.toString('utf8')), message: 'file name is not valid UTF-8; not imported' });
        continue;
      }
      if (name.startsWith('.')) {
        if (!entry.isDirectory()) result.skipped += 1;
        continue;
      }
      // Whatever its type: the sidecar reader decides what it accepts, as when it probed every name.
      if (extensionOf(name) === 'xmp') sidecars.add(name.toLowerCase());
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try {
          const target = await stat(path.join(dir, name));
          isDir = target.isDirectory();
          isFile = target.isFile();
        } catch {
          // dangling link: nothing to import
          result.skipped += 1;
          continue;
        }
      }
      if (isDir) {
        // Thumbnail caches (ours and darktable's share the layout) are not photos: importing a
        // folder that holds one, e.g. `termtable` run in a parent of XDG_CACHE_HOME, must not
        // import thousands of thumbnails as images.
        if (MIPMAP_CACHE_DIR.test(name)) continue;
        subdirs.push(name);
      }
      else if (isFile) {
        if (extensionOf(name) === 'xmp') continue;
        if (isSupported(name)) files.push(name);
        else result.skipped += 1;
      }
    }
    const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    if (files.length) result.folders.push({ dir, files: files.sort(byName), sidecars });
    for (const sub of subdirs.sort(byName)) await visit(path.join(dir, sub));
  }

  for (const root of roots) await visit(path.resolve(root));
  return result;
}

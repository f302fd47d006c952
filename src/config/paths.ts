import { createHash } from 'node:crypto';
import path from 'node:path';
import envPaths from 'env-paths';

/**
 * Where termtable keeps its files. Resolved on every call (not at import) so that
 * XDG_DATA_HOME / XDG_CACHE_HOME / XDG_CONFIG_HOME set by a test or a wrapper script win.
 */
function dirs() {
  return envPaths('termtable', { suffix: '' });
}

/** `$XDG_DATA_HOME/termtable/library.db` */
export function defaultLibraryPath(): string {
  return path.join(dirs().data, 'library.db');
}

/** `$XDG_CONFIG_HOME/termtable/config.json` */
export function configPath(): string {
  return path.join(dirs().config, 'config.json');
}

/** `$XDG_CACHE_HOME/termtable` */
export function cacheRoot(): string {
  return dirs().cache;
}

/** Short stable hash of a library's absolute path: one cache per library, as darktable does. */
export function libraryHash(libraryPath: string): string {
  return createHash('sha1').update(path.resolve(libraryPath)).digest('hex').slice(0, 16);
}

/** `$XDG_CACHE_HOME/termtable/mipmaps-<hash>.d`: the disk backend, one subfolder per level. */
export function mipmapDir(libraryPath: string): string {
  return path.join(cacheRoot(), `mipmaps-${libraryHash(libraryPath)}.d`);
}

/** `$XDG_CACHE_HOME/termtable/mipmaps-<hash>.cache`: the memory cache saved at exit. */
export function mipmapCacheFile(libraryPath: string): string {
  return path.join(cacheRoot(), `mipmaps-${libraryHash(libraryPath)}.cache`);
}

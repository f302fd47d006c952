import path from 'node:path';

/** The prefix of every path below `folder` (absolute): `folder/`, or `/` for the root. */
export function belowPrefix(folder: string): string {
  return folder.endsWith(path.sep) ? folder : folder + path.sep;
}

/** Whether `dir` is `parent` or inside it (absolute paths, as the library stores them): `/a/bc` is not inside `/a/b`. */
export function isWithin(dir: string, parent: string): boolean {
  return dir === parent || dir.startsWith(belowPrefix(parent));
}

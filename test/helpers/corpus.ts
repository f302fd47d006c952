import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** ../shared/corpus beside the repository: read in place, never copied in. */
export const CORPUS_DIR = path.resolve(fileURLToPath(new URL('../../../shared/corpus', import.meta.url)));

export function corpus(rel: string): string {
  const file = path.join(CORPUS_DIR, rel);
  if (!existsSync(file)) throw new Error(`corpus file missing: ${file}`);
  return file;
}

export const REPO_ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const BIN = path.join(REPO_ROOT, 'bin', 'termtable.js');

import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'vitest';
import { getCurrentTest } from 'vitest/suite';

export const REPO_ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const BIN = path.join(REPO_ROOT, 'bin', 'termtable.js');
/** What npm links as `termtable`: the shell launcher that execs node on BIN. */
export const LAUNCHER = path.join(REPO_ROOT, 'bin', 'termtable');

/**
 * ../shared beside the repository (as in CI): the sample corpus and the test tools, read in
 * place. TERMTABLE_SHARED_DIR points elsewhere (a path that does not exist shows what a fresh
 * clone without it does).
 */
export const SHARED_DIR = path.resolve(process.env.TERMTABLE_SHARED_DIR ?? path.join(REPO_ROOT, '..', 'shared'));
export const CORPUS_DIR = path.join(SHARED_DIR, 'corpus');
export const TOOLS_DIR = path.join(SHARED_DIR, 'tools');

export const HAVE_CORPUS = existsSync(path.join(CORPUS_DIR, 'photos'));

/**
 * The note every test skipped for want of ../shared carries; the shared-skip reporter counts
 * tests by it and prints one line at the end of the run instead of one per file.
 */
export const NEEDS_SHARED = 'needs ../shared beside the clone';

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A tool of ../shared/tools (term-shot, make-raw-set.mjs, …), or undefined when it is not there. */
export function sharedTool(name: string): string | undefined {
  const file = path.join(TOOLS_DIR, name);
  return name.endsWith('.mjs') ? (existsSync(file) ? file : undefined) : executable(file) ? file : undefined;
}

/**
 * A file of the sample corpus. Without ../shared the running test is skipped (with the
 * NEEDS_SHARED note) rather than failed: a fresh clone has no corpus and that is not a bug.
 * Outside a test (collection, beforeAll) it throws; use HAVE_CORPUS / skipWithoutCorpus there.
 */
export function corpus(rel: string): string {
  const file = path.join(CORPUS_DIR, rel);
  if (existsSync(file)) return file;
  if (!HAVE_CORPUS) getCurrentTest()?.context.skip(NEEDS_SHARED);
  throw new Error(`corpus file missing: ${file}`);
}

/** For beforeEach: skips each test of the block when the corpus is absent. */
export function skipWithoutCorpus(ctx: TestContext): void {
  if (!HAVE_CORPUS) ctx.skip(NEEDS_SHARED);
}

/** For beforeEach: skips each test of the block when a tool of ../shared/tools is absent. */
export function skipWithoutTool(name: string) {
  return (ctx: TestContext): void => {
    if (!sharedTool(name)) ctx.skip(NEEDS_SHARED);
  };
}

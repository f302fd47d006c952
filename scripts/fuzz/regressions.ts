import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomically } from '../../src/util/atomic-write.js';
import type { FuzzFailure, MutantId } from './engine.js';

/** A mutant that once failed, re-made from its identity by the regression test (no image is stored). */
export interface RegressionCase extends MutantId {
  kind: string;
  phase: string;
  /** What happened when it was found (the child's stack tail for a crash). */
  found: string;
  /** The base seed file and the mutation steps, for a human reading the file. */
  base: string;
  steps: string[];
  /** sha256 of the mutant's bytes: a re-made mutant that differs means the seeds changed (a new libvips). */
  sha256: string;
  /** The day it was found (UTC). */
  date: string;
  /** Where a fix is under way, while it still fails: the test then reports it instead of failing. */
  pending?: string;
  /** What the cause turned out to be and what fixed it. */
  note?: string;
}

export const REGRESSIONS_FILE = path.resolve(fileURLToPath(new URL('../../test/fuzz/regressions.json', import.meta.url)));

export function readRegressions(file = REGRESSIONS_FILE): RegressionCase[] {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RegressionCase[];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`${file}: ${(err as Error).message}`);
  }
}

const sameMutant = (a: MutantId, b: MutantId) =>
  a.seed === b.seed && a.source === b.source && a.format === b.format && a.index === b.index;

/** Adds the failures not recorded yet; returns how many were new. Written atomically. */
export async function recordRegressions(failures: readonly FuzzFailure[], file = REGRESSIONS_FILE): Promise<number> {
  const cases = readRegressions(file);
  let added = 0;
  for (const f of failures) {
    if (cases.some((c) => sameMutant(c, f))) continue;
    cases.push({
      seed: f.seed, source: f.source, format: f.format, index: f.index,
      kind: f.kind, phase: f.phase, found: f.detail.slice(0, 2000), base: f.base, steps: f.steps, sha256: f.sha256,
      date: new Date().toISOString().slice(0, 10),
    });
    added++;
  }
  if (added) await writeFileAtomically(file, `${JSON.stringify(cases, null, 2)}\n`);
  return added;
}

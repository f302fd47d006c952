import { describe, expect, it } from 'vitest';
import { NEEDS_SHARED } from '../helpers/corpus.js';
import { makeMutant, runMutants, sha256 } from '../../scripts/fuzz/engine.js';
import { readRegressions } from '../../scripts/fuzz/regressions.js';
import { corpusSeeds, seedsOf, type SeedSource } from '../../scripts/fuzz/seeds.js';

const cases = readRegressions();
const key = (c: { source: string; format: string; index: number; seed: number }) => `${c.source}-${c.format}-${c.index}@${c.seed}`;

describe('fuzz regressions (test/fuzz/regressions.json, re-made from their seeds)', () => {
  it('are well-formed', () => {
    for (const c of cases) {
      expect(Number.isInteger(c.seed) && Number.isInteger(c.index), key(c)).toBe(true);
      expect(['made', 'corpus']).toContain(c.source);
      expect(c.sha256, key(c)).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(new Set(cases.map(key)).size).toBe(cases.length);
  });

  for (const source of ['made', 'corpus'] as SeedSource[]) {
    const mine = cases.filter((c) => c.source === source);
    it.skipIf(mine.length === 0)(`${mine.length} ${source}-seeded cases: fixed ones pass (pending ones are reported)`, async (ctx) => {
      if (source === 'corpus' && corpusSeeds().size === 0) ctx.skip(NEEDS_SHARED);
      const seeds = await seedsOf(source);
      const replayed = mine.filter((c) => {
        const m = makeMutant(c, seeds);
        if (!m) {
          // Without ../shared/tools there is no DNG maker, so the TIFF-raw family has no made seed.
          console.warn(`fuzz regression ${key(c)}: no ${c.format} seed here, not replayed`);
          return false;
        }
        if (sha256(m.bytes) !== c.sha256) {
          console.warn(`fuzz regression ${key(c)}: re-made mutant differs from the one recorded (seeds changed: a new libvips or corpus?)`);
        }
        return true;
      });
      // Pending cases alone, one child each, beside the rest: a slow one then costs one budget,
      // not a bisection through its batch.
      const limits = { budgetMs: 15_000, rssLimitBytes: 1536 * 1024 * 1024 };
      const bySource = new Map([[source, seeds]]);
      const runs = await Promise.all([
        runMutants(replayed.filter((c) => !c.pending), bySource, { ...limits, batchSize: 12, jobs: 1 }),
        runMutants(replayed.filter((c) => c.pending), bySource, { ...limits, batchSize: 1, jobs: 2 }),
      ]);
      const failed = new Map(runs.flatMap((f) => f.failures).map((x) => [key(x), x]));
      const problems: string[] = [];
      for (const c of mine) {
        if (!replayed.includes(c)) continue;
        const now = failed.get(key(c));
        if (!c.pending && now) problems.push(`${key(c)} fails again: ${now.kind} in ${now.phase}: ${now.detail}`);
        // A pending case (a fix under way elsewhere) is run and reported, not asserted: a slow
        // file's outcome against the budget depends on the machine's load.
        if (c.pending) console.log(`fuzz regression ${key(c)} (pending: ${c.pending}): ${now ? `${now.kind}: ${now.detail}` : 'passes now'}`);
      }
      expect(problems).toEqual([]);
    }, 170_000);
  }
});

import { describe, expect, it } from 'vitest';
import { NEEDS_SHARED } from '../helpers/corpus.js';
import { runBatch } from '../../scripts/fuzz/batch.js';
import { fuzz, makeMutant, sha256, type FuzzFailure } from '../../scripts/fuzz/engine.js';
import { Rng } from '../../scripts/fuzz/prng.js';
import { readRegressions } from '../../scripts/fuzz/regressions.js';
import { corpusSeeds, FORMATS, madeSeeds } from '../../scripts/fuzz/seeds.js';
import { findSizeFields } from '../../scripts/fuzz/structure.js';

const LIMITS = { budgetMs: 20_000, rssLimitBytes: 1536 * 1024 * 1024 };

/** Failures of mutants recorded in regressions.json as pending (a fix under way elsewhere). */
function unexpected(failures: readonly FuzzFailure[]): FuzzFailure[] {
  const pending = readRegressions().filter((c) => c.pending);
  return failures.filter(
    (f) => !pending.some((c) => c.seed === f.seed && c.source === f.source && c.format === f.format && c.index === f.index),
  );
}

function report(name: string, f: Awaited<ReturnType<typeof fuzz>>): void {
  const mb = (f.peakRssBytes / 1024 / 1024).toFixed(0);
  console.log(
    `${name}: ${f.tried} mutants, ${f.crashes} crashes, ${f.hangs} hangs, ${f.decodeFailures} decode failures, ` +
      `${f.memoryFailures} over memory; ${f.thumbnailsChecked} thumbnails decoded, ${f.skulls} skulls, peak RSS ${mb} MB, ` +
      `${(f.elapsedMs / 1000).toFixed(1)} s` +
      f.failures.map((x) => `\n  ${x.kind} ${x.source} ${x.format} #${x.index}: ${x.steps.join('; ')}: ${x.detail}`).join(''),
  );
}

describe('mutants', () => {
  it('are the same bytes for the same (seed, source, format, index) and differ between indexes', async () => {
    const seeds = await madeSeeds();
    for (const format of ['jpeg', 'png', 'heic', 'cr3']) {
      const id = { seed: 7, source: 'made' as const, format, index: 3 };
      const a = makeMutant(id, seeds)!;
      const b = makeMutant(id, seeds)!;
      expect(sha256(a.bytes)).toBe(sha256(b.bytes));
      expect(a.steps).toEqual(b.steps);
      const others = [4, 5, 6].map((index) => sha256(makeMutant({ ...id, index }, seeds)!.bytes));
      expect(others).not.toContain(sha256(a.bytes));
    }
  });

  it('are made for every format the library imports, with header fields to lie in', async () => {
    const seeds = await madeSeeds();
    // Without ../shared/tools there is no DNG maker: the TIFF-based raws then have no seed.
    const formats = Object.keys(FORMATS).filter((f) => seeds.has(f));
    expect(formats).toEqual(expect.arrayContaining(['jpeg', 'png', 'tiff', 'webp', 'avif', 'gif', 'heic', 'cr3', 'raf', 'crw']));
    for (const f of ['jpeg', 'png', 'tiff', 'webp', 'avif', 'gif', 'heic', 'cr3', 'raf', 'crw']) {
      const fields = seeds.get(f)!.flatMap((s) => findSizeFields(s.bytes));
      expect(fields.length, f).toBeGreaterThan(0);
    }
    const heic = findSizeFields(seeds.get('heic')![0]!.bytes).map((x) => x.what);
    expect(heic).toEqual(expect.arrayContaining(['BMFF ftyp box size', 'BMFF meta box size', 'BMFF iloc item count']));
  });

  it('use every kind of mutation over a run', async () => {
    const seeds = await madeSeeds();
    const steps = Array.from({ length: 400 }, (_, index) =>
      makeMutant({ seed: 1, source: 'made', format: ['jpeg', 'png', 'tiff', 'heic'][index % 4]!, index }, seeds)!.steps,
    ).flat();
    for (const pattern of [/^bitflip/, /^truncate/, /^splice/, /segment length \d+ ->/, /PNG \w+ length \d+ ->/, /TIFF .* (count|offset) \d+ ->/, /box size \d+ -> 0 /, /-> 1, largesize/, /^new \w+ box/]) {
      expect(steps.some((s) => pattern.test(s)), String(pattern)).toBe(true);
    }
  });

  it('come from a generator that does not change (stored cases depend on it)', () => {
    const r = new Rng(12345);
    expect([r.u32(), r.u32(), r.u32()]).toEqual([4_207_900_869, 1_317_490_944, 2_079_646_450]);
  });
});

// Concurrent: most of their time is spent waiting for a budget to run out.
describe.concurrent('failures are observed in a child process and pinned to their file', () => {
  const files = ['b.png', 'c.tif', 'd.heic'].map((name) => ({ name, bytes: Buffer.from(`not an image: ${name}`) }));

  it.each([
    ['hang', 'c.tif'],
    ['crash', 'd.heic'],
    ['memory', 'b.png'],
    ['decode', 'a.jpg'],
  ])('%s of %s', async (kind, file) => {
    const seeds = await madeSeeds();
    const real = [{ name: 'a.jpg', bytes: seeds.get('jpeg')![0]!.bytes }, ...files];
    const hook = kind === 'decode' ? `corrupt-thumb:${file}` : `${kind}:${file}`;
    const r = await runBatch(real, {
      budgetMs: kind === 'hang' ? 5_000 : 60_000,
      rssLimitBytes: 512 * 1024 * 1024,
      childEnv: { TERMTABLE_FUZZ_SELFTEST: hook },
    });
    expect(r.failures.map((f) => [f.kind, f.file])).toEqual(kind === 'decode' ? [0, 1, 2].map(() => ['decode', file]) : [[kind, file]]);
    if (kind === 'crash') expect(r.failures[0]!.detail).toMatch(/signal SIGABRT/);
    if (kind === 'memory') expect(r.peakRssBytes).toBeGreaterThan(512 * 1024 * 1024);
    if (kind === 'decode') expect(r.failures[0]!.detail).toMatch(/does not decode/);
  }, 170_000);
});

describe('a CI-sized fuzz run', () => {
  it('300 mutants of files it makes itself: no crash, hang, undecodable thumbnail or memory blow-up', async () => {
    const f = await fuzz({ seed: 2026, count: 300, sources: ['made'], batchSize: 30, jobs: 2, ...LIMITS });
    report('made seeds', f);
    expect(f.tried).toBe(300);
    expect(unexpected(f.failures)).toEqual([]);
    expect(f.thumbnailsChecked).toBeGreaterThan(300);
    expect(f.peakRssBytes).toBeGreaterThan(0);
    expect(f.peakRssBytes).toBeLessThan(LIMITS.rssLimitBytes);
  }, 170_000);

  it('100 mutants of the sample corpus (../shared/corpus, read in place)', async (ctx) => {
    if (corpusSeeds().size === 0) ctx.skip(NEEDS_SHARED);
    const f = await fuzz({ seed: 2026, count: 100, sources: ['corpus'], batchSize: 25, jobs: 2, ...LIMITS });
    report('corpus seeds', f);
    expect(f.tried).toBe(100);
    expect(unexpected(f.failures)).toEqual([]);
    expect(f.peakRssBytes).toBeLessThan(LIMITS.rssLimitBytes);
  }, 170_000);
});

import { createHash } from 'node:crypto';

/**
 * A small seeded PRNG (mulberry32). Hand-written on purpose, not a dependency: regression
 * cases are stored as (seed, source, format, index) and replayed by re-deriving the mutant, so
 * the generator must never change its output; a library's next version is free to.
 */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** The generator of one mutant: its identity, hashed, so neighbouring indexes are unrelated. */
  static forMutant(seed: number, source: string, format: string, index: number): Rng {
    const digest = createHash('sha256').update(`termtable-fuzz:${seed}:${source}:${format}:${index}`).digest();
    return new Rng(digest.readUInt32LE(0));
  }

  /** Uniform in [0, 2^32). */
  u32(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform integer in [0, n); 0 when n <= 0. */
  int(n: number): number {
    if (n <= 0) return 0;
    return Math.floor((this.u32() / 0x1_0000_0000) * n);
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)]!;
  }
}

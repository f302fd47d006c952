/*
 * npm run fuzz [-- --seed N --count N --format jpeg,heic --source made,corpus ...]
 *
 * A seeded mutation fuzzer over every format the library imports: each mutant is imported
 * into a fresh library and its thumbnails made, in child processes, and the run fails on a
 * crash, a hang past the budget, a thumbnail that does not decode, or memory over the bound.
 * Failures are added to test/fuzz/regressions.json (as seed, source, format and index).
 */
import { parseArgs } from 'node:util';
import { fuzz, type FuzzFigures } from './fuzz/engine.js';
import { recordRegressions } from './fuzz/regressions.js';
import { FORMATS, type SeedSource } from './fuzz/seeds.js';
import { sanitizeText } from '../src/util/sanitize.js';

const HELP = `usage: npm run fuzz -- [options]

  --seed N          run seed (default 1); the same seed and options make the same mutants
  --count N         mutants per seed source (default 500)
  --format LIST     comma-separated formats (default all: ${Object.keys(FORMATS).join(',')})
  --source LIST     made (files it makes itself), corpus (../shared/corpus, read in place);
                    default both (corpus is skipped when absent)
  --batch N         mutants per child process (default 24)
  --jobs N          child processes at once (default 2)
  --budget MS       time budget of one child process (default 20000)
  --rss-mb N        peak resident memory bound of a child and its subprocesses (default 1536)
  --no-record       don't add failures to test/fuzz/regressions.json
  --json            print the figures as one JSON object
  -h, --help        this help

Exit status: 0 when no mutant crashed, hung, wrote an undecodable thumbnail or went over the
memory bound; 1 otherwise; 2 for bad arguments.`;

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} wants a whole number, not ${JSON.stringify(value)}`);
  return n;
}

function list<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const bad = items.filter((i) => !allowed.includes(i as T));
  if (bad.length || !items.length) throw new Error(`--${name}: unknown ${bad.join(', ') || '(empty)'} (known: ${allowed.join(', ')})`);
  return items as T[];
}

function print(f: FuzzFigures): void {
  const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
  const out = process.stdout;
  out.write(
    `mutants tried ${f.tried} in ${(f.elapsedMs / 1000).toFixed(1)} s (${f.children} child processes)\n` +
      `crashes ${f.crashes}, hangs ${f.hangs}, decode failures ${f.decodeFailures}, over memory ${f.memoryFailures}\n` +
      `thumbnails decoded ${f.thumbnailsChecked}, skulls ${f.skulls}, import errors ${f.importErrors}, peak RSS ${mb(f.peakRssBytes)}\n` +
      `per format: ${Object.entries(f.byFormat).map(([k, v]) => `${k} ${v}`).join(', ')}\n`,
  );
  out.write(`skulls by cause: ${f.skullCauses.slice(0, 8).map(([k, v]) => `${v}× ${sanitizeText(k)}`).join('; ')}\n`);
  if (f.unseeded.length) out.write(`no seed for: ${f.unseeded.join(', ')}\n`);
  for (const x of f.failures) {
    out.write(
      `FAIL ${x.kind} (${x.phase}) seed ${x.seed} ${x.source} ${x.format} #${x.index} from ${sanitizeText(x.base)}: ` +
        `${x.steps.join('; ')}\n  ${sanitizeText(x.detail).replace(/\n/g, '\n  ')}\n`,
    );
  }
  for (const u of f.unattributed) out.write(`unattributed: ${sanitizeText(u)}\n`);
}

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        seed: { type: 'string' }, count: { type: 'string' }, format: { type: 'string' }, source: { type: 'string' },
        batch: { type: 'string' }, jobs: { type: 'string' }, budget: { type: 'string' }, 'rss-mb': { type: 'string' },
        'no-record': { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    process.stderr.write(`fuzz: ${(err as Error).message}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  let opts;
  try {
    opts = {
      seed: positive('seed', values.seed, 1),
      count: positive('count', values.count, 500),
      formats: list('format', values.format, Object.keys(FORMATS)),
      sources: list<SeedSource>('source', values.source, ['made', 'corpus']) ?? ['made', 'corpus'],
      batchSize: Math.max(1, positive('batch', values.batch, 24)),
      jobs: Math.max(1, positive('jobs', values.jobs, 2)),
      budgetMs: positive('budget', values.budget, 20_000),
      rssLimitBytes: positive('rss-mb', values['rss-mb'], 1536) * 1024 * 1024,
    };
  } catch (err) {
    process.stderr.write(`fuzz: ${(err as Error).message}\n`);
    return 2;
  }
  const tty = process.stderr.isTTY;
  let shown = 0;
  const figures = await fuzz({
    ...opts,
    onProgress: (done, total) => {
      if (tty) process.stderr.write(`\rfuzz: ${done}/${total}`);
      else if (done === total || done - shown >= total / 10) {
        // A log gets a line every tenth of the run, not one per batch.
        process.stderr.write(`fuzz: ${done}/${total}\n`);
        shown = done;
      }
    },
  });
  if (tty) process.stderr.write('\n');
  if (values.json) process.stdout.write(`${JSON.stringify(figures)}\n`);
  else print(figures);
  if (!values['no-record'] && figures.failures.length) {
    const added = await recordRegressions(figures.failures);
    process.stdout.write(`regression cases added to test/fuzz/regressions.json: ${added}\n`);
  }
  return figures.failures.length ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`fuzz: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);

/*
 * One fuzz batch, in its own process so that a hang or a crash is observed by the parent,
 * not suffered: imports a folder of mutants into a fresh library and makes their thumbnails
 * through the real library and cache APIs (what `termtable import` does), reporting on stdout
 * one JSON line per finished file so the parent can attribute a hang or crash to the files
 * still in flight.
 *
 *   node --import tsx scripts/fuzz/child.ts DIR LIBRARY
 *
 * The parent sets XDG_CACHE_HOME/XDG_CONFIG_HOME to a temp folder of its own.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MipmapCache } from '../../src/cache/mipmap-cache.js';
import { subjectFromRecord } from '../../src/cache/subject.js';
import { defaultPreferences } from '../../src/config/preferences.js';
import { importFolders } from '../../src/db/import.js';
import { Library } from '../../src/db/library.js';

export type ChildEvent =
  /** Modules loaded: the parent's budget per file starts now (start-up under load takes seconds). */
  | { ev: 'ready' }
  | { ev: 'imported'; file: string }
  | { ev: 'import-done'; ids: [number, string][]; errors: { file: string; message: string }[] }
  | { ev: 'thumb'; file: string; failed?: string }
  | { ev: 'done'; hwmBytes: number };

function emit(e: ChildEvent): void {
  process.stdout.write(`${JSON.stringify(e)}\n`);
}

function hwmBytes(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}

/**
 * The fuzzer's own test makes a child fail on purpose, to see each failure observed and
 * pinned to its file: TERMTABLE_FUZZ_SELFTEST=hang:NAME, crash:NAME, memory:NAME or
 * corrupt-thumb:NAME (NAME's thumbnails are overwritten with garbage once made).
 */
function selfTest(dir: string): { corrupt?: string } {
  const [what, name] = (process.env.TERMTABLE_FUZZ_SELFTEST ?? '').split(':');
  if (!name || !existsSync(path.join(dir, name))) return {};
  if (what === 'hang') for (;;);
  if (what === 'crash') process.abort();
  if (what === 'memory') {
    const hold: Buffer[] = [];
    for (;;) hold.push(Buffer.alloc(64 * 1024 * 1024, 1));
  }
  return what === 'corrupt-thumb' ? { corrupt: name } : {};
}

async function main(dir: string, libraryPath: string): Promise<void> {
  emit({ ev: 'ready' });
  const test = selfTest(dir);
  const lib = Library.open(libraryPath);
  const summary = await importFolders(lib, [dir], {
    onProgress: ({ file }) => emit({ ev: 'imported', file: path.basename(file) }),
  });
  const records = lib.getMany([...summary.ids.new, ...summary.ids.changed]);
  emit({
    ev: 'import-done',
    ids: records.map((r) => [r.id, r.filename]),
    errors: summary.errors.map((e) => ({ file: path.basename(e.path), message: e.message })),
  });
  // The batch preferences of `termtable import` (src/cli/batch.ts), two jobs like a 2-core machine.
  const prefs = { ...defaultPreferences(), diskBackend: true, cacheSizeMB: 32, concurrency: 2 };
  const cache = await MipmapCache.open({ libraryPath, prefs, loadCacheFile: false, saveCacheFile: false });
  // One image per generateMissing call, two at a time: each finished file is reported, so a
  // hang is pinned to the two in flight rather than to the whole batch.
  let next = 0;
  const worker = async () => {
    while (next < records.length) {
      const r = records[next++]!;
      const out = await cache.generateMissing({ subjects: [subjectFromRecord(r)], minLevel: 0, maxLevel: 2 });
      const f = out.failed[0];
      if (test.corrupt === r.filename) {
        for (const level of [0, 1, 2] as const) writeFileSync(cache.diskPath(r.id, level), 'garbage, not a JPEG');
      }
      emit({ ev: 'thumb', file: r.filename, failed: f ? `${f.cause}: ${f.message}` : undefined });
    }
  };
  await Promise.all([worker(), worker()]);
  await cache.close();
  lib.close();
  emit({ ev: 'done', hwmBytes: hwmBytes() });
}

const [dir, libraryPath] = process.argv.slice(2);
if (!dir || !libraryPath) {
  process.stderr.write('usage: child.ts DIR LIBRARY\n');
  process.exit(2);
}
main(dir, libraryPath).then(
  // Exit at once: a worker left idle (HEIC) must not be mistaken for a hang of this batch.
  () => process.stdout.write('', () => process.exit(0)),
  (err: unknown) => {
    process.stderr.write(`fuzz child: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(70);
  },
);

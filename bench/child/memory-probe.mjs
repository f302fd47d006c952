// Loaded into the lighttable by the memory benchmarks (`node --import` this file) when
// MEMORY_PROBE_OUT names a file: every 100 ms the main thread appends one JSON line with
// process.memoryUsage()'s parts, the kernel's anonymous/file split of the RSS
// (/proc/self/smaps_rollup), the thread count and the CPU time used, so a report can say where the peak went
// (JS heap, external buffers, native allocations, worker isolates). Nothing else changes,
// unless MEMORY_PROBE_SHARP asks for a libvips setting to try without a rebuild:
// `cache=0` (sharp.cache(false)), `concurrency=N` (sharp.concurrency(N)), comma-separated,
// or MEMORY_PROBE_PIN_NEW_SPACE_MB=N stops V8's new space growing once it has reached N MB
// (--semi-space-growth-factor=1, which V8 reads at each growth, unlike --max-semi-space-size).
import { appendFileSync, readFileSync } from 'node:fs';
import v8 from 'node:v8';
import { isMainThread } from 'node:worker_threads';

const out = process.env.MEMORY_PROBE_OUT;
const sharpSettings = (process.env.MEMORY_PROBE_SHARP ?? '').split(',').filter(Boolean);
if (sharpSettings.length && isMainThread) {
  // The lighttable's sharp: the same resolved file, so the same module and libvips instance.
  const { default: sharp } = await import('sharp');
  for (const kv of sharpSettings) {
    const [key, value] = kv.split('=');
    if (key === 'cache' && value === '0') sharp.cache(false);
    if (key === 'concurrency') sharp.concurrency(Number(value));
  }
}
const pinAt = Number(process.env.MEMORY_PROBE_PIN_NEW_SPACE_MB ?? 0);
let pinned = false;
const pinNewSpace = () => {
  if (pinned || !pinAt) return;
  const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  if (space && space.space_size >= pinAt * 1024 * 1024) {
    v8.setFlagsFromString('--semi-space-growth-factor=1');
    pinned = true;
  }
};
// MEMORY_PROBE_SNAPSHOT=FILE MEMORY_PROBE_SNAPSHOT_AFTER_S=N: one heap snapshot N s in (what
// holds the JavaScript heap, for Chrome DevTools' Memory tab).
const snapshot = process.env.MEMORY_PROBE_SNAPSHOT;
if (snapshot && isMainThread) setTimeout(() => v8.writeHeapSnapshot(snapshot), Number(process.env.MEMORY_PROBE_SNAPSHOT_AFTER_S ?? 30) * 1000).unref();
if (out && isMainThread) {
  const kb = (text, key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  const sample = () => {
    pinNewSpace();
    try {
      const m = process.memoryUsage();
      const rollup = readFileSync('/proc/self/smaps_rollup', 'utf8');
      const status = readFileSync('/proc/self/status', 'utf8');
      const line = {
        t: Date.now(),
        rss: m.rss,
        heapTotal: m.heapTotal,
        heapUsed: m.heapUsed,
        external: m.external,
        arrayBuffers: m.arrayBuffers,
        anon: kb(rollup, 'Anonymous'),
        file: kb(rollup, 'Rss') - kb(rollup, 'Anonymous'),
        threads: Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 0),
        newSpace: v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0,
        // The whole process's CPU time so far (every thread), in microseconds: a setting that
        // saves memory by working more (smaller heaps collect more often) shows here.
        cpu: (({ user, system }) => user + system)(process.cpuUsage()),
      };
      appendFileSync(out, `${JSON.stringify(line)}\n`);
    } catch {
      // The probe must never disturb the program it measures.
    }
  };
  setInterval(sample, 100).unref();
}

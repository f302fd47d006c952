import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NEW_SPACE_CAP_BYTES } from '../../src/tui/heap-bound.js';
import { REPO_ROOT } from '../helpers/corpus.js';

/**
 * A child that allocates like paging does (each turn a page of picture-sized strings, the
 * last eight pages kept, older ones dropped), and prints the largest heap it saw.
 */
const CHILD = `
const { randomBytes } = await import('node:crypto');
const bound = process.argv[1] === 'bound';
if (bound) (await import(${JSON.stringify(path.join(REPO_ROOT, 'src/tui/heap-bound.ts'))})).boundHeapGrowth();
const live = [];
for (let i = 0; i < 2000; i++) {
  live.push(randomBytes(15000).toString('base64'));
  if (i % 100 === 0) await new Promise((r) => setImmediate(r));
}
const pages = [];
const { default: v8 } = await import('node:v8');
const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
let peak = 0;
let peakNew = 0;
for (let turn = 0; turn < 600; turn++) {
  const next = [];
  for (let j = 0; j < 40; j++) next.push(randomBytes(37500).toString('base64'));
  // The last few pages stay (the picture cache), so their strings outlive the young generation.
  pages.push(next);
  if (pages.length > 8) pages.shift();
  peak = Math.max(peak, process.memoryUsage().heapTotal);
  peakNew = Math.max(peakNew, newSpace());
  // One page per turn of the event loop, as the lighttable encodes them.
  await new Promise((r) => setImmediate(r));
}
console.log(JSON.stringify({ peak, peakNew, live: live.length, pages: pages.length }));
`;

function peakHeap(mode: 'bound' | 'default'): Promise<{ peak: number; peakNew: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD, mode], { cwd: REPO_ROOT });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as { peak: number; peakNew: number }) : reject(new Error(err))));
  });
}

describe('boundHeapGrowth', () => {
  it('keeps a fast-allocating heap much nearer its live size than V8 does by default', async () => {
    const unbounded = await peakHeap('default');
    const bounded = await peakHeap('bound');
    // About 56 MB live (40 MB kept, eight 2 MB pages); V8 alone lets the heap grow well past that.
    expect(bounded.peak, `bounded ${bounded.peak >> 20} MB, default ${unbounded.peak >> 20} MB`).toBeLessThan(unbounded.peak * 0.75);
    // The young generation stops at its cap, where V8 alone doubles it twice more. The hold is
    // set after a collection is reported, which comes a turn of the event loop later: a second
    // collection before it can double the space once more (16 MB in a CI run at load 7, beside
    // a CPU hog), never to V8's own size. bin/termtable's --max-semi-space-size is the hard cap.
    const sizes = `bounded ${bounded.peakNew >> 20} MB, default ${unbounded.peakNew >> 20} MB`;
    expect(unbounded.peakNew, `V8 alone grows the new space past the cap: ${sizes}`).toBeGreaterThan(2 * NEW_SPACE_CAP_BYTES);
    expect(bounded.peakNew, sizes).toBeLessThanOrEqual(2 * NEW_SPACE_CAP_BYTES);
    expect(bounded.peakNew, sizes).toBeLessThan(unbounded.peakNew);
  }, 120_000);
});

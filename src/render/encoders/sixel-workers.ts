import os from 'node:os';

const MiB = 1024 * 1024;

/**
 * V8 heap limits of each sixel encoder worker. The young generation is what matters: V8 lets
 * a thread's semi-spaces grow to 16 MB each, and a worker that builds sixel strings band by
 * band fills them. Two workers encoding 120 thumbnails of 360x270 px grew the process by
 * 90 MB with V8's defaults, 46 MB with a 2 MB young generation (the old-generation limit
 * alone changed nothing). In the lighttable, sixel at 240x66 under cacheSizeMB 16 peaked at
 * 292 MiB before, 234 MiB with it (bench/memory.ts). The old generation's limit only bounds
 * a runaway: a 2400x1320 px loupe crop of worst-case noise encodes in 64 MB, and past the
 * limit the worker dies and its encode fails (the next one starts a new worker), which is
 * better than the process growing without bound.
 */
export const SIXEL_WORKER_LIMITS = { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 128 } as const;

/**
 * What one running worker adds to the process: its isolate (about 13 MB started, idle) and
 * what it keeps after encoding (measured 12-23 MB per worker with SIXEL_WORKER_LIMITS).
 */
export const SIXEL_WORKER_BYTES = 16 * MiB;

/**
 * Workers for the encoded-picture share of cacheSizeMB (memory-budget.ts). The workers' own
 * cost is counted against that share, up to half of it: a second worker is started only when
 * the share is at least four workers' cost (64 MB: cacheSizeMB 256 and up, the default 512
 * among them); at 16 or 64 MB the share is 8 or 16 MB and one worker encodes, which saved
 * 14 MiB at 240x66 under 16 MB. At least one (sixel needs it), at most two and never more
 * than the cores: the rest of the machine decodes thumbnails. Without a share (one-shot CLI
 * use) the cores decide.
 */
export function sixelWorkerCount(pictureBytes: number | undefined, cores = os.availableParallelism()): number {
  const most = Math.max(1, Math.min(2, cores));
  if (pictureBytes === undefined) return most;
  const affordable = Math.floor(pictureBytes / 2 / SIXEL_WORKER_BYTES);
  return Math.max(1, Math.min(most, affordable));
}

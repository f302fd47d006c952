import { createRequire } from 'node:module';

// Loaded only when a bar is shown: --json runs and scripts (stderr not a terminal) never pay
// for cli-progress and its string-width (about 5 ms of generate-cache's start-up).
export const loadCliProgress = () => createRequire(import.meta.url)('cli-progress') as typeof import('cli-progress');

export interface ProgressBar {
  update(done: number, failed: number): void;
  stop(): void;
}

/**
 * The thumbnail progress bar of `import` and `generate-cache`: count, rate, ETA and failures on
 * stderr. None when stderr is not a terminal (scripts, --json, CI logs).
 */
export function thumbnailProgressBar(total: number, label = 'thumbnails'): ProgressBar | undefined {
  if (!process.stderr.isTTY || total === 0) return undefined;
  const cliProgress = loadCliProgress();
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {value}/{total} | {rate} img/s | ETA {eta_formatted} | {failed} failed`,
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  bar.start(total, 0, { rate: '0.0', failed: 0 });
  let stopped = false;
  return {
    update(done, failed) {
      const seconds = (Date.now() - started) / 1000;
      bar.update(done, { rate: seconds > 0 ? (done / seconds).toFixed(1) : '0.0', failed });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}

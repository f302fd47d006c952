import type { RunnerTask, RunnerTestFile } from 'vitest';
import type { Reporter } from 'vitest/node';
import { HAVE_CORPUS, NEEDS_SHARED, SHARED_DIR, sharedTool } from './corpus.js';

function countSkipped(tasks: readonly RunnerTask[]): number {
  let n = 0;
  for (const t of tasks) {
    if (t.type === 'suite') n += countSkipped(t.tasks);
    // TaskResult has the note at run time (ctx.skip(note)) but not in its declared type.
    else if (t.result?.state === 'skip' && (t.result as { note?: string }).note === NEEDS_SHARED) n++;
  }
  return n;
}

/**
 * One line at the end of a run saying how many tests were skipped because ../shared (the
 * sample corpus and the term-shot tools) is not beside the clone, and how to run them. One
 * line for the whole run, after the summary, rather than one per file. onFinished, not
 * onTestRunEnd: the default reporter prints its summary there, and reporters run in order.
 */
export default class SharedSkipReporter implements Reporter {
  onFinished(files: readonly RunnerTestFile[] = []): void {
    const skipped = countSkipped(files);
    if (skipped === 0) return;
    const missing = [HAVE_CORPUS ? null : `${SHARED_DIR}/corpus`, sharedTool('term-shot') ? null : `${SHARED_DIR}/tools`].filter(Boolean);
    process.stdout.write(
      `  ${skipped} tests skipped: they need the sample corpus and test tools of ../shared, not found (${missing.join(', ')}).` +
        ` To run them, clone termtable with its shared folder beside it (../shared/corpus, ../shared/tools), as CI does.\n\n`,
    );
  }
}

import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, corpus, skipWithoutCorpus } from '../helpers/corpus.js';
import { tempEnv, type TempEnv } from './helpers.js';

const envs: TempEnv[] = [];
afterEach(() => {
  for (const e of envs.splice(0)) e.cleanup();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Whether the process had exited this long after its first line of output. */
  exitedInTime: boolean;
}

/**
 * Runs the binary and waits for its exit at most `graceMs` after its first output. The HEIC
 * decoder's idle timer (30 s) used to hold the process that long; the grace is generous, so
 * this checks that it exits, not how fast.
 */
function runUntilExit(args: string[], env: NodeJS.ProcessEnv, graceMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env });
    let stdout = '';
    let stderr = '';
    let grace: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      grace ??= setTimeout(() => {
        child.kill('SIGKILL');
        resolve({ code: null, stdout, stderr, exitedInTime: false });
      }, graceMs);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(grace);
      resolve({ code, stdout, stderr, exitedInTime: true });
    });
  });
}

describe('HEIC commands exit when their work is done', () => {
  beforeEach(skipWithoutCorpus);

  it('thumb of a HEIC exits after printing (the idle decoder worker does not hold it)', async () => {
    const e = tempEnv('tt-heic-exit-');
    envs.push(e);
    const photos = path.join(e.root, 'photos');
    mkdirSync(photos);
    copyFileSync(corpus('photos/apple-iphone11pro.heic'), path.join(photos, 'phone.heic'));
    const imported = await runUntilExit(['import', photos, '--json', '--no-thumbnails'], e.env, 20_000);
    expect(imported.code, imported.stderr).toBe(0);

    const run = await runUntilExit(['thumb', '1', '--level', '0'], e.env, 10_000);
    expect(run.stdout).toMatch(/\s96x128\s+\d+ bytes\s+processed/);
    expect(run.exitedInTime).toBe(true);
    expect(run.code, run.stderr).toBe(0);
  }, 120_000);
});

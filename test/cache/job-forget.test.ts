import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MipmapCache } from '../../src/cache/mipmap-cache.js';
import { makePhoto, prefs, subjectOf, tempEnv, testMaker, type TempEnv } from './helpers.js';

/*
 * A thumbnail made is written and the failure another process recorded for the image is
 * forgotten, both before the job answers (job-run does the two side by side).
 */
let t: TempEnv;
const opened: MipmapCache[] = [];
beforeEach(() => {
  t = tempEnv('tt-job-forget-');
});
afterEach(async () => {
  for (const c of opened.splice(0)) await c.close();
  t.cleanup();
});

async function open(): Promise<MipmapCache> {
  const c = await MipmapCache.open({
    libraryPath: t.libraryPath,
    diskDir: t.diskDir,
    cacheFile: t.cacheFile,
    prefs: prefs({ concurrency: 2 }),
    makeThumbnails: await testMaker(),
  });
  opened.push(c);
  return c;
}

describe('a made thumbnail clears the recorded failure', () => {
  it('another instance made it after the file was fixed: its levels are on disk and the dead record is gone when it answers', async () => {
    const file = path.join(t.root, 'fixed.jpg');
    writeFileSync(file, Buffer.from('not a picture at all, only text'));
    const first = await open();
    const failed = await first.get(await subjectOf(5, file), 1);
    expect(failed).toMatchObject({ ok: false });
    const dead = path.join(t.diskDir, 'dead', '5.json');
    expect(existsSync(dead)).toBe(true);

    await makePhoto(file, 900, 600, 3);
    const second = await open();
    const summary = await second.generateMissing({ subjects: [await subjectOf(5, file)], minLevel: 0, maxLevel: 2, retryFailed: false });
    expect(summary).toMatchObject({ generated: 1, failed: [] });
    expect(existsSync(dead)).toBe(false);
    for (const level of [0, 1, 2] as const) expect(existsSync(second.diskPath(5, level))).toBe(true);
  });
});

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/corpus.js';
import { makeJpeg, tempDir } from './helpers.js';

/** Packages a node process loaded while running `code` (the compiled modules, as the binary runs them). */
function packagesLoaded(code: string): Set<string> {
  const log = path.join(tempDir(), 'modules.log');
  const hook = path.join(REPO_ROOT, 'test', 'helpers', 'module-log.mjs');
  const run = spawnSync(process.execPath, ['--import', hook, '--input-type=module', '-e', code], {
    encoding: 'utf8',
    env: { ...process.env, TT_MODULE_LOG: log },
  });
  expect(run.status, run.stderr).toBe(0);
  return new Set(
    readFileSync(log, 'utf8')
      .split('\n')
      .flatMap((u) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u)?.[1] ?? []),
  );
}

const exifModule = pathToFileURL(path.join(REPO_ROOT, 'dist', 'db', 'exif.js')).href;

describe('exif.ts loads sharp and exifr on first use', () => {
  it('importing the module loads neither', () => {
    const loaded = packagesLoaded(`await import(${JSON.stringify(exifModule)});`);
    expect(loaded).not.toContain('sharp');
    expect(loaded).not.toContain('exifr');
  });

  it('reading a JPEG loads no sharp (its own header gives the size)', async () => {
    const jpeg = await makeJpeg(path.join(tempDir(), 'a.jpg'), { make: 'Acme' });
    const loaded = packagesLoaded(
      `const m = await import(${JSON.stringify(exifModule)});` +
        `const f = await m.readExifFacts(${JSON.stringify(jpeg)}, 1000);` +
        `if (f.maker !== 'Acme' || f.width !== 32) throw new Error('maker ' + f.maker + ' width ' + f.width);`,
    );
    expect(loaded).not.toContain('sharp');
  });

  it('reading a PNG loads sharp (libvips knows the formats exifr does not)', async () => {
    const png = path.join(tempDir(), 'a.png');
    await sharp({ create: { width: 20, height: 10, channels: 3, background: '#000' } }).png().toFile(png);
    const loaded = packagesLoaded(
      `const m = await import(${JSON.stringify(exifModule)});` +
        `const f = await m.readExifFacts(${JSON.stringify(png)}, 1000);` +
        `if (f.width !== 20 || f.height !== 10) throw new Error('size ' + f.width + 'x' + f.height);`,
    );
    expect(loaded).toContain('sharp');
  });
});

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { namedPoint } from '../../src/analysis/af-makers.js';
import { BIN, corpus } from '../helpers/corpus.js';

const home = mkdtempSync(path.join(os.tmpdir(), 'tt-afimport-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const env = { ...process.env, XDG_DATA_HOME: path.join(home, 'data'), XDG_CACHE_HOME: path.join(home, 'cache'), XDG_CONFIG_HOME: path.join(home, 'config') };

describe('import records the AF point of Nikon, Sony and Fujifilm files', () => {
  it('list --json gives each corpus file the point its maker note records', () => {
    const photos = path.join(home, 'photos');
    mkdirSync(photos, { recursive: true });
    const files = ['photos/fujifilm-finepix-s5500.jpg', 'raw/nikon-d1.nef', 'raw/sony-slt-a55v-truncated.arw', 'photos/nikon-d70.jpg'];
    // Linked, not copied: the corpus is read in place.
    for (const rel of files) symlinkSync(corpus(rel), path.join(photos, path.basename(rel)));
    const library = path.join(home, 'library.db');
    const imported = spawnSync(process.execPath, [BIN, '--library', library, 'import', '--json', photos], { encoding: 'utf8', env });
    expect(imported.status, imported.stderr).toBe(0);
    const list = spawnSync(process.execPath, [BIN, '--library', library, 'list', '--json'], { encoding: 'utf8', env });
    expect(list.status, list.stderr).toBe(0);
    const points = Object.fromEntries(list.stdout.trim().split('\n').map((l) => JSON.parse(l) as { filename: string; focusPoint: unknown }).map((r) => [r.filename, r.focusPoint]));
    expect(points).toEqual({
      'fujifilm-finepix-s5500.jpg': { x: 0.5, y: 0.5 }, // FocusPixel 1136 852 of 2272 x 1704
      'nikon-d1.nef': namedPoint('Lower-right'), // AFPointsInFocus
      'sony-slt-a55v-truncated.arw': namedPoint('Center (horizontal)'),
      'nikon-d70.jpg': null, // manual focus, no AFInfo
    });
  }, 120_000);
});

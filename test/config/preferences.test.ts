import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultPreferences, loadPreferences, savePreferences } from '../../src/config/preferences.js';

describe('preferences file', () => {
  it('round-trips through an atomic save', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tt-prefs-'));
    const file = path.join(dir, 'nested', 'config.json');
    const prefs = { ...defaultPreferences(), cacheSizeMB: 64, protocol: 'sixel' as const };
    await savePreferences(prefs, file);
    expect(await loadPreferences(file)).toEqual({ prefs });
  });

  it('replaces a corrupt file by defaults with a warning instead of throwing', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tt-prefs-'));
    const file = path.join(dir, 'config.json');
    await writeFile(file, '{"cacheSizeMB": 12');
    const loaded = await loadPreferences(file);
    expect(loaded.prefs).toEqual(defaultPreferences());
    expect(loaded.warning).toMatch(/not valid JSON/);
  });

  it('keeps the good fields of a partly bad file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tt-prefs-'));
    const file = path.join(dir, 'config.json');
    await writeFile(file, JSON.stringify({ cacheSizeMB: 'huge', diskBackend: false }));
    const loaded = await loadPreferences(file);
    expect(loaded.prefs.diskBackend).toBe(false);
    expect(loaded.prefs.cacheSizeMB).toBe(512);
    expect(loaded.warning).toMatch(/cacheSizeMB/);
    expect(JSON.parse(await readFile(file, 'utf8')).cacheSizeMB).toBe('huge');
  });
});

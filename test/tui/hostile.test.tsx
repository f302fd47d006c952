import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFolders } from '../../src/db/import.js';
import { Library } from '../../src/db/library.js';
import { makeStore, renderApp, type Harness } from './fixture.js';

/**
 * A crafted EXIF Model with SGR colours and an OSC window-title sequence, and a control
 * character in a file name: what reaches the terminal is sanitised text, never the escapes.
 * Both photos are made here (the EXIF like the corpus's bad/exif-escape-sequences.jpg).
 */
let root: string;
let library: Library;
let h: Harness;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'termtable-hostile-'));
  const dir = path.join(root, 'photos');
  await mkdir(dir);
  const photo = (exif?: Record<string, string>) => {
    const img = sharp({ create: { width: 300, height: 200, channels: 3, background: '#5a7a9a' } });
    return (exif ? img.withExif({ IFD0: exif }) : img).jpeg();
  };
  await photo({ Make: 'Canon', Model: 'Canon PowerShot S30\x1b[31m RED\x1b[0m\x1b]0;pwned-window-title\x07' }).toFile(
    path.join(dir, 'exif-escape-sequences.jpg'),
  );
  await photo().toFile(path.join(dir, 'evil\x1b[2Jname\x07.jpg'));
  library = Library.open(path.join(root, 'library.db'));
  await importFolders(library, [dir]);
  h = await makeStore(library, root);
});
afterAll(async () => {
  await h.close();
  library.close();
  await rm(root, { recursive: true, force: true });
});

describe('hostile EXIF and file names', () => {
  it('never lets an escape sequence from a file reach the terminal', async () => {
    expect(library.count({})).toBe(2);
    await h.store.run('collection.sort'); // by name: "evil…" then "exif-…"
    const app = renderApp(h.store, 120, 40);
    try {
      await app.waitForImages();
      await app.press('l');
      const frame = await app.waitFor((f) => f.includes('PowerShot S30'), 'the crafted camera model in the status bar');
      await app.press('w');
      await app.waitFor((f) => f.includes('· preview'), 'preview');
      await app.press('\x1b');
      await app.waitFor((f) => f.includes('· grid'), 'grid');
      const all = frame + app.screenBytes();
      expect(all).not.toContain('\x1b]0;');
      expect(all).not.toContain('pwned-window-title\x07');
      expect(all).not.toContain('\x1b[2J');
      expect(all).not.toContain('\x07');
      expect(frame).toContain('evil?[2J'); // the ESC shown as '?', as ls does
    } finally {
      app.unmount();
    }
  });
});

import { utimesSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { importFolders } from '../../src/db/import.js';
import { Library } from '../../src/db/library.js';
import { makeJpeg, tempDir } from './helpers.js';

/*
 * onFirstRead tells the CLI when the first file needing its metadata read is found, so the
 * thumbnail maker (sharp) loads while that file is read and not for a re-import of unchanged
 * files, which makes no thumbnails.
 */
const libs: Library[] = [];
afterEach(() => {
  for (const lib of libs.splice(0)) lib.close();
});

describe('import onFirstRead', () => {
  it('is called once for new files, never for unchanged ones, and once again when one changed', async () => {
    const dir = tempDir();
    for (const name of ['a.jpg', 'b.jpg', 'c.jpg']) await makeJpeg(path.join(dir, name), { make: 'Acme' });
    const lib = Library.open(path.join(tempDir(), 'library.db'));
    libs.push(lib);
    let calls = 0;
    const onFirstRead = () => calls++;

    const first = await importFolders(lib, [dir], { onFirstRead, onWritten: () => undefined });
    expect(first.imported).toBe(3);
    expect(calls).toBe(1);

    const again = await importFolders(lib, [dir], { onFirstRead });
    expect(again.unchanged).toBe(3);
    expect(calls).toBe(1);

    const later = new Date(Date.now() + 5_000);
    utimesSync(path.join(dir, 'b.jpg'), later, later);
    const changed = await importFolders(lib, [dir], { onFirstRead });
    expect(changed.updated).toBe(1);
    expect(calls).toBe(2);
  });
});

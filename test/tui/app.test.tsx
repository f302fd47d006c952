import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { makeCollection, makeStore, removeDir, renderApp, type Harness } from './fixture.js';
import type { Library } from '../../src/db/library.js';

let root: string;
let library: Library;
let h: Harness;

beforeAll(async () => {
  ({ root, library } = await makeCollection(8));
  h = await makeStore(library, root);
});
afterAll(async () => {
  await h.close();
  library.close();
  await removeDir(root);
});

describe('lighttable grid (half-blocks, real library and cache)', () => {
  it('shows the grid with thumbnails, a skull for the corrupt file, and the status bar', async () => {
    const app = renderApp(h.store);
    try {
      const frame = await app.waitFor((f) => f.includes('▀') && f.includes('unsupported') , 'thumbnails and a skull');
      expect(frame).toContain('1/10');
      expect(frame).toContain('img-000.jpg');
      expect(frame.split('\n').length).toBeLessThanOrEqual(39);
    } finally {
      app.unmount();
    }
  });
});

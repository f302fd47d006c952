// The floor of the lighttable's launch to its first full grid (bench/launch.ts): node, Ink
// drawing one line, one page query of the library and reading the page's 24 thumbnail files
// from the disk cache; then it waits for q, as the lighttable does.
// Usage: node bench/floor/launch-floor.mjs LIBRARY.db MIPMAP_DIR
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import React from 'react';
import { render, Text } from 'ink';
import Database from 'better-sqlite3';

const [library, mipmaps] = process.argv.slice(2);
const db = new Database(library, { readonly: true });
const page = db.prepare('SELECT id, filename FROM images ORDER BY taken_at, id LIMIT 24').all();
const read = async (id) => {
  for (const level of [2, 1, 0]) {
    try {
      return await readFile(path.join(mipmaps, String(level), `${id}.jpg`));
    } catch {
      // not at this level
    }
  }
  return Buffer.alloc(0);
};
const files = await Promise.all(page.map((r) => read(r.id)));
const bytes = files.reduce((n, b) => n + b.length, 0);
const app = render(React.createElement(Text, null, `${page.length} images, ${bytes} bytes of thumbnails`));
process.stdin.setRawMode?.(true);
process.stdin.on('data', (d) => {
  if (d.includes(0x71)) {
    app.unmount();
    db.close();
    process.exit(0);
  }
});

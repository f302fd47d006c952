/**
 * Sidecar benchmarks (`node --import tsx bench/sidecars.ts`): editing a sidecar full of
 * `<xmp:Rating>` fragments inside a comment (issue 11's 520 kB and 2.6 MB shapes, which took
 * 12 s and over two minutes before the linear scanner), against the floor of reading and
 * writing the same file without looking at it; and the memory a 50 MB sidecar costs (it is
 * over the bound, so it is refused unread); and a re-import of 2,000 unchanged images with
 * sidecars (each sidecar stat'ed against the library's record) against the floor of stat'ing
 * every image and both of its sidecar names.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { importFolders } from '../src/db/import.js';
import { Library } from '../src/db/library.js';
import { newXmpText, readSidecar, writeSidecar } from '../src/db/xmp.js';

const now = () => Number(process.hrtime.bigint()) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function commentBomb(count: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="2"/>
  <!-- ${'<xmp:Rating>5</xmp:Rating> <xmp:Rating '.repeat(count)} -->
 </rdf:RDF>
</x:xmpmeta>
`;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'termtable-bench-xmp-'));
try {
  for (const count of [13_500, 67_000]) {
    const image = path.join(dir, `bomb-${count}.jpg`);
    const text = commentBomb(count);
    writeFileSync(`${image}.xmp`, text);
    const edit: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i < 7; i++) {
      let t = now();
      await writeSidecar(image, { rating: 1 + (i % 5), rejected: false, labels: ['red'] });
      edit.push(now() - t);
      t = now();
      const raw = readFileSync(`${image}.xmp`, 'utf8');
      writeFileSync(`${image}.floor`, raw);
      floor.push(now() - t);
    }
    const e = median(edit);
    const f = median(floor);
    console.log(
      `sidecar edit, ${(text.length / 1e6).toFixed(2)} MB of comment fragments: ${e.toFixed(1)} ms ` +
        `(floor: plain read+write ${f.toFixed(1)} ms, ratio ${(e / f).toFixed(1)}x)`,
    );
  }
  const huge = path.join(dir, 'huge.jpg');
  writeFileSync(`${huge}.xmp`, Buffer.alloc(50 * 1024 * 1024, 0x20));
  const peak0 = process.resourceUsage().maxRSS / 1024;
  const t = now();
  const read = await readSidecar(huge);
  const peak1 = process.resourceUsage().maxRSS / 1024;
  console.log(
    `50 MB sidecar: refused in ${(now() - t).toFixed(1)} ms ("${read.error}"); peak RSS ${peak0.toFixed(0)} MB before, ${peak1.toFixed(0)} MB after`,
  );
  const photos = path.join(dir, 'photos');
  mkdirSync(photos);
  const jpeg = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#579' } }).jpeg().toBuffer();
  const N = 2000;
  for (let i = 0; i < N; i++) {
    const f = path.join(photos, `img${String(i).padStart(4, '0')}.jpg`);
    writeFileSync(f, jpeg);
    writeFileSync(`${f}.xmp`, newXmpText({ rating: i % 6, rejected: false, labels: i % 2 ? ['red'] : [] }));
  }
  const lib = Library.open(path.join(dir, 'library.db'));
  await importFolders(lib, [photos]);
  const reimport: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < 3; i++) {
    let t = now();
    const summary = await importFolders(lib, [photos]);
    reimport.push(now() - t);
    if (summary.unchanged !== N || summary.sidecarsUpdated !== 0) throw new Error(JSON.stringify(summary));
    t = now();
    for (let k = 0; k < N; k++) {
      const f = path.join(photos, `img${String(k).padStart(4, '0')}.jpg`);
      statSync(f);
      statSync(`${f}.xmp`);
      statSync(f.replace(/\.jpg$/, '.xmp'), { throwIfNoEntry: false });
    }
    floor.push(now() - t);
  }
  lib.close();
  const r = median(reimport);
  const f = median(floor);
  console.log(`re-import of ${N} unchanged images with sidecars: ${r.toFixed(0)} ms (floor: 3 stats per image ${f.toFixed(0)} ms, ratio ${(r / f).toFixed(1)}x)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

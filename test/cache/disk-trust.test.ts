import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeDiskFile, intactByChecksum } from '../../src/cache/disk-cache.js';
import { MipmapCache } from '../../src/cache/mipmap-cache.js';
import type { Level } from '../../src/cache/types.js';
import { makePhoto, prefs, subjectOf, tempEnv, testMaker, type TempEnv } from './helpers.js';

const envs: TempEnv[] = [];
afterEach(() => {
  for (const e of envs.splice(0)) e.cleanup();
});

async function openCache(e: TempEnv): Promise<MipmapCache> {
  return MipmapCache.open({
    libraryPath: e.libraryPath,
    prefs: prefs({ diskBackend: true }),
    makeThumbnails: await testMaker(),
    diskDir: e.diskDir,
    cacheFile: e.cacheFile,
    loadCacheFile: false,
    saveCacheFile: false,
  });
}

/** Cut in half, with an end marker put back: the COM facts and EOI checks still pass. */
function truncateKeepingEoi(file: string): void {
  const bytes = readFileSync(file);
  writeFileSync(file, Buffer.concat([bytes.subarray(0, bytes.length >> 1), Buffer.from([0xff, 0xd9])]));
}

/** Header intact up to the scan, then random bytes, then the end marker. */
function garbageScan(file: string): void {
  const bytes = readFileSync(file);
  const sos = bytes.indexOf(Buffer.from([0xff, 0xda]));
  const head = bytes.subarray(0, sos + 16);
  writeFileSync(file, Buffer.concat([head, randomBytes(bytes.length - head.length - 2), Buffer.from([0xff, 0xd9])]));
}

describe('the disk cache trusts only thumbnails that decode', () => {
  it('a truncated or garbage thumbnail is neither present for generate-cache nor served, and is remade', async () => {
    const e = tempEnv('tt-trust-');
    envs.push(e);
    const file = path.join(e.root, 'a.jpg');
    await makePhoto(file, 1600, 1200, 3);
    const subject = await subjectOf(1, file);
    const first = await openCache(e);
    try {
      expect(await first.generateMissing({ subjects: [subject] })).toMatchObject({ generated: 1, present: 0, failed: [] });
    } finally {
      await first.close();
    }
    const disk = (level: Level) => path.join(e.diskDir, String(level), '1.jpg');
    truncateKeepingEoi(disk(2));
    garbageScan(disk(1));
    // Both still look whole to the cheap checks; their recorded length and CRC do not match.
    expect(decodeDiskFile(readFileSync(disk(2)), 1, 2)).toBeDefined();
    expect(decodeDiskFile(readFileSync(disk(1)), 1, 1)).toBeDefined();
    expect(intactByChecksum(readFileSync(disk(2)))).toBe(false);
    expect(intactByChecksum(readFileSync(disk(1)))).toBe(false);
    expect(intactByChecksum(readFileSync(disk(0)))).toBe(true);

    const counting = await openCache(e);
    try {
      expect(await counting.generateMissing({ subjects: [subject] })).toMatchObject({ generated: 1, present: 0, failed: [] });
    } finally {
      await counting.close();
    }
    for (const level of [0, 1, 2] as Level[]) await sharp(readFileSync(disk(level)), { failOn: 'warning' }).raw().toBuffer();

    // First read in a session: a corrupt file on disk is remade, not served.
    garbageScan(disk(2));
    const reading = await openCache(e);
    try {
      const thumb = await reading.get(subject, 2);
      expect(thumb.ok).toBe(true);
      if (thumb.ok) await sharp(thumb.jpeg, { failOn: 'warning' }).raw().toBuffer();
      await sharp(readFileSync(disk(2)), { failOn: 'warning' }).raw().toBuffer();
    } finally {
      await reading.close();
    }
  }, 60_000);

  it('a thumbnail written before the COM segment recorded a checksum is still decoded before it is trusted', async () => {
    const e = tempEnv('tt-trust-old-');
    envs.push(e);
    const file = path.join(e.root, 'a.jpg');
    await makePhoto(file, 1600, 1200, 5);
    const subject = await subjectOf(1, file);
    const first = await openCache(e);
    try {
      await first.generateMissing({ subjects: [subject] });
    } finally {
      await first.close();
    }
    const disk = (level: Level) => path.join(e.diskDir, String(level), '1.jpg');
    for (const level of [0, 1, 2] as Level[]) withoutChecksum(disk(level));
    garbageScan(disk(1));
    expect(intactByChecksum(readFileSync(disk(0)))).toBeUndefined();
    expect(intactByChecksum(readFileSync(disk(1)))).toBeUndefined();

    const counting = await openCache(e);
    try {
      // mip0 and mip2 decode and count as present; the garbage mip1 is remade.
      expect(await counting.generateMissing({ subjects: [subject] })).toMatchObject({ generated: 1, present: 0, failed: [] });
      expect(await counting.generateMissing({ subjects: [subject] })).toMatchObject({ generated: 0, present: 1, failed: [] });
    } finally {
      await counting.close();
    }
    expect(intactByChecksum(readFileSync(disk(1)))).toBe(true);
    await sharp(readFileSync(disk(1)), { failOn: 'warning' }).raw().toBuffer();
  }, 60_000);
});

/** Rewrites our COM segment without its length and CRC fields, as files made before them. */
function withoutChecksum(file: string): void {
  const bytes = readFileSync(file);
  const len = bytes.readUInt16BE(4);
  const text = bytes.subarray(6, 4 + len).toString('latin1');
  const tag = 'termtable-mip1 ';
  const facts = JSON.parse(text.slice(tag.length)) as Record<string, unknown>;
  delete facts.n;
  delete facts.k;
  const payload = Buffer.from(tag + JSON.stringify(facts), 'latin1');
  const seg = Buffer.alloc(4);
  seg[0] = 0xff;
  seg[1] = 0xfe;
  seg.writeUInt16BE(payload.length + 2, 2);
  writeFileSync(file, Buffer.concat([bytes.subarray(0, 2), seg, payload, bytes.subarray(4 + len)]));
}

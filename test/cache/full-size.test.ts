import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFullSize, isFullSize, planFullSize } from '../../src/cache/full-size.js';
import type { ImageRecord } from '../../src/db/types.js';
import { FullSizeSources } from '../../src/tui/loupe/sources.js';
import { corpus } from '../helpers/corpus.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'termtable-fullsize-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function subject(file: string, extra: Partial<ImageRecord> = {}): ImageRecord {
  return { id: 1, path: file, fileSize: 1, mtime: 1, orientation: 1, rotation: 0, width: null, height: null, ...extra } as ImageRecord;
}

describe('full-size source', () => {
  it('an embedded JPEG is full-size only against the sensor it came from (either way round)', () => {
    expect(isFullSize({ width: 6000, height: 4000 }, { width: 6036, height: 4020 })).toBe(true);
    expect(isFullSize({ width: 4000, height: 6000 }, { width: 6036, height: 4020 })).toBe(true);
    expect(isFullSize({ width: 1616, height: 1080 }, { width: 4928, height: 3280 })).toBe(false);
    expect(isFullSize({ width: 6000, height: 3375 }, { width: 6036, height: 4020 })).toBe(false);
  });

  it("a real NEF's embedded 6000×4000 JPEG is taken as full-size against LibRaw's 6036×4020 sensor, decoded upright", async () => {
    const nef = corpus('raw/nikon-d7100-truncated.nef');
    const plan = await planFullSize(subject(nef));
    expect(plan.kind).toBe('embedded');
    expect(plan).toMatchObject({ width: 6000, height: 4000 });
    if (plan.kind === 'embedded') expect(plan.sensor).toEqual({ width: 6036, height: 4020 });
    const src = await decodeFullSize(subject(nef), plan);
    expect([src.width, src.height, src.channels, src.pixels.length]).toEqual([6000, 4000, 3, 6000 * 4000 * 3]);
    expect(src.origin).toBe('embedded JPEG 6000×4000');
    // Turned by the user: a quarter turn makes it a portrait.
    const turned = await decodeFullSize(subject(nef, { rotation: 1 }), await planFullSize(subject(nef, { rotation: 1 })));
    expect([turned.width, turned.height]).toEqual([4000, 6000]);
  }, 120_000);

  it("a raw whose only preview is small (ARW 1616×1080 for a 4928×3280 sensor) is decoded in full by LibRaw, not half-size", async () => {
    const arw = corpus('raw/sony-slt-a55v-truncated.arw');
    const plan = await planFullSize(subject(arw, { fileSize: 1293760 }));
    expect(plan.kind).toBe('raw');
    expect(plan).toMatchObject({ width: 4928, height: 3280 });
  }, 60_000);

  it('a raw with no JPEG preview (Nikon D1 NEF) is decoded by LibRaw at full size, not half-size', async () => {
    const nef = corpus('raw/nikon-d1.nef');
    const subj = subject(nef, { fileSize: 4055474 });
    const plan = await planFullSize(subj);
    expect(plan.kind).toBe('raw');
    const src = await decodeFullSize(subj, plan);
    // LibRaw's full output for this sensor (half-size would be about 1000 px wide).
    expect(src.width).toBeGreaterThan(1900);
    expect([src.width, src.height]).toEqual([plan.width, plan.height]);
    expect(src.origin).toMatch(/^LibRaw full decode/);
  }, 120_000);

  it('a JPEG is decoded by sharp at its own size, EXIF orientation applied', async () => {
    const file = path.join(dir, 'portrait.jpg');
    await sharp({ create: { width: 300, height: 200, channels: 3, background: '#c33' } }).jpeg().withMetadata({ orientation: 6 }).toFile(file);
    const plan = await planFullSize(subject(file));
    expect(plan).toEqual({ kind: 'image', width: 200, height: 300 });
    const src = await decodeFullSize(subject(file), plan);
    expect([src.width, src.height]).toEqual([200, 300]);
  });

  it('a file that is no image fails with a clear cause', async () => {
    const bad = path.join(dir, 'bad.jpg');
    await import('node:fs/promises').then((fs) => fs.writeFile(bad, 'not a jpeg'));
    await expect(planFullSize(subject(bad))).rejects.toThrow(/not an image/);
  });
});

describe('the loupe source cache', () => {
  it('evicts by bytes, least recently used first, and keeps nothing bigger than its bound', async () => {
    const files: ImageRecord[] = [];
    for (let i = 0; i < 4; i++) {
      const file = path.join(dir, `src-${i}.png`);
      await sharp({ create: { width: 400, height: 300, channels: 3, background: { r: 40 * i, g: 80, b: 120 } } }).png().toFile(file);
      files.push(subject(file, { id: 10 + i }));
    }
    const one = 400 * 300 * 3;
    const sources = new FullSizeSources({ maxBytes: one * 2.5 });
    for (const f of files.slice(0, 3)) await sources.get(f);
    // Three decoded, two kept: the oldest went.
    expect(sources.stats()).toMatchObject({ entries: 2, bytes: one * 2 });
    expect(sources.has(files[0]!)).toBe(false);
    expect(sources.has(files[2]!)).toBe(true);
    // A kept one is a hit (the same pixels, no decode), and becomes the most recent.
    const again = await sources.get(files[1]!);
    expect(again).toBe(await sources.get(files[1]!));
    await sources.get(files[3]!);
    expect(sources.has(files[1]!)).toBe(true);
    expect(sources.has(files[2]!)).toBe(false);
    // A smaller share: only what fits stays.
    sources.setMaxBytes(one * 1.5);
    expect(sources.stats()).toMatchObject({ entries: 1, bytes: one, maxBytes: Math.floor(one * 1.5) });
    // A source bigger than the share is decoded for the caller and not kept.
    sources.setMaxBytes(one / 2);
    const big = await sources.get(files[0]!);
    expect(big.pixels.length).toBe(one);
    expect(sources.stats()).toMatchObject({ entries: 0, bytes: 0 });
  });

  it('for a RAW+JPEG pair the larger source is used (a small camera JPEG loses to the raw’s full-size preview)', async () => {
    const nef = corpus('raw/nikon-d7100-truncated.nef');
    const jpeg = path.join(dir, 'pair.jpg');
    await sharp({ create: { width: 1500, height: 1000, channels: 3, background: '#345' } }).jpeg().toFile(jpeg);
    const leader = subject(jpeg, { id: 20 });
    const raw = subject(nef, { id: 21 });
    const sources = new FullSizeSources({ maxBytes: 200 * 1024 * 1024, pairMembers: () => [leader, raw] });
    const src = await sources.get(leader);
    expect([src.width, src.height]).toEqual([6000, 4000]);
    expect(src.origin).toBe('embedded JPEG 6000×4000');
    // Alone, the JPEG is its own source.
    const alone = await new FullSizeSources({ maxBytes: 1e8 }).get(leader);
    expect([alone.width, alone.height]).toEqual([1500, 1000]);
  }, 120_000);
});

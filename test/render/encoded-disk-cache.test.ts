import { existsSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { EncodedDiskCache, encodedDirBeside } from '../../src/render/encoded-disk-cache.js';
import { createRenderer, type Renderer } from '../../src/render/renderer.js';
import { testCaps, type ImageInput, type TerminalCaps } from '../../src/render/index.js';
import { quadrantJpeg, tempDir } from './helpers.js';

const box = { cols: 12, rows: 5 };
const open: Renderer[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
});

/** A real renderer (the real encoder, no worker) whose encoder counts its calls. */
function countingRenderer(caps: TerminalCaps, diskCache: EncodedDiskCache): { renderer: Renderer; encodes: () => number } {
  const renderer = createRenderer(caps, { worker: false, diskCache });
  open.push(renderer);
  let n = 0;
  const encode = renderer.encoder.encode.bind(renderer.encoder);
  (renderer.encoder as { encode: typeof encode }).encode = (...args) => {
    n++;
    return encode(...args);
  };
  return { renderer, encodes: () => n };
}

async function input(key = 'a', width = 600): Promise<ImageInput> {
  const data = await quadrantJpeg(width, 400);
  return { key, data, width, height: 400 };
}

/** Files the store holds (not temp files). */
function entries(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((shard) => readdirSync(path.join(dir, shard)).filter((n) => n.endsWith('.pic')).map((n) => path.join(dir, shard, n)));
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

describe('encoded-picture disk cache', () => {
  it('a second session reads the sixel picture the first encoded, byte for byte, without encoding', async () => {
    const dir = path.join(tempDir(), 'mipmaps-x.pictures.d');
    const img = await input();
    const first = countingRenderer(testCaps('sixel'), new EncodedDiskCache({ dir }));
    const encoded = await first.renderer.render(img, box);
    expect(first.encodes()).toBe(1);
    await until(() => entries(dir).length === 1);
    const file = entries(dir)[0]!;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);

    // A new process's pipeline keys the same pixels differently (its serial): only the bytes count.
    const second = countingRenderer(testCaps('sixel'), new EncodedDiskCache({ dir }));
    const read = await second.renderer.render({ ...img, key: 'other-serial' }, box);
    expect(second.encodes()).toBe(0);
    expect(read.place).toBe(encoded.place);
    expect(read.key).toBe(`other-serial@${box.cols}x${box.rows}`);
    expect({ ...read, key: '' }).toEqual({ ...encoded, key: '' });
  });

  it('another box, other pixels or other encoder settings are encoded, not read', async () => {
    const dir = path.join(tempDir(), 'p.d');
    const img = await input();
    const base = countingRenderer(testCaps('sixel'), new EncodedDiskCache({ dir }));
    await base.renderer.render(img, box);
    await until(() => entries(dir).length === 1);
    const cases: [TerminalCaps, ImageInput, typeof box][] = [
      [testCaps('sixel'), img, { cols: 10, rows: 5 }],
      [testCaps('sixel'), await input('a', 500), box],
      [testCaps('sixel', { sixelColors: 16 }), img, box],
      [testCaps('sixel', { cellPx: { width: 9, height: 18 } }), img, box],
    ];
    for (const [caps, inp, b] of cases) {
      const r = countingRenderer(caps, new EncodedDiskCache({ dir }));
      await r.renderer.render(inp, b);
      expect(r.encodes()).toBe(1);
    }
    await until(() => entries(dir).length === 1 + cases.length);
  });

  it('a truncated or altered entry is discarded and encoded again, and the file is rewritten whole', async () => {
    const dir = path.join(tempDir(), 'p.d');
    const img = await input();
    const first = countingRenderer(testCaps('sixel'), new EncodedDiskCache({ dir }));
    const encoded = await first.renderer.render(img, box);
    await until(() => entries(dir).length === 1);
    const file = entries(dir)[0]!;
    const whole = await readFile(file);
    const damages: [string, () => void][] = [
      ['truncated', () => truncateSync(file, whole.length - 100)],
      ['a payload byte changed', () => writeFileSync(file, Buffer.concat([whole.subarray(0, -20), Buffer.from('x'), whole.subarray(-19)]))],
      ['not ours', () => writeFileSync(file, 'hello')],
      ['empty', () => writeFileSync(file, '')],
    ];
    for (const [, damage] of damages) {
      damage();
      const r = countingRenderer(testCaps('sixel'), new EncodedDiskCache({ dir }));
      const again = await r.renderer.render(img, box);
      expect(r.encodes()).toBe(1);
      expect(again.place).toBe(encoded.place);
      await until(() => existsSync(file) && statSync(file).size === whole.length);
      expect((await readFile(file)).equals(whole)).toBe(true);
    }
  });

  it('a kitty picture is read back under a new id outside the encoder\'s range, its PNG unchanged', async () => {
    const dir = path.join(tempDir(), 'p.d');
    const img = await input();
    const first = countingRenderer(testCaps('kitty'), new EncodedDiskCache({ dir }));
    const encoded = await first.renderer.render(img, box);
    await until(() => entries(dir).length === 1);
    const second = countingRenderer(testCaps('kitty'), new EncodedDiskCache({ dir }));
    const read = await second.renderer.render({ ...img, key: 'b' }, box);
    expect(second.encodes()).toBe(0);
    expect(read.imageId).toBeGreaterThan(0xffffff);
    expect(read.imageId).toBeLessThanOrEqual(0xffffffff);
    const old = encoded.imageId!;
    const id = read.imageId!;
    expect(read.transmit).toBe(encoded.transmit!.replace(`,i=${old},`, `,i=${id},`));
    expect(read.transmit).not.toContain(`i=${old},`);
    expect(read.place).toBe(encoded.place!.replace(`,i=${old},`, `,i=${id},`));
    expect(read.transmitPixels).toBe(encoded.transmitPixels);
    expect([read.cols, read.rows, read.offsetCol, read.offsetRow]).toEqual([encoded.cols, encoded.rows, encoded.offsetCol, encoded.offsetRow]);
    // Each read is a distinct picture in the terminal: another id again.
    const third = countingRenderer(testCaps('kitty'), new EncodedDiskCache({ dir }));
    expect((await third.renderer.render(img, box)).imageId).not.toBe(id);
  });

  it('kitty placeholders and half-block pictures are not stored (their text carries the id, or is the picture)', async () => {
    const dir = path.join(tempDir(), 'p.d');
    const img = await input();
    for (const caps of [testCaps('kitty', { kittyPlaceholders: true }), testCaps('blocks')]) {
      const r = countingRenderer(caps, new EncodedDiskCache({ dir }));
      await r.renderer.render(img, box);
      expect(r.encodes()).toBe(1);
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(entries(dir)).toEqual([]);
  });

  it('keeps the folder within its bound in bytes, dropping the least recently used first', async () => {
    const dir = path.join(tempDir(), 'p.d');
    const caps = testCaps('sixel');
    const one = await countingRenderer(caps, new EncodedDiskCache({ dir })).renderer.render(await input(), box);
    const size = Buffer.byteLength(one.place!) + 400;
    const store = new EncodedDiskCache({ dir: path.join(tempDir(), 'q.d'), maxBytes: size * 6 });
    const keys: string[] = [];
    for (let i = 0; i < 20; i++) {
      const data = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: i * 12, g: 100, b: 50 } } }).jpeg().toBuffer();
      const key = EncodedDiskCache.keyOf(data, box, 'test');
      keys.push(key);
      await store.write(key, { ...one, key });
      if (i === 0) await new Promise((r) => setTimeout(r, 20));
      // Entry 0 is read (used) after each write: it must survive as the most recently used.
      if (i > 0) expect(await store.read(keys[0]!, 'k')).toBeDefined();
      await store.sweep();
    }
    const files = entries(store.dir);
    const total = files.reduce((sum, f) => sum + statSync(f).size, 0);
    expect(total).toBeLessThanOrEqual(store.maxBytes);
    expect(files.length).toBeGreaterThan(2);
    expect(existsSync(store.filePath(keys[0]!))).toBe(true);
    expect(existsSync(store.filePath(keys[1]!))).toBe(false);
    expect(existsSync(store.filePath(keys[19]!))).toBe(true);
  });

  it('sweeps by itself after each quarter of its bound written: the folder stays near the bound', async () => {
    const one = await countingRenderer(testCaps('sixel'), new EncodedDiskCache({ dir: path.join(tempDir(), 'p.d') })).renderer.render(await input(), box);
    const size = Buffer.byteLength(one.place!) + 400;
    const store = new EncodedDiskCache({ dir: path.join(tempDir(), 'q.d'), maxBytes: size * 8 });
    for (let i = 0; i < 40; i++) {
      const key = EncodedDiskCache.keyOf(Buffer.from(String(i)), box, 'test');
      await store.write(key, { ...one, key });
      await store.settled();
    }
    const total = () => entries(store.dir).reduce((sum, f) => sum + statSync(f).size, 0);
    // At most a quarter of the bound written since the last sweep.
    expect(total()).toBeLessThanOrEqual(store.maxBytes * 1.25 + size);
    expect(entries(store.dir).length).toBeLessThan(40);
  });

  it('lives beside the mipmap disk cache folder', () => {
    expect(encodedDirBeside('/c/termtable/mipmaps-ab12.d')).toBe('/c/termtable/mipmaps-ab12.pictures.d');
  });
});

import sharp from 'sharp';
import { decode } from 'sixel';
import { describe, expect, it } from 'vitest';
import { createHalfBlockEncoder, halfBlockLines, rgbTo16, rgbTo256, xterm256ToRgb } from '../../src/render/encoders/half-block.js';
import { iterm2Sequence, createIterm2Encoder } from '../../src/render/encoders/iterm2.js';
import {
  createKittyEncoder,
  KITTY_CHUNK,
  KITTY_PLACEHOLDER,
  kittyTransmit,
  placeholderLines,
} from '../../src/render/encoders/kitty.js';
import { KITTY_DIACRITICS } from '../../src/render/encoders/kitty-diacritics.js';
import { createSixelEncoder } from '../../src/render/encoders/sixel.js';
import { fitImage } from '../../src/render/geometry.js';
import { colourDistance, quadrantJpeg, QUADRANTS } from './helpers.js';

const CELL = { width: 10, height: 20 };

describe('fitImage', () => {
  it('keeps the aspect ratio inside the box and centres it', () => {
    const f = fitImage(600, 400, { cols: 24, rows: 9 }, CELL);
    expect(f.widthPx / f.heightPx).toBeCloseTo(1.5, 1);
    expect(f.cols).toBeLessThanOrEqual(24);
    expect(f.rows).toBeLessThanOrEqual(9);
    expect(f.offsetCol * 2 + f.cols).toBeLessThanOrEqual(24);
  });

  it('clamps hostile header sizes to the box', () => {
    const f = fitImage(65536, 1, { cols: 10, rows: 5 }, CELL);
    expect(f.widthPx).toBeLessThanOrEqual(100);
    expect(f.heightPx).toBeGreaterThanOrEqual(1);
    const g = fitImage(Number.NaN, -5, { cols: 1e9, rows: -3 }, CELL);
    expect(g.cols).toBeGreaterThanOrEqual(1);
    expect(g.cols).toBeLessThanOrEqual(400);
    expect(g.rows).toBe(1);
  });
});

describe('kitty', () => {
  it('chunks base64 at ≤4096 with m=1 … m=0, q=2 on every chunk, t=d and the id on the first', () => {
    const data = Buffer.alloc(10_000, 7);
    const out = kittyTransmit(42, data);
    const cmds = out.split('\x1b\\').filter(Boolean);
    expect(cmds.length).toBe(Math.ceil(Buffer.from(data).toString('base64').length / KITTY_CHUNK));
    cmds.forEach((cmd, i) => {
      const [head, payload = ''] = cmd.slice(3).split(';');
      expect(cmd.startsWith('\x1b_G')).toBe(true);
      expect(payload.length).toBeLessThanOrEqual(KITTY_CHUNK);
      expect(head).toContain('q=2');
      expect(head).toContain(i === cmds.length - 1 ? 'm=0' : 'm=1');
      if (i === 0) expect(head).toMatch(/^a=t,t=d,f=100,i=42,q=2,m=1$/);
      else expect(head).toMatch(/^m=[01],q=2$/);
    });
    const joined = cmds.map((c) => c.split(';')[1]).join('');
    expect(Buffer.from(joined, 'base64').equals(data)).toBe(true);
  });

  it('direct: transmits a PNG of the fitted size once and places by id with C=1', async () => {
    const enc = createKittyEncoder({ cellPx: CELL, firstId: 500 });
    const jpeg = await quadrantJpeg();
    const img = await enc.encode({ key: 'q', data: jpeg, width: 600, height: 400 }, { cols: 24, rows: 9 });
    expect(img.imageId).toBe(500);
    expect(img.lines).toBeNull();
    expect(img.place).toBe(`\x1b_Ga=p,i=500,p=1,c=${img.cols},r=${img.rows},C=1,q=2\x1b\\`);
    const b64 = [...(img.transmit ?? '').matchAll(/;([A-Za-z0-9+/=]*)\x1b\\/g)].map((m) => m[1]).join('');
    const meta = await sharp(Buffer.from(b64, 'base64')).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width! / meta.height!).toBeCloseTo(1.5, 1);
  });

  it('placeholders: lines of U+10EEEE + row/column diacritics, id in a 24-bit foreground', async () => {
    const lines = placeholderLines(0x0a0b0c, 3, 2);
    expect(lines[0]).toBe(
      `\x1b[38;2;10;11;12m${[0, 1, 2]
        .map((c) => KITTY_PLACEHOLDER + String.fromCodePoint(KITTY_DIACRITICS[0]!) + String.fromCodePoint(KITTY_DIACRITICS[c]!))
        .join('')}\x1b[39m`,
    );
    expect(lines[1]).toContain(String.fromCodePoint(KITTY_DIACRITICS[1]!));
    const enc = createKittyEncoder({ cellPx: CELL, placeholders: true, firstId: 9 });
    const img = await enc.encode({ key: 'q', data: await quadrantJpeg(), width: 600, height: 400 }, { cols: 20, rows: 8 });
    expect(img.place).toBeNull();
    expect(img.lines).toHaveLength(8);
    expect(img.transmit).toContain(`a=p,U=1,i=9,c=${img.cols},r=${img.rows},q=2`);
    for (const line of img.lines!) {
      const visible = line.replace(/\x1b\[[\d;]*m/g, '');
      const cells = [...visible].filter((ch) => ch === KITTY_PLACEHOLDER || ch === ' ').length;
      expect(cells).toBe(20);
    }
  });
});

describe('iTerm2', () => {
  it('sends a resized JPEG with the cell size and aspect kept', async () => {
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);
    expect(iterm2Sequence(jpeg, 5, 3)).toBe(
      '\x1b]1337;File=inline=1;size=4;width=5;height=3;preserveAspectRatio=1;doNotMoveCursor=1:/9j/2Q==\x07',
    );
    const img = await createIterm2Encoder({ cellPx: CELL }).encode(
      { key: 'q', data: await quadrantJpeg(), width: 600, height: 400 },
      { cols: 24, rows: 9 },
    );
    const b64 = /:([A-Za-z0-9+/=]+)\x07$/.exec(img.place ?? '')?.[1] ?? '';
    const meta = await sharp(Buffer.from(b64, 'base64')).metadata();
    expect(meta.format).toBe('jpeg');
    expect(meta.width).toBeLessThanOrEqual(240);
  });
});

/** Mean colour of each quadrant of a decoded picture. */
function quadrantMeans(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, channels: number) {
  const sums = [0, 1, 2, 3].map(() => [0, 0, 0, 0]);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      // Stay clear of the borders between quadrants.
      const fx = x / width;
      const fy = y / height;
      if (Math.abs(fx - 0.5) < 0.1 || Math.abs(fy - 0.5) < 0.1) continue;
      const q = (fx < 0.5 ? 0 : 1) + (fy < 0.5 ? 0 : 2);
      const i = (y * width + x) * channels;
      const s = sums[q]!;
      s[0]! += rgba[i]!;
      s[1]! += rgba[i + 1]!;
      s[2]! += rgba[i + 2]!;
      s[3]! += 1;
    }
  }
  return sums.map((s) => [s[0]! / s[3]!, s[1]! / s[3]!, s[2]! / s[3]!]);
}

/** The data string of a DCS sixel: the package's decode() would read the introducer and ST as sixels. */
const sixelData = (dcs: string) => dcs.slice(dcs.indexOf('q') + 1, dcs.endsWith('\x1b\\') ? -2 : undefined);

describe('sixel', () => {
  it('encodes in a worker and decodes back to the photo colours (no Buffer scrambling)', async () => {
    const enc = createSixelEncoder({ cellPx: CELL });
    try {
      const img = await enc.encode({ key: 'q', data: await quadrantJpeg(), width: 600, height: 400 }, { cols: 24, rows: 9 });
      expect(img.place?.startsWith('\x1bP')).toBe(true);
      expect(img.place?.endsWith('\x1b\\')).toBe(true);
      const pic = decode(sixelData(img.place!));
      expect(pic.width).toBeLessThanOrEqual(240);
      expect(pic.height).toBeLessThanOrEqual(180);
      const means = quadrantMeans(pic.data8, pic.width, pic.height, 4);
      means.forEach((m, q) => expect(colourDistance(m, QUADRANTS[q]!)).toBeLessThan(30));
    } finally {
      await enc.close?.();
    }
  });

  it('keeps a smooth gradient close to the source, edges included', async () => {
    const w = 240;
    const h = 180;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><defs><linearGradient id="g" x2="1" y2="1">
      <stop offset="0" stop-color="#1a3a8a"/><stop offset="1" stop-color="#f08050"/></linearGradient></defs>
      <rect width="100%" height="100%" fill="url(#g)"/><circle cx="60" cy="50" r="25" fill="#f0f0ff"/></svg>`;
    const jpeg = await sharp(Buffer.from(svg)).jpeg({ quality: 95 }).toBuffer();
    const source = await sharp(jpeg).raw().toBuffer();
    const enc = createSixelEncoder({ cellPx: CELL, worker: false });
    const pic = decode(sixelData((await enc.encode({ key: 'g', data: jpeg, width: w, height: h }, { cols: 24, rows: 9 })).place!));
    expect([pic.width, pic.height]).toEqual([w, h]);
    // Per-pixel error against the source, and the same measure on the first and last columns,
    // where a dither that wraps from one row's end to the next row's start would show.
    let sum = 0;
    let edge = 0;
    let edgeCount = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let d = 0;
        for (let c = 0; c < 3; c++) d += Math.abs(pic.data8[(y * w + x) * 4 + c]! - source[(y * w + x) * 3 + c]!);
        sum += d / 3;
        if (x === 0 || x === w - 1) {
          edge += d / 3;
          edgeCount++;
        }
      }
    }
    expect(sum / (w * h)).toBeLessThan(4);
    expect(edge / edgeCount).toBeLessThan(6);
  });

  it('shrinks to the terminal maximum geometry', async () => {
    const enc = createSixelEncoder({ cellPx: CELL, maxPx: { width: 90, height: 40 }, worker: false });
    const img = await enc.encode({ key: 'q', data: await quadrantJpeg(), width: 600, height: 400 }, { cols: 40, rows: 20 });
    const pic = decode(sixelData(img.place!));
    expect(pic.width).toBeLessThanOrEqual(90);
    expect(pic.height).toBeLessThanOrEqual(42); // sixel bands are 6 px tall
  });

  it('a picture shrunk to the terminal maximum says the cells it covers, centred in the box', async () => {
    // xterm's 1000×1000 under a 1600×720 box: drawn 1000×450, i.e. 100×23 cells of 10×20 in the
    // middle; it said 160×36 from the corner, so the cells around it were never written again.
    const cell = { width: 10, height: 20 };
    const enc = createSixelEncoder({ cellPx: cell, maxPx: { width: 1000, height: 1000 }, worker: false });
    const data = await sharp({ create: { width: 1600, height: 720, channels: 3, background: '#808080' } }).png().toBuffer();
    const img = await enc.encode({ key: 'wide', data, width: 1600, height: 720 }, { cols: 160, rows: 36 });
    const pic = decode(sixelData(img.place!));
    expect(pic.width).toBe(1000);
    expect({ cols: img.cols, rows: img.rows }).toEqual({ cols: Math.ceil(pic.width / cell.width), rows: Math.ceil(450 / cell.height) });
    expect({ offsetCol: img.offsetCol, offsetRow: img.offsetRow }).toEqual({ offsetCol: (160 - img.cols) / 2, offsetRow: Math.floor((36 - img.rows) / 2) });
  });
});

/** Reads half-block lines back into pixels (upper = fg, lower = bg). */
function decodeHalfBlocks(lines: readonly string[]): { width: number; height: number; rgb: number[] } {
  const rows: number[][][] = [];
  for (const line of lines) {
    const upper: number[][] = [];
    const lower: number[][] = [];
    let fg = [0, 0, 0];
    let bg = [0, 0, 0];
    for (const m of line.matchAll(/\x1b\[([\d;]*)m|(▀)/g)) {
      if (m[2]) {
        upper.push(fg);
        lower.push(bg);
        continue;
      }
      const p = (m[1] ?? '').split(';').map(Number);
      for (let i = 0; i < p.length; i += 1) {
        if ((p[i] === 38 || p[i] === 48) && p[i + 1] === 2) {
          const c = [p[i + 2]!, p[i + 3]!, p[i + 4]!];
          if (p[i] === 38) fg = c;
          else bg = c;
          i += 4;
        } else if ((p[i] === 38 || p[i] === 48) && p[i + 1] === 5) {
          const c = xterm256ToRgb(p[i + 2]!);
          if (p[i] === 38) fg = c;
          else bg = c;
          i += 2;
        }
      }
    }
    if (upper.length) rows.push(upper, lower);
  }
  const width = rows[0]?.length ?? 0;
  return { width, height: rows.length, rgb: rows.flat(2) };
}

describe('half-blocks', () => {
  for (const truecolor of [true, false]) {
    it(`look like the photo (${truecolor ? '24-bit' : '256 colours'})`, async () => {
      const enc = createHalfBlockEncoder({ cellPx: CELL, truecolor });
      const img = await enc.encode({ key: 'q', data: await quadrantJpeg(), width: 600, height: 400 }, { cols: 30, rows: 12 });
      expect(img.lines).toHaveLength(12);
      const pic = decodeHalfBlocks(img.lines!);
      expect(pic.width).toBe(img.cols);
      expect(pic.width / pic.height).toBeCloseTo(1.5, 0);
      const means = quadrantMeans(Uint8Array.from(pic.rgb), pic.width, pic.height, 3);
      means.forEach((m, q) => expect(colourDistance(m, QUADRANTS[q]!)).toBeLessThan(truecolor ? 25 : 60));
      if (!truecolor) expect(img.lines!.join('')).not.toMatch(/[34]8;2;/);
    });
  }

  it('every line is exactly the box width, padding outside the picture', async () => {
    const enc = createHalfBlockEncoder({ cellPx: CELL, truecolor: true });
    const tall = await sharp({ create: { width: 100, height: 400, channels: 3, background: '#808080' } }).jpeg().toBuffer();
    const img = await enc.encode({ key: 't', data: tall, width: 100, height: 400 }, { cols: 30, rows: 10 });
    for (const line of img.lines!) expect([...line.replace(/\x1b\[[\d;]*m/g, '')].length).toBe(30);
  });

  it('maps to the xterm cube and grey ramp', () => {
    expect(rgbTo256(255, 0, 0)).toBe(196);
    expect(rgbTo256(0, 0, 0)).toBe(16);
    expect(rgbTo256(128, 128, 128)).toBe(244);
    expect(rgbTo256(95, 135, 175)).toBe(16 + 36 + 12 + 3);
    expect(halfBlockLines(Uint8Array.from([1, 2, 3]), 1, 1, 3, 24)[0]).toBe('\x1b[38;2;1;2;3;49m▀\x1b[0m');
  });

  it('follows the colour depth: 16 ANSI colours, or shades without colour', async () => {
    // Red over blue, then white over black.
    const px = Uint8Array.from([250, 10, 10, 255, 255, 255, 10, 10, 230, 0, 0, 0]);
    const [ansi] = halfBlockLines(px, 2, 2, 3, 4);
    expect(ansi).toBe('\x1b[91;44m▀\x1b[97;40m▀\x1b[0m');
    expect(rgbTo16(128, 128, 128)).toBe(8);
    expect(rgbTo16(0, 200, 0)).toBe(2);
    const [mono] = halfBlockLines(px, 2, 2, 3, 1);
    expect(mono).toBe('░▒');
    expect(mono).not.toContain('\x1b');

    // Through the encoder, a real picture: no 256-colour or 24-bit codes at depth 4.
    const photo = await sharp({ create: { width: 120, height: 80, channels: 3, background: '#3a7bd5' } }).jpeg().toBuffer();
    const img = await createHalfBlockEncoder({ cellPx: CELL, depth: 4 }).encode({ key: 'p', data: photo, width: 120, height: 80 }, { cols: 12, rows: 4 });
    const codes = img.lines!.join('').match(/\x1b\[[\d;]*m/g) ?? [];
    expect(codes.length).toBeGreaterThan(0);
    for (const c of codes) expect(c).not.toMatch(/[34]8;[25];/);
  });
});

import { describe, expect, it } from 'vitest';
import { testCaps } from '../../src/render/caps.js';
import { Painter } from '../../src/render/painter.js';
import { createRenderer } from '../../src/render/renderer.js';
import type { Placement, RenderedImage } from '../../src/render/types.js';
import { quadrantJpeg } from './helpers.js';

function fakeImage(over: Partial<RenderedImage>): RenderedImage {
  return {
    key: 'k',
    protocol: 'kitty',
    box: { cols: 10, rows: 5 },
    cols: 10,
    rows: 4,
    offsetCol: 0,
    offsetRow: 0,
    lines: null,
    imageId: 7,
    transmit: '\x1b_Ga=t,i=7;PIXELS\x1b\\',
    place: '\x1b_Ga=p,i=7,p=1,c=10,r=4,C=1,q=2\x1b\\',
    byteLength: 0,
    ...over,
  };
}

const at = (key: string, col: number, row: number, image: RenderedImage): Placement => ({
  key,
  rect: { col, row, cols: 10, rows: 5 },
  image,
});

describe('Painter (kitty)', () => {
  it('transmits once, re-places only what moved, deletes placements no longer wanted', () => {
    const p = new Painter({ protocol: 'kitty', passthrough: false });
    const a = fakeImage({ key: 'a', imageId: 7 });
    const b = fakeImage({ key: 'b', imageId: 8, transmit: '\x1b_Ga=t,i=8;PIXELS\x1b\\' });

    const first = p.frame([at('s1', 0, 0, a), at('s2', 12, 0, b)]);
    expect(first.before).toBe('');
    expect(first.after.match(/PIXELS/g)).toHaveLength(2);
    expect(first.after).toContain('\x1b7\x1b[1;1H\x1b_Ga=p,i=7,p=1,c=10,r=4,C=1,q=2\x1b\\\x1b8');
    expect(first.after).toContain('\x1b[1;13H\x1b_Ga=p,i=8,p=1');

    // Same frame again: nothing to send at all.
    expect(p.frame([at('s1', 0, 0, a), at('s2', 12, 0, b)])).toEqual({ before: '', after: '' });

    // Scroll: a moves, b leaves. Placement by id, no pixels; b's placement deleted (pixels kept).
    const third = p.frame([at('s1', 0, 6, a)]);
    expect(third.after).not.toContain('PIXELS');
    expect(third.after).toContain('\x1b[7;1H\x1b_Ga=p,i=7,p=1');
    expect(third.before).toBe('\x1b_Ga=d,d=i,i=8,p=1,q=2\x1b\\');

    // Back to the first page: b is placed again by id, still no pixels.
    const back = p.frame([at('s1', 0, 0, a), at('s2', 12, 0, b)]);
    expect(back.after).not.toContain('PIXELS');
    expect(back.after).toContain('i=8,p=1');
  });

  it('frees the least recently shown pixels beyond its budget, and everything at exit', () => {
    const p = new Painter({ protocol: 'kitty', passthrough: false }, { maxTransmitted: 2 });
    const imgs = [1, 2, 3].map((id) => fakeImage({ key: `i${id}`, imageId: id, transmit: `\x1b_Gi=${id};P\x1b\\` }));
    p.frame([at('a', 0, 0, imgs[0]!)]);
    p.frame([at('a', 0, 0, imgs[1]!)]);
    const third = p.frame([at('a', 0, 0, imgs[2]!)]);
    expect(third.before).toContain('a=d,d=I,i=1,q=2');
    // kitty 0.26.5 frees every unplaced image on d=I, so image 2 (not on screen) is counted gone
    // too and would be sent again: at exit only what is on screen is left to free.
    expect(p.frame([at('a', 0, 0, imgs[1]!)]).after).toContain('i=2;P');
    const exit = p.clearAll();
    expect(exit).toContain('a=d,d=I,i=2');
    expect(exit).toContain('a=d,d=A,q=2');
  });

  it('sends pictures ahead after the frame’s own, once, within the pixel budget; placing one later sends no pixels', () => {
    const p = new Painter({ protocol: 'kitty', passthrough: false }, { maxTransmittedBytes: 3 * 4 * 100 });
    const img = (id: number) => fakeImage({ key: `i${id}`, imageId: id, transmit: `\x1b_Gi=${id};P${id}\x1b\\`, transmitPixels: 100 });
    const shown = img(1);
    const first = p.frameUnits([at('main', 0, 0, shown)], { ahead: [img(2), img(3), img(4)] });
    expect(first.units.map((u) => [u.kind, u.imageId, u.ahead ?? false])).toEqual([
      ['transmit', 1, false],
      ['place', 1, false],
      ['transmit', 2, true],
      ['transmit', 3, true],
      // A fourth would free one kept (budget: three pictures of 100 pixels).
    ]);
    // Asked again: nothing more to send.
    expect(p.frameUnits([at('main', 0, 0, shown)], { ahead: [img(2), img(3)] }).units).toEqual([]);
    // Moving to a neighbour: a placement, no pixels.
    const next = p.frameUnits([at('main', 0, 0, img(2))], { ahead: [img(1), img(3)] });
    expect(next.units.map((u) => u.kind)).toEqual(['place']);
    // A neighbour's transfer the writer stopped is sent again when asked.
    p.abandon(first.units[3]!);
    expect(p.frameUnits([at('main', 0, 0, img(2))], { ahead: [img(3)] }).units.map((u) => [u.kind, u.imageId])).toEqual([['transmit', 3]]);
    // Other protocols keep nothing: no pictures ahead.
    const sixel = new Painter({ protocol: 'sixel', passthrough: false });
    expect(sixel.frameUnits([], { ahead: [img(5)] }).units).toEqual([]);
  });

  it('after invalidate() (Ink cleared the screen) sends pixels and placements again', () => {
    const p = new Painter({ protocol: 'kitty', passthrough: false });
    const a = fakeImage({});
    p.frame([at('s', 0, 0, a)]);
    p.invalidate();
    expect(p.frame([at('s', 0, 0, a)]).after).toContain('PIXELS');
  });

  it('placeholder images only get their pixels sent; the text is in the tree', () => {
    const p = new Painter({ protocol: 'kitty', passthrough: false });
    const img = fakeImage({ lines: ['x'], place: null, transmit: '\x1b_Ga=t,i=7;PIXELS\x1b\\\x1b_Ga=p,U=1,i=7\x1b\\' });
    const out = p.frame([at('s', 3, 3, img)]);
    expect(out.after).toBe(img.transmit);
    expect(p.frame([at('s', 3, 3, img)]).after).toBe('');
  });

  it('inside tmux wraps each positioned write in one passthrough at the pane offset', () => {
    const p = new Painter({ protocol: 'kitty', passthrough: true, paneOffset: { col: 40, row: 2 } });
    const out = p.frame([at('s', 1, 1, fakeImage({}))]).after;
    expect(out).toContain('\x1bPtmux;\x1b\x1b7\x1b\x1b[4;42H\x1b\x1b_Ga=p,i=7,p=1,c=10,r=4,C=1,q=2\x1b\x1b\\\x1b\x1b8\x1b\\');
  });
});

describe('Painter (sixel / iTerm2)', () => {
  it('repaints every frame and blanks rects no longer used, before the frame', () => {
    const p = new Painter({ protocol: 'sixel', passthrough: false });
    const img = fakeImage({ protocol: 'sixel', imageId: null, transmit: null, place: '\x1bPqSIXEL\x1b\\', offsetCol: 1, offsetRow: 1 });
    const f1 = p.frame([at('s', 5, 2, img)]);
    expect(f1.after).toBe('\x1b7\x1b[4;7H\x1bPqSIXEL\x1b\\\x1b8');
    expect(p.frame([at('s', 5, 2, img)]).after).toBe(f1.after);
    // Told what the frame overwrote: an untouched picture is not sent again.
    expect(p.frame([at('s', 5, 2, img)], { damaged: () => false }).after).toBe('');
    expect(p.frame([at('s', 5, 2, img)], { damaged: (r) => r.row <= 3 }).after).toBe(f1.after);
    const gone = p.frame([]);
    expect(gone.after).toBe('');
    expect(gone.before).toBe('\x1b7\x1b[4;7H\x1b[10X\x1b[5;7H\x1b[10X\x1b[6;7H\x1b[10X\x1b[7;7H\x1b[10X\x1b8');
  });
});

describe('createRenderer', () => {
  it('caches encodings per image and box, and merges concurrent requests', async () => {
    const r = createRenderer(testCaps('kitty'));
    const input = { key: 'q', data: await quadrantJpeg(), width: 600, height: 400 };
    const [a, b] = await Promise.all([r.render(input, { cols: 20, rows: 8 }), r.render(input, { cols: 20, rows: 8 })]);
    expect(a).toBe(b);
    expect(await r.render(input, { cols: 20, rows: 8 })).toBe(a);
    const other = await r.render(input, { cols: 10, rows: 4 });
    expect(other.imageId).not.toBe(a.imageId);
    await r.close();
  });
});

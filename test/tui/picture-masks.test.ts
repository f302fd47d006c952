import { describe, expect, it } from 'vitest';
import type { Placement, RenderedImage } from '../../src/render/types.js';
import { blankBeneath, pictureMasks } from '../../src/tui/screen/picture-masks.js';

const BOX = { col: 0, row: 1, cols: 140, rows: 29 };

/** A sixel picture of cols×rows cells centred in the preview's box, as the encoders make them. */
function picture(key: string, cols: number, rows: number): Placement {
  const image: RenderedImage = {
    key,
    protocol: 'sixel',
    box: { cols: BOX.cols, rows: BOX.rows },
    cols,
    rows,
    offsetCol: Math.floor((BOX.cols - cols) / 2),
    offsetRow: Math.floor((BOX.rows - rows) / 2),
    lines: null,
    imageId: null,
    transmit: null,
    place: '\x1bPq\x1b\\',
    byteLength: 6,
  };
  return { key: 'main:7', rect: BOX, image };
}

describe('pictureMasks', () => {
  it('owns only the cells the picture covers, not the whole box', () => {
    const { masks, rewrite } = pictureMasks(new Map(), [picture('fit', 92, 29)]);
    expect(masks.get('main:7')!.rect).toEqual({ col: 24, row: 1, cols: 92, rows: 29 });
    expect(rewrite).toEqual([]);
  });

  it('zoomed out in the same slot: the loupe picture’s cells are written again, so text wipes what the fit picture leaves', () => {
    const zoomed = pictureMasks(new Map(), [picture('crop@140x29', 140, 29)]);
    const fit = pictureMasks(zoomed.masks, [picture('fit@140x29', 92, 29)]);
    expect(fit.rewrite).toEqual([{ col: 0, row: 1, cols: 140, rows: 29 }]);
    expect(fit.masks.get('main:7')!.rect).toEqual({ col: 24, row: 1, cols: 92, rows: 29 });
  });

  it('rotated (same slot, a portrait picture of the landscape one): the landscape’s cells are written again', () => {
    const landscape = pictureMasks(new Map(), [picture('a', 92, 29)]);
    const portrait = pictureMasks(landscape.masks, [picture('a rot 90', 41, 29)]);
    expect(portrait.rewrite).toEqual([{ col: 24, row: 1, cols: 92, rows: 29 }]);
  });

  it('the same picture again asks for nothing; one that left asks for its cells', () => {
    const once = pictureMasks(new Map(), [picture('a', 92, 29)]);
    expect(pictureMasks(once.masks, [picture('a', 92, 29)]).rewrite).toEqual([]);
    expect(pictureMasks(once.masks, []).rewrite).toEqual([{ col: 24, row: 1, cols: 92, rows: 29 }]);
  });

  it('half-block text covers the box’s width, one row per line', () => {
    const p = picture('blocks', 92, 29);
    const lines = Array.from({ length: 10 }, () => ' '.repeat(140));
    const { masks } = pictureMasks(new Map(), [{ ...p, image: { ...p.image, protocol: 'blocks', lines, place: null } }]);
    expect(masks.get('main:7')!.rect).toEqual({ col: 0, row: 1, cols: 140, rows: 10 });
  });
});

describe('blankBeneath', () => {
  const unit = (rect: { col: number; row: number; cols: number; rows: number }, imageId: number | null = null) => ({
    slot: 'main:7',
    kind: 'place' as const,
    rect,
    imageKey: 'k',
    imageId,
    chunks: ['\x1b7\x1b[2;25H\x1bPq…', '…\x1b\\\x1b8'],
    abort: '',
  });

  it('a picture drawn over wiped cells first blanks its last column and row (ECH), so no sliver of the old one stays at its edge', () => {
    const u = unit({ col: 49, row: 1, cols: 41, rows: 3 });
    const left = blankBeneath([u], [{ col: 0, row: 1, cols: 140, rows: 29 }]);
    const lastColumn = '\x1b[2;90H\x1b[1X\x1b[3;90H\x1b[1X\x1b[4;90H\x1b[1X';
    const lastRow = '\x1b[4;50H\x1b[41X';
    expect(u.chunks[0]).toBe(`\x1b7${lastColumn}${lastRow}\x1b8\x1b7\x1b[2;25H\x1bPq…`);
    expect(u.chunks[1]).toBe('…\x1b\\\x1b8');
    expect(left).toEqual([]);
  });

  it('leaves pictures over untouched cells and kitty placements alone, and keeps wiped cells no picture was drawn over yet', () => {
    const elsewhere = unit({ col: 0, row: 31, cols: 10, rows: 5 });
    const kitty = unit({ col: 0, row: 1, cols: 10, rows: 5 }, 3);
    const wiped = [{ col: 0, row: 1, cols: 140, rows: 29 }];
    expect(blankBeneath([elsewhere, kitty], wiped)).toEqual(wiped);
    expect(elsewhere.chunks[0]).toBe('\x1b7\x1b[2;25H\x1bPq…');
    expect(kitty.chunks[0]).toBe('\x1b7\x1b[2;25H\x1bPq…');
  });
});

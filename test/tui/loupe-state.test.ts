import { describe, expect, it } from 'vitest';
import {
  clampCentre,
  cropPlan,
  fitScale,
  LOUPE_FIT,
  loupeStatus,
  pan,
  PAN_STEP,
  PAN_STEP_FAST,
  stepZoom,
  toggleZoom,
  type LoupeGeometry,
  type LoupeState,
} from '../../src/tui/state/loupe.js';

// A 24 MP frame in a 100×30-cell box of 9×18-pixel cells (900×540 px).
const g: LoupeGeometry = { image: { width: 6000, height: 4000 }, box: { cols: 100, rows: 30 }, cellPx: { width: 9, height: 18 } };

describe('loupe zoom levels', () => {
  it('z toggles fit ↔ 100 % on the centre, and back to fit', () => {
    const z = toggleZoom(LOUPE_FIT, g);
    expect(z).toEqual({ zoom: 1, cx: 0.5, cy: 0.5 });
    expect(toggleZoom(z, g)).toEqual(LOUPE_FIT);
  });

  it('+ steps fit → 50 % → 100 % → 200 % and stops; - steps back to fit', () => {
    const seen: LoupeState['zoom'][] = [];
    let s: LoupeState = LOUPE_FIT;
    for (let i = 0; i < 5; i++) seen.push((s = stepZoom(s, 1, g)).zoom);
    expect(seen).toEqual([0.5, 1, 2, 2, 2]);
    const back: LoupeState['zoom'][] = [];
    for (let i = 0; i < 4; i++) back.push((s = stepZoom(s, -1, g)).zoom);
    expect(back).toEqual([1, 0.5, 'fit', 'fit']);
  });

  it('passes over steps no larger than fit (50 % of a small image would be smaller than fit)', () => {
    const small: LoupeGeometry = { ...g, image: { width: 1000, height: 600 } };
    expect(fitScale(small)).toBeCloseTo(0.9);
    expect(stepZoom(LOUPE_FIT, 1, small).zoom).toBe(1);
    expect(stepZoom({ zoom: 1, cx: 0.5, cy: 0.5 }, -1, small).zoom).toBe('fit');
  });
});

describe('loupe crop rectangle', () => {
  it('at 100 % one image pixel per terminal pixel: the crop is the box in pixels, centred', () => {
    const p = cropPlan({ zoom: 1, cx: 0.5, cy: 0.5 }, g);
    expect(p).toMatchObject({ left: 2550, top: 1730, width: 900, height: 540, outWidth: 900, outHeight: 540, boxWidth: 900, boxHeight: 540, offsetX: 0, offsetY: 0 });
  });

  it('at 50 % twice the box is cut and halved; at 200 % half the box is cut and doubled', () => {
    expect(cropPlan({ zoom: 0.5, cx: 0.5, cy: 0.5 }, g)).toMatchObject({ width: 1800, height: 1080, outWidth: 900, outHeight: 540 });
    expect(cropPlan({ zoom: 2, cx: 0.5, cy: 0.5 }, g)).toMatchObject({ width: 450, height: 270, outWidth: 900, outHeight: 540 });
  });

  it('an image smaller than the box at this zoom is shown whole and letterboxed, never scaled past the zoom', () => {
    const small: LoupeGeometry = { ...g, image: { width: 600, height: 400 } };
    expect(cropPlan({ zoom: 1, cx: 0.5, cy: 0.5 }, small)).toMatchObject({ left: 0, top: 0, width: 600, height: 400, outWidth: 600, outHeight: 400, offsetX: 150, offsetY: 70 });
  });
});

describe('loupe pan and its limits', () => {
  it('a pan moves by a fifth of the view, Shift by four fifths', () => {
    const s = { zoom: 1 as const, cx: 0.5, cy: 0.5 };
    expect(cropPlan(pan(s, 'right', false, g), g).left - cropPlan(s, g).left).toBe(900 * PAN_STEP);
    expect(cropPlan(pan(s, 'down', true, g), g).top - cropPlan(s, g).top).toBe(Math.round(540 * PAN_STEP_FAST));
  });

  it('stops at every edge: the crop never leaves the image', () => {
    let s: LoupeState = { zoom: 1, cx: 0.5, cy: 0.5 };
    for (let i = 0; i < 100; i++) s = pan(s, 'left', true, g);
    expect(cropPlan(s, g).left).toBe(0);
    expect(pan(s, 'left', false, g)).toEqual(s);
    for (let i = 0; i < 100; i++) s = pan(pan(s, 'right', true, g), 'down', true, g);
    const p = cropPlan(s, g);
    expect(p.left + p.width).toBe(6000);
    expect(p.top + p.height).toBe(4000);
    expect(pan(s, 'right', false, g)).toEqual(s);
  });

  it('zooming out keeps the view inside the image (the centre is pulled in)', () => {
    const edge = clampCentre({ zoom: 2, cx: 1, cy: 1 }, g);
    const out = stepZoom(edge, -1, g);
    const p = cropPlan(out, g);
    expect(p.left + p.width).toBeLessThanOrEqual(6000);
    expect(p.top + p.height).toBeLessThanOrEqual(4000);
  });

  it('the status names the zoom and the visible part', () => {
    expect(loupeStatus(LOUPE_FIT, g)).toBeNull();
    expect(loupeStatus({ zoom: 1, cx: 0.5, cy: 0.5 }, g)).toBe('100 % · centre');
    expect(loupeStatus({ zoom: 1, cx: 0, cy: 0 }, g)).toBe('100 % · top left');
    expect(loupeStatus({ zoom: 2, cx: 1, cy: 0.5 }, g)).toBe('200 % · right');
    expect(loupeStatus({ zoom: 0.5, cx: 0.5, cy: 1 }, g)).toBe('50 % · bottom');
    expect(loupeStatus({ zoom: 1, cx: 0.5, cy: 0.5 }, { ...g, image: { width: 600, height: 400 } })).toBe('100 % · whole image');
  });
});

describe('loupe keys', () => {
  it('zoomed, arrows and hjkl pan (Shift / capitals fast) and Esc returns to fit; not zoomed they keep their meaning', async () => {
    const { matchAction } = await import('../../src/tui/keymap.js');
    const { parseKeys } = await import('../../src/tui/parse-key.js');
    const key = (data: string) => parseKeys(data)[0]!;
    expect(matchAction(key('z'), 'preview')).toBe('loupe.toggle');
    expect(matchAction(key('+'), 'culling')).toBe('loupe.zoomIn');
    expect(matchAction(key('-'), 'preview')).toBe('loupe.zoomOut');
    expect(matchAction(key('z'), 'grid')).toBeUndefined();
    for (const zoomed of [false, true]) {
      const m = (d: string, mode: 'preview' | 'culling' = 'preview') => matchAction(key(d), mode, undefined, zoomed);
      expect(m('\x1b[C')).toBe(zoomed ? 'loupe.pan.right' : 'grid.right');
      expect(m('h')).toBe(zoomed ? 'loupe.pan.left' : 'grid.left');
      expect(m('\x1b[1;2A')).toBe(zoomed ? 'loupe.panFast.up' : 'grid.up');
      expect(m('J', 'culling')).toBe(zoomed ? 'loupe.panFast.down' : undefined);
      expect(m('\x1b')).toBe(zoomed ? 'loupe.fit' : 'view.back');
      expect(m('\x1b', 'culling')).toBe(zoomed ? 'loupe.fit' : 'view.back');
      // Culling keys and paging work zoomed too.
      expect(m('3')).toBe('image.rate.3');
      expect(m('\x1b[6~')).toBe('grid.pageDown');
    }
  });
});

describe('loupe in a terminal with a picture size limit', () => {
  it("xterm's 1000×1000 sixel limit: the box is scaled down to it (aspect kept) and the crop still maps one pixel to one pixel", () => {
    const wide: LoupeGeometry = { ...g, box: { cols: 200, rows: 40 }, maxPx: { width: 1000, height: 1000 } };
    const p = cropPlan({ zoom: 1, cx: 0.5, cy: 0.5 }, wide);
    // 1800×720 px of box → 1000×400.
    expect(p).toMatchObject({ boxWidth: 1000, boxHeight: 400, width: 1000, height: 400, outWidth: 1000, outHeight: 400 });
  });
});

describe('loupe keys: moving on while zoomed', () => {
  it('tab / Shift+tab go to the next / previous image (the culling focus) while the arrows pan', async () => {
    const { matchAction } = await import('../../src/tui/keymap.js');
    const { parseKeys } = await import('../../src/tui/parse-key.js');
    const key = (data: string) => parseKeys(data)[0]!;
    expect(matchAction(key('\t'), 'culling', undefined, true)).toBe('grid.right');
    expect(matchAction(key('\x1b[Z'), 'culling', undefined, true)).toBe('grid.left');
    expect(matchAction(key('\t'), 'preview', undefined, true)).toBe('grid.right');
    expect(matchAction(key('\t'), 'preview', undefined, false)).toBeUndefined();
  });
});

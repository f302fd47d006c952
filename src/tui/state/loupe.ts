/**
 * The loupe's pure logic: zoom levels, the centre of the view and its limits, the crop of the
 * full-size source a view needs, and the status text. No I/O: the store's loupe effects
 * (src/tui/store/loupe.ts) feed it the image and box sizes and run what it computes.
 *
 * Geometry: the centre is relative (0-1) to the upright image, so one loupe state points at
 * the same detail of every image of the culling view whatever their sizes. At zoom `s` one
 * image pixel covers `s` terminal pixels (100 %: one image pixel per terminal pixel, from the
 * cell size in pixels detected at start-up).
 */
import type { CellBox, CellPx } from '../../render/types.js';

export const ZOOM_STEPS = ['fit', 0.5, 1, 2] as const;
export type Zoom = (typeof ZOOM_STEPS)[number];

export interface LoupeState {
  zoom: Zoom;
  /** Centre of the view, relative to the upright image (0-1). */
  cx: number;
  cy: number;
  /**
   * Where `z` opened the view, while not panned since: the camera's AF point or the sharpest
   * tile of image `id` (the status bar names it instead of the part of the image).
   */
  anchor?: LoupeAnchor;
}

export interface LoupeAnchor {
  id: number;
  label: 'focus point' | 'sharpest';
}

/** A point `z` may open at, as the library records it (fractions 0-1 of the upright image). */
export interface LoupeTarget {
  id: number;
  focusPoint?: { x: number; y: number } | null;
  sharpestAt?: { x: number; y: number } | null;
}

export const LOUPE_FIT: LoupeState = { zoom: 'fit', cx: 0.5, cy: 0.5 };

export interface Size {
  width: number;
  height: number;
}

/** What a view's crop depends on: the source's size, the box in cells, the cell size in pixels. */
export interface LoupeGeometry {
  image: Size;
  box: CellBox;
  cellPx: CellPx;
  /**
   * The largest picture the terminal draws (xterm's sixel limit, 1000×1000 by default): a box
   * bigger than that is scaled down to it, aspect kept, so 100 % stays one pixel per pixel.
   */
  maxPx?: Size | null;
}

export type PanDirection = 'up' | 'down' | 'left' | 'right';

/** A pan moves the view by this share of what is visible (Shift / capitals: the fast one). */
export const PAN_STEP = 0.2;
export const PAN_STEP_FAST = 0.8;

/** The part of the source a view shows and where it goes in the box (all in pixels). */
export interface CropPlan {
  /** The rectangle of the upright source. */
  left: number;
  top: number;
  width: number;
  height: number;
  /** Its size once scaled by the zoom (≤ the box). */
  outWidth: number;
  outHeight: number;
  /** The box in pixels; the crop is centred in it (a small image at 100 % is letterboxed). */
  boxWidth: number;
  boxHeight: number;
  offsetX: number;
  offsetY: number;
}

export function isZoomed(s: LoupeState): boolean {
  return s.zoom !== 'fit';
}

export function boxPx(box: CellBox, cellPx: CellPx, maxPx?: Size | null): Size {
  const width = Math.max(1, box.cols * cellPx.width);
  const height = Math.max(1, box.rows * cellPx.height);
  // As the sixel encoder scales a picture that is too big: the box's aspect kept, floored.
  const s = maxPx && maxPx.width > 0 && maxPx.height > 0 ? Math.min(1, maxPx.width / width, maxPx.height / height) : 1;
  return s < 1 ? { width: Math.max(1, Math.floor(width * s)), height: Math.max(1, Math.floor(height * s)) } : { width, height };
}

/** The scale at which the whole image fits the box. */
export function fitScale(g: LoupeGeometry): number {
  const b = boxPx(g.box, g.cellPx, g.maxPx);
  return Math.min(b.width / Math.max(1, g.image.width), b.height / Math.max(1, g.image.height));
}

/** Image pixels visible each way at a zoom (never more than the image). */
function visible(g: LoupeGeometry, zoom: number): Size {
  const b = boxPx(g.box, g.cellPx, g.maxPx);
  return { width: Math.min(g.image.width, b.width / zoom), height: Math.min(g.image.height, b.height / zoom) };
}

/** The centre kept where the view stays inside the image (the pan limits). */
export function clampCentre(s: LoupeState, g: LoupeGeometry | null): LoupeState {
  if (s.zoom === 'fit' || !g) return { ...s, cx: clamp01(s.cx), cy: clamp01(s.cy) };
  const v = visible(g, s.zoom);
  const hx = v.width / 2 / g.image.width;
  const hy = v.height / 2 / g.image.height;
  return { ...s, cx: clamp(s.cx, hx, 1 - hx), cy: clamp(s.cy, hy, 1 - hy) };
}

/**
 * `z`: fit ↔ 100 %, at the camera's AF point where the file records one, else at the sharpest
 * tile (the subject, where a burst's frame is in focus), else at the centre.
 */
export function toggleZoom(s: LoupeState, g: LoupeGeometry | null, target?: LoupeTarget): LoupeState {
  if (s.zoom !== 'fit') return LOUPE_FIT;
  const at = target?.focusPoint ?? target?.sharpestAt;
  if (!target || !at || !Number.isFinite(at.x) || !Number.isFinite(at.y)) return clampCentre({ zoom: 1, cx: 0.5, cy: 0.5 }, g);
  const label = target.focusPoint ? 'focus point' : 'sharpest';
  return clampCentre({ zoom: 1, cx: at.x, cy: at.y, anchor: { id: target.id, label } }, g);
}

/**
 * `+` / `-`: the next step of fit, 50 %, 100 %, 200 %. Steps no larger than fit are passed
 * over (50 % of a small image would be smaller than fit); the centre is kept.
 */
export function stepZoom(s: LoupeState, dir: 1 | -1, g: LoupeGeometry | null): LoupeState {
  const fit = g ? fitScale(g) : 0;
  const usable = ZOOM_STEPS.filter((z) => z === 'fit' || z > fit);
  let i = usable.indexOf(s.zoom);
  if (i < 0) i = dir > 0 ? 0 : usable.length;
  const next = usable[Math.max(0, Math.min(usable.length - 1, i + dir))]!;
  if (next === 'fit') return LOUPE_FIT;
  return clampCentre({ ...s, zoom: next }, g);
}

/** Arrows / hjkl while zoomed; stops at the image's edges. */
export function pan(s: LoupeState, dir: PanDirection, fast: boolean, g: LoupeGeometry | null): LoupeState {
  if (s.zoom === 'fit' || !g) return s;
  const v = visible(g, s.zoom);
  const step = fast ? PAN_STEP_FAST : PAN_STEP;
  const dx = dir === 'left' ? -1 : dir === 'right' ? 1 : 0;
  const dy = dir === 'up' ? -1 : dir === 'down' ? 1 : 0;
  const { anchor: _moved, ...rest } = s;
  return clampCentre({ ...rest, cx: s.cx + (dx * step * v.width) / g.image.width, cy: s.cy + (dy * step * v.height) / g.image.height }, g);
}

/** The crop a zoomed view needs from a source of `g.image` size. Integers, inside the image. */
export function cropPlan(s: LoupeState, g: LoupeGeometry): CropPlan {
  const zoom = s.zoom === 'fit' ? fitScale(g) : s.zoom;
  const b = boxPx(g.box, g.cellPx, g.maxPx);
  const W = Math.max(1, Math.round(g.image.width));
  const H = Math.max(1, Math.round(g.image.height));
  const width = Math.max(1, Math.min(W, Math.floor(b.width / zoom)));
  const height = Math.max(1, Math.min(H, Math.floor(b.height / zoom)));
  const c = clampCentre(s, g);
  const left = clamp(Math.round(c.cx * W - width / 2), 0, W - width);
  const top = clamp(Math.round(c.cy * H - height / 2), 0, H - height);
  const outWidth = Math.max(1, Math.min(b.width, Math.round(width * zoom)));
  const outHeight = Math.max(1, Math.min(b.height, Math.round(height * zoom)));
  return {
    left,
    top,
    width,
    height,
    outWidth,
    outHeight,
    boxWidth: b.width,
    boxHeight: b.height,
    offsetX: Math.floor((b.width - outWidth) / 2),
    offsetY: Math.floor((b.height - outHeight) / 2),
  };
}

/** "100 %", "50 %", "200 %". */
export function zoomLabel(zoom: Zoom): string {
  return zoom === 'fit' ? 'fit' : `${Math.round(zoom * 100)} %`;
}

/**
 * Which part of the image a crop shows, in thirds each way: "centre", "top left", "bottom",
 * "right"…; "whole image" when all of it is visible.
 */
export function visiblePart(plan: CropPlan, image: Size): string {
  const third = (start: number, len: number, total: number, lo: string, hi: string): string => {
    if (len >= total) return '';
    const mid = (start + len / 2) / total;
    return mid < 1 / 3 ? lo : mid > 2 / 3 ? hi : '';
  };
  if (plan.width >= image.width && plan.height >= image.height) return 'whole image';
  const v = third(plan.top, plan.height, image.height, 'top', 'bottom');
  const h = third(plan.left, plan.width, image.width, 'left', 'right');
  return v && h ? `${v} ${h}` : v || h || 'centre';
}

/** The status bar's loupe text: `100 % · centre` (`100 % · focus point` at an anchor), or null when not zoomed. */
export function loupeStatus(s: LoupeState, g: LoupeGeometry | null): string | null {
  if (s.zoom === 'fit') return null;
  if (!g) return `${zoomLabel(s.zoom)} · loading full size…`;
  return `${zoomLabel(s.zoom)} · ${s.anchor?.label ?? visiblePart(cropPlan(s, g), g.image)}`;
}

function clamp(n: number, lo: number, hi: number): number {
  if (hi < lo) return (lo + hi) / 2;
  return Math.max(lo, Math.min(hi, n));
}

function clamp01(n: number): number {
  return clamp(Number.isFinite(n) ? n : 0.5, 0, 1);
}

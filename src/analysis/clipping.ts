/**
 * The clipping indicator of FastRawViewer and darktable: pixels at or above a highlight
 * threshold painted in one colour, pixels at or below a shadow threshold in another, so blown
 * skies and blocked shadows stand out. A pure transform of 8-bit pixels, in place; the caller
 * bakes the result into the picture it encodes, so every protocol (kitty, sixel, iTerm2,
 * half-blocks) shows it.
 */

export type Rgb = readonly [number, number, number];

export interface ClippingOptions {
  /** A pixel any of whose colour channels is at least this is a clipped highlight. @default 250 */
  highlight?: number;
  /** A pixel all of whose colour channels are at most this is a clipped shadow. @default 5 */
  shadow?: number;
  /** Colour of clipped highlights (darktable's over-exposure red). @default [255, 0, 0] */
  highlightColor?: Rgb;
  /** Colour of clipped shadows (darktable's under-exposure blue). @default [0, 0, 255] */
  shadowColor?: Rgb;
}

export interface ClippingCounts {
  highlights: number;
  shadows: number;
}

export const DEFAULT_CLIPPING = { highlight: 250, shadow: 5, highlightColor: [255, 0, 0] as Rgb, shadowColor: [0, 0, 255] as Rgb };

/**
 * Paints the clipped pixels of interleaved 8-bit pixels (`channels` 3 or 4; alpha is left as
 * it is) and counts them. A highlight is judged on any channel, as darktable's "any RGB
 * channel" mode does: one blown channel has already lost the colour there. A shadow needs
 * every channel that low, since a dark but saturated colour still holds detail.
 */
export function markClipping(pixels: Uint8Array, channels: number, options: ClippingOptions = {}): ClippingCounts {
  if (channels !== 3 && channels !== 4) throw new Error(`markClipping: ${channels} channels (3 or 4 expected)`);
  const hi = options.highlight ?? DEFAULT_CLIPPING.highlight;
  const lo = options.shadow ?? DEFAULT_CLIPPING.shadow;
  if (!(lo < hi)) throw new Error(`markClipping: shadow threshold ${lo} must be below highlight threshold ${hi}`);
  const [hr, hg, hb] = options.highlightColor ?? DEFAULT_CLIPPING.highlightColor;
  const [sr, sg, sb] = options.shadowColor ?? DEFAULT_CLIPPING.shadowColor;
  let highlights = 0;
  let shadows = 0;
  const end = pixels.length - (pixels.length % channels);
  for (let i = 0; i < end; i += channels) {
    const r = pixels[i]!;
    const g = pixels[i + 1]!;
    const b = pixels[i + 2]!;
    if (r >= hi || g >= hi || b >= hi) {
      pixels[i] = hr;
      pixels[i + 1] = hg;
      pixels[i + 2] = hb;
      highlights++;
    } else if (r <= lo && g <= lo && b <= lo) {
      pixels[i] = sr;
      pixels[i + 1] = sg;
      pixels[i + 2] = sb;
      shadows++;
    }
  }
  return { highlights, shadows };
}

/**
 * What the pixels of one image say about focus and likeness (issue 13), computed from the
 * buffer its thumbnails are made from. Pure data: src/db stores it, src/cache produces it.
 */
export interface ImageAnalysis {
  /** The focus score: RMS of the Laplacian in the sharpest tile, see sharpness.ts. Higher is sharper. */
  sharpness: number;
  /** RMS of the Laplacian over the whole image (same scale): low beside a high `sharpness` means a sharp subject on a soft background. */
  sharpnessGlobal: number;
  /** Centre of the sharpest tile, fractions 0-1 of the upright image's width and height. */
  sharpestAt: { x: number; y: number };
  /** 64-bit difference hash (dhash.ts), 16 hex digits. */
  dhash: string;
}

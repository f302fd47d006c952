import sharp from '../../util/sharp.js';
import type { FullSizeSource } from '../../cache/full-size.js';
import type { CropPlan } from '../state/loupe.js';

/** RGB pixels of one view's crop, at the size they are shown. */
export interface CropPixels {
  data: Buffer;
  width: number;
  height: number;
  channels: 3;
}

/**
 * A step between the crop and the encode (an exposure clipping overlay, a focus peaking mask):
 * it gets the crop's pixels at display size and returns pixels of the same size.
 */
export type PixelTransform = (pixels: CropPixels, context: { plan: CropPlan; source: FullSizeSource }) => CropPixels | Promise<CropPixels>;

/** The box around a crop smaller than the box (a small image at 100 %): the terminal's black, near enough. */
const LETTERBOX = { r: 16, g: 16, b: 16 };

/**
 * Cuts a view out of a full-size source and scales it by the zoom (nearest neighbour above
 * 100 %, so single pixels stay sharp-edged as in darktable's 200 %; Lanczos below), runs the
 * optional transform, and returns a lossless PNG of exactly the box's pixels: the renderer
 * then has nothing to scale, and only the box's pixels are ever sent to the terminal.
 */
export async function renderCrop(source: FullSizeSource, plan: CropPlan, transform?: PixelTransform): Promise<{ png: Buffer; width: number; height: number }> {
  const raw = { width: source.width, height: source.height, channels: source.channels };
  let img = sharp(source.pixels, { raw }).extract({ left: plan.left, top: plan.top, width: plan.width, height: plan.height });
  if (plan.outWidth !== plan.width || plan.outHeight !== plan.height) {
    const kernel = plan.outWidth > plan.width ? 'nearest' : 'lanczos3';
    img = img.resize(plan.outWidth, plan.outHeight, { fit: 'fill', kernel });
  }
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  let pixels: CropPixels = { data, width: info.width, height: info.height, channels: 3 };
  if (transform) {
    pixels = await transform(pixels, { plan, source });
    if (pixels.width !== info.width || pixels.height !== info.height || pixels.data.length !== info.width * info.height * 3) {
      throw new Error('loupe pixel transform changed the crop size');
    }
  }
  const png = await sharp(pixels.data, { raw: { width: pixels.width, height: pixels.height, channels: 3 } })
    .extend({
      top: plan.offsetY,
      left: plan.offsetX,
      bottom: plan.boxHeight - plan.outHeight - plan.offsetY,
      right: plan.boxWidth - plan.outWidth - plan.offsetX,
      background: LETTERBOX,
    })
    // Level 1: a box of a few MP compresses in milliseconds, and stays lossless.
    .png({ compressionLevel: 1 })
    .toBuffer();
  return { png, width: plan.boxWidth, height: plan.boxHeight };
}

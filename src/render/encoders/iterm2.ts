/**
 * iTerm2 inline images (OSC 1337 File=): also understood by WezTerm, mintty and Konsole.
 * The JPEG is resized to the box first so a 2048-px thumbnail never travels for a small cell box.
 */
import sharp from '../../util/sharp.js';
import { clampBox, fitImage, outOfBandImage } from '../geometry.js';
import type { CellBox, CellPx, Encoder, ImageInput, RenderedImage } from '../types.js';

/** The escape sequence for a JPEG shown in cols×rows cells, aspect ratio kept. */
export function iterm2Sequence(jpeg: Buffer, cols: number, rows: number): string {
  return (
    `\x1b]1337;File=inline=1;size=${jpeg.length};width=${cols};height=${rows};` +
    `preserveAspectRatio=1;doNotMoveCursor=1:${jpeg.toString('base64')}\x07`
  );
}

export interface Iterm2EncoderOptions {
  cellPx: CellPx;
  /** JPEG quality of the resized picture. @default 85 */
  quality?: number;
}

export function createIterm2Encoder(options: Iterm2EncoderOptions): Encoder {
  return {
    protocol: 'iterm2',
    inTree: false,
    async encode(input: ImageInput, rawBox: CellBox): Promise<RenderedImage> {
      const box = clampBox(rawBox);
      const fit = fitImage(input.width, input.height, box, options.cellPx);
      const jpeg = await sharp(input.data, { failOn: 'none' })
        .resize(fit.widthPx, fit.heightPx, { fit: 'fill' })
        .jpeg({ quality: options.quality ?? 85 })
        .toBuffer();
      const place = iterm2Sequence(jpeg, fit.cols, fit.rows);
      return outOfBandImage('iterm2', input.key, box, fit, place);
    },
  };
}

import type { CachedThumb } from './entry.js';

/*
 * A thumbnail read from the disk cache is trusted only once it decodes: a file truncated
 * by a full disk or a crash, or garbage between an intact header and end marker, passes
 * the COM-facts and EOI checks of disk-cache.ts but must not count as present nor be served.
 * Files written since their COM segment records a length and CRC-32 are checked by those
 * (disk-cache.ts, intactByChecksum: sharp wrote them, so the same bytes decode); this
 * decode is for older files only. Decoding every file cost generate-cache about 0.75 s of
 * CPU per 300 thumbnails on each run with nothing to make.
 */

let sharpModule: Promise<typeof import('../util/sharp.js')> | undefined;
const loadSharp = async () => (await (sharpModule ??= import('../util/sharp.js'))).default;

/**
 * True when the JPEG's header says the size its facts say, and its entropy-coded data
 * decodes without a warning. The decode uses JPEG shrink-on-load (to at most 8 px), which
 * still reads every coded block but skips most of the IDCT: a fraction of a millisecond for
 * a mip2.
 */
export async function decodesWhole(entry: Pick<CachedThumb, 'jpeg' | 'width' | 'height'>): Promise<boolean> {
  const sharp = await loadSharp();
  try {
    const meta = await sharp(entry.jpeg).metadata();
    if (meta.format !== 'jpeg' || meta.width !== entry.width || meta.height !== entry.height) return false;
    await sharp(entry.jpeg, { failOn: 'warning' }).resize(8, 8, { fit: 'inside' }).raw().toBuffer();
    return true;
  } catch {
    return false;
  }
}

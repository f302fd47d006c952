import { readRawHeader, type IdentifyOptions } from './raw-header.js';

/** Width and height of the image LibRaw decodes, before the raw's own orientation is applied. */
export interface SensorSize {
  width: number;
  height: number;
}

/**
 * The decoded image's size as LibRaw reads it from the header (raw-identify), before the
 * raw's orientation: what a full decode of it will be, turned. Null when raw-identify is not
 * installed or says nothing usable; throws ThumbError when LibRaw cannot read the file.
 */
export async function identifyRaw(file: string, options: IdentifyOptions = {}): Promise<SensorSize | null> {
  const id = await readRawHeader(file, options);
  if (!id) return null;
  // raw-identify's output size is after the flip; bit 4 of the flip swaps the sides.
  return id.flip & 4 ? { width: id.output.height, height: id.output.width } : { ...id.output };
}

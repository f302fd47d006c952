/**
 * File types the library imports, by extension. Apart from exif.ts so that modules that only
 * need the names (RAW+JPEG grouping, which `list` loads) do not load exifr and sharp.
 */

export const RAW_EXTENSIONS: ReadonlySet<string> = new Set([
  'dng', 'cr2', 'cr3', 'crw', 'nef', 'nrw', 'arw', 'srf', 'sr2', 'orf', 'raf', 'rw2', 'pef', 'srw', 'x3f', '3fr',
  'iiq', 'erf', 'mrw', 'kdc', 'dcr',
  // Also imported (DNG/TIFF-based or LibRaw-decoded), as darktable's import list has them:
  // GoPro, Leica, Mamiya/Leaf, Hasselblad, Phase One, Kodak, ARRI, Casio, Olympus high-res.
  // One LibRaw cannot decode still shows up, as a skull that says why.
  'gpr', 'rwl', 'mef', 'mos', 'fff', 'raw', 'dcs', 'cap', 'eip', 'k25', 'mdc', 'ari', 'bay', 'ori',
]);
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([
  'jpg', 'jpeg', 'png', 'tif', 'tiff', 'webp', 'avif', 'heic', 'heif', 'gif',
]);

/** Lower-case extension without the dot, '' when none. */
export function extensionOf(filename: string): string {
  const dot = filename.lastIndexOf('.');
  return dot <= 0 ? '' : filename.slice(dot + 1).toLowerCase();
}

export function isSupported(filename: string): boolean {
  const ext = extensionOf(filename);
  return IMAGE_EXTENSIONS.has(ext) || RAW_EXTENSIONS.has(ext);
}

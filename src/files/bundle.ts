import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { isSupported } from '../db/exif.js';

/**
 * The files that travel together when an image is exported or trashed: every image of the
 * folder sharing its base name (a RAW+JPEG pair, IMG_0001.CR3 + IMG_0001.JPG) and every
 * sidecar of those: darktable's `IMG_0001.CR3.xmp`, its duplicates `IMG_0001_01.CR3.xmp`, and
 * Lightroom's `IMG_0001.xmp` (which a pair shares). Grouped by base name here rather than by
 * the library's RAW+JPEG groups so it holds for files imported before grouping existed.
 */
export interface Bundle {
  /** Absolute folder. */
  dir: string;
  /** The base name every member starts with: `IMG_0001`. */
  stem: string;
  /** Image files, sorted. */
  images: string[];
  /** Sidecar files, sorted. */
  sidecars: string[];
}

export function stemOf(filename: string): string {
  const dot = filename.lastIndexOf('.');
  return dot <= 0 ? filename : filename.slice(0, dot);
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The members of one bundle among the names of its folder. */
export function bundleMembers(names: readonly string[], stem: string): { images: string[]; sidecars: string[] } {
  const images = names.filter((n) => !n.startsWith('.') && stemOf(n) === stem && isSupported(n)).sort();
  const exts = images.map((n) => escapeRe(n.slice(stem.length + 1)));
  const s = escapeRe(stem);
  // FILE.xmp; FILE.EXT.xmp and darktable's duplicates FILE_NN.EXT.xmp for each image's EXT.
  const sidecar = new RegExp(`^${s}(?:${exts.length ? `(?:_\\d+)?\\.(?:${exts.join('|')})` : '(?!)'})?\\.xmp$`, 'i');
  const sidecars = names.filter((n) => sidecar.test(n) && n.slice(0, stem.length) === stem).sort();
  return { images, sidecars };
}

/**
 * Bundles of the given image files, one per folder and base name (so both files of a pair
 * give one bundle), in the order first met. Each folder is read once.
 */
export async function bundlesOf(files: Iterable<string>): Promise<Bundle[]> {
  const order: string[] = [];
  const wanted = new Map<string, { dir: string; stem: string }>();
  for (const file of files) {
    const abs = path.resolve(file);
    const dir = path.dirname(abs);
    const stem = stemOf(path.basename(abs));
    const key = `${dir}\0${stem}`;
    if (wanted.has(key)) continue;
    wanted.set(key, { dir, stem });
    order.push(key);
  }
  const listings = new Map<string, string[]>();
  const out: Bundle[] = [];
  for (const key of order) {
    const { dir, stem } = wanted.get(key)!;
    let names = listings.get(dir);
    if (!names) {
      try {
        names = await readdir(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        names = [];
      }
      listings.set(dir, names);
    }
    const { images, sidecars } = bundleMembers(names, stem);
    out.push({ dir, stem, images, sidecars });
  }
  return out;
}

/** Every member's name, images first. */
export function bundleFiles(b: Bundle): string[] {
  return [...b.images, ...b.sidecars];
}

/**
 * A member's name with Photo Mechanic's clash suffix on the base name: IMG_0001.CR3 with 1 is
 * IMG_0001-1.CR3, its IMG_0001_01.CR3.xmp becomes IMG_0001-1_01.CR3.xmp, so darktable still
 * pairs each sidecar with its image.
 */
export function withSuffix(name: string, stem: string, n: number): string {
  return n === 0 ? name : `${stem}-${n}${name.slice(stem.length)}`;
}

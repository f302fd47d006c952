import { stat } from 'node:fs/promises';
import path from 'node:path';
import { COLOR_LABELS, type CullingSnapshot } from './types.js';
import { XmpEditor } from './xmp/edit.js';
import { readSidecarFile, writeSidecarFile } from './xmp/file.js';
import { findProperty, NS, parseXmp, simpleValue, XmpError } from './xmp/model.js';
import { cullingOfDoc, labelFromName, labelName, readXmpCulling } from './xmp/read.js';

/**
 * XMP sidecars: the culling data other tools (darktable, Lightroom, exiftool) see.
 *
 * Reading scans the document for real (src/db/xmp/scan.ts, linear in its size). Writing edits
 * an existing sidecar by splicing just the properties we own, at the offsets the scan found,
 * because re-serialising would reorder, re-indent or drop what darktable keeps there (its
 * whole edit history). A sidecar we cannot parse is never overwritten.
 */

export { XmpError, readXmpCulling };
export { MAX_SIDECAR_BYTES } from './xmp/file.js';

export type SidecarCulling = Omit<CullingSnapshot, 'id'>;

/** darktable's `FILE.EXT.xmp` (what we write) and Lightroom's `FILE.xmp`. */
export function sidecarPaths(imagePath: string): { darktable: string; lightroom: string } {
  const ext = path.extname(imagePath);
  return { darktable: `${imagePath}.xmp`, lightroom: `${imagePath.slice(0, imagePath.length - ext.length)}.xmp` };
}

export interface SidecarRead {
  /** The sidecar that was read, or null when the image has none. */
  file: string | null;
  culling: SidecarCulling | null;
  /** Set when a sidecar exists but could not be read. */
  error?: string;
}

/** Reads `FILE.EXT.xmp`, else `FILE.xmp`. Never throws: a bad sidecar comes back as `error`. */
export async function readSidecar(imagePath: string): Promise<SidecarRead> {
  const { darktable, lightroom } = sidecarPaths(imagePath);
  for (const file of darktable === lightroom ? [darktable] : [darktable, lightroom]) {
    try {
      const read = await readSidecarFile(file);
      if (!read) continue;
      const { rating, rejected, labels } = readXmpCulling(read.text);
      return { file, culling: { rating, rejected, labels } };
    } catch (err) {
      return { file, culling: null, error: (err as Error).message };
    }
  }
  return { file: null, culling: null };
}

/** A minimal XMP packet darktable and exiftool read, for an image that has no sidecar yet. */
export function newXmpText(culling: SidecarCulling): string {
  const first = culling.labels[0];
  const attrs = [
    `   xmp:Rating="${culling.rejected ? -1 : culling.rating}"`,
    ...(first ? [`   xmp:Label="${labelName(first)}"`] : []),
  ];
  const items = culling.labels.map((l) => `     <rdf:li>${COLOR_LABELS.indexOf(l)}</rdf:li>`).join('\n');
  const body = culling.labels.length
    ? `\n   <darktable:colorlabels>\n    <rdf:Seq>\n${items}\n    </rdf:Seq>\n   </darktable:colorlabels>\n  `
    : '';
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">',
    ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    '  <rdf:Description rdf:about=""',
    `    xmlns:xmp="${NS.xmp}"`,
    `    xmlns:darktable="${NS.darktable}"`,
    `${attrs.join('\n')}>${body}</rdf:Description>`,
    ' </rdf:RDF>',
    '</x:xmpmeta>',
    '',
  ].join('\n');
}

/**
 * An existing sidecar's text with our culling properties set to `culling`, everything else
 * left byte for byte. Throws XmpError when the text cannot be parsed or edited safely.
 */
export function updateXmpText(text: string, culling: SidecarCulling): string {
  const doc = parseXmp(text);
  const edit = new XmpEditor(doc);
  edit.setSimple(NS.xmp, 'xmp', 'Rating', String(culling.rejected ? -1 : culling.rating));
  // xmp:Label (Lightroom's one label) is kept in step where a sidecar has it, not added:
  // darktable's colorlabels are the full set, and an edit should touch no more than it must.
  // A label that is no colour name ("Approved", a localised "Rot") is the user's own: left alone.
  const labelHits = findProperty(doc, NS.xmp, 'Label');
  const foreign = labelHits.some((h) => simpleValue(h) !== '' && !labelFromName(simpleValue(h)));
  if (!foreign && labelHits.length) {
    const first = culling.labels[0];
    if (first) edit.setSimple(NS.xmp, 'xmp', 'Label', labelName(first), { add: false });
    else edit.remove(NS.xmp, 'Label');
  }
  edit.setSeq(NS.darktable, 'darktable', 'colorlabels', culling.labels.map((l) => String(COLOR_LABELS.indexOf(l))));
  const out = edit.result();
  // Belt and braces: what we would write must read back as what we meant.
  const check = cullingOfDoc(parseXmp(out));
  if (
    check.rating !== (culling.rejected ? check.rating : culling.rating) ||
    check.rejected !== culling.rejected ||
    check.labels.join() !== culling.labels.join()
  ) {
    throw new XmpError('edited sidecar does not read back as written; left unchanged');
  }
  return out;
}

/**
 * Writes the culling state to `FILE.EXT.xmp` atomically: an existing one is edited in place,
 * otherwise a new minimal packet is created. Throws (and writes nothing) when the existing
 * sidecar cannot be read or parsed.
 */
export async function writeSidecar(imagePath: string, culling: SidecarCulling): Promise<string> {
  const file = sidecarPaths(imagePath).darktable;
  const existing = await readSidecarFile(file);
  const text = existing === null ? newXmpText(culling) : updateXmpText(existing.text, culling);
  if (text !== existing?.text) await writeSidecarFile(file, text);
  return file;
}

/** Size and mtime of a sidecar file (through a symlink), or null when there is none. */
export async function statSidecar(file: string): Promise<{ size: number; mtime: number } | null> {
  try {
    const st = await stat(file);
    return { size: st.size, mtime: st.mtimeMs };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG') return null;
    throw err;
  }
}

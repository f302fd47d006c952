import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { COLOR_LABELS, type CullingSnapshot } from './types.js';
import { XmpEditor } from './xmp/edit.js';
import { readSidecarFile, writeSidecarFile } from './xmp/file.js';
import { findProperty, NS, parseXmp, simpleValue, XmpError, type XmpDoc } from './xmp/model.js';
import { cullingOfDoc, digiKamNumber, labelFromName, labelName, readXmpCulling } from './xmp/read.js';

/**
 * XMP sidecars: the culling data other tools (darktable, Lightroom, digiKam, exiftool) see.
 *
 * Reading scans the document for real (src/db/xmp/scan.ts, linear in its size). Writing is
 * read-modify-write of the file as it is on disk at that moment: only the properties being
 * set are spliced, at the offsets the scan found, because re-serialising would reorder,
 * re-indent or drop what the other tools keep there (darktable's whole edit history). A
 * sidecar we cannot parse is never overwritten.
 *
 * Two conventions (issue 10): darktable's `FILE.EXT.xmp` carries the labels as
 * darktable:colorlabels and no xmp:Label (darktable reads only xmp:Label when one is present,
 * src/common/exif.cc); Lightroom's `FILE.xmp` carries one label as xmp:Label ("Red" ...).
 */

export { XmpError, readXmpCulling };
export { MAX_SIDECAR_BYTES } from './xmp/file.js';

export type SidecarCulling = Omit<CullingSnapshot, 'id'>;
export type SidecarKind = 'darktable' | 'lightroom';

/** What a write sets: culling, and tiff:Orientation when given (the composed orientation). */
export interface SidecarWrite extends SidecarCulling {
  /** tiff:Orientation to write (the image's EXIF orientation turned by the user's rotation); undefined leaves it alone. */
  orientation?: number;
  /** The image file's own orientation: a sidecar without tiff:Orientation gets one only when `orientation` differs. @default 1 */
  exifOrientation?: number;
}

const addsOrientation = (w: SidecarWrite) => w.orientation !== undefined && w.orientation !== (w.exifOrientation ?? 1);

/** darktable's `FILE.EXT.xmp` and Lightroom's `FILE.xmp`. */
export function sidecarPaths(imagePath: string): { darktable: string; lightroom: string } {
  const ext = path.extname(imagePath);
  return { darktable: `${imagePath}.xmp`, lightroom: `${imagePath.slice(0, imagePath.length - ext.length)}.xmp` };
}

export interface SidecarRead {
  /** The sidecar that was read, or null when the image has none. */
  file: string | null;
  culling: SidecarCulling | null;
  /** tiff:Orientation of the sidecar, when it has one. */
  orientation?: number | null;
  /** Size and mtime of the file as read. */
  stat?: { size: number; mtime: number };
  /** textHash() of the file's text. */
  hash?: string;
  /** Set when a sidecar exists but could not be read. */
  error?: string;
}

/** Reads one sidecar file; `file: null` when it does not exist. Never throws. */
export async function readSidecarAt(file: string): Promise<SidecarRead> {
  try {
    const read = await readSidecarFile(file);
    if (!read) return { file: null, culling: null };
    const { rating, rejected, labels, orientation } = readXmpCulling(read.text);
    return {
      file,
      culling: { rating, rejected, labels },
      orientation,
      stat: { size: read.size, mtime: read.mtimeMs },
      hash: textHash(read.text),
    };
  } catch (err) {
    return { file, culling: null, error: (err as Error).message };
  }
}

/**
 * Reads `FILE.EXT.xmp`, else `FILE.xmp`. Never throws: a bad sidecar comes back as `error`.
 * `listed` (import, from its folder listing) says which names may be there: the others are
 * not looked for, a failed open per absent name being most of a plain import's sidecar cost.
 */
export async function readSidecar(imagePath: string, listed?: (file: string) => boolean): Promise<SidecarRead> {
  const { darktable, lightroom } = sidecarPaths(imagePath);
  for (const file of darktable === lightroom ? [darktable] : [darktable, lightroom]) {
    if (listed && !listed(file)) continue;
    const read = await readSidecarAt(file);
    if (read.file) return read;
  }
  return { file: null, culling: null };
}

/**
 * darktable's duplicates of an image (`FILE_01.EXT.xmp`, `FILE_02.EXT.xmp` ...): versions of
 * the same file, each with its own decisions. Read, never written by termtable.
 */
export async function sidecarVersions(imagePath: string): Promise<(SidecarRead & { version: number })[]> {
  const dir = path.dirname(imagePath);
  const ext = path.extname(imagePath);
  const stem = path.basename(imagePath, ext);
  const re = new RegExp(`^${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_(\\d{2,})${ext.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.xmp$`);
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: (SidecarRead & { version: number })[] = [];
  for (const name of names.sort()) {
    const m = re.exec(name);
    if (m) out.push({ ...(await readSidecarAt(path.join(dir, name))), version: Number(m[1]) });
  }
  return out;
}

/** A minimal XMP packet darktable, Lightroom and exiftool read, for an image that has none yet. */
export function newXmpText(culling: SidecarWrite, kind: SidecarKind = 'darktable'): string {
  const first = culling.labels[0];
  const attrs = [
    `   xmp:Rating="${culling.rejected ? -1 : culling.rating}"`,
    ...(kind === 'lightroom' && first ? [`   xmp:Label="${labelName(first)}"`] : []),
    ...(addsOrientation(culling) ? [`   tiff:Orientation="${culling.orientation}"`] : []),
  ];
  const items = culling.labels.map((l) => `     <rdf:li>${COLOR_LABELS.indexOf(l)}</rdf:li>`).join('\n');
  const body =
    kind === 'darktable' && culling.labels.length
      ? `\n   <darktable:colorlabels>\n    <rdf:Seq>\n${items}\n    </rdf:Seq>\n   </darktable:colorlabels>\n  `
      : '';
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">',
    ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    '  <rdf:Description rdf:about=""',
    `    xmlns:xmp="${NS.xmp}"`,
    ...(addsOrientation(culling) ? [`    xmlns:tiff="${NS.tiff}"`] : []),
    ...(kind === 'darktable' ? [`    xmlns:darktable="${NS.darktable}"`] : []),
    `${attrs.join('\n')}>${body}</rdf:Description>`,
    ' </rdf:RDF>',
    '</x:xmpmeta>',
    '',
  ].join('\n');
}

const has = (doc: XmpDoc, uri: string, local: string) => findProperty(doc, uri, local).length > 0;

/**
 * An existing sidecar's text with our properties set, everything else left byte for byte.
 * darktable kind: darktable:colorlabels, and an xmp:Label removed when darktable would read it
 * instead of them (any colour name, or any label while there are colour labels). Lightroom
 * kind: xmp:Label (the first label in darktable's order: red, yellow, green, blue, purple),
 * colorlabels kept in step where present. Both: digiKam:ColorLabel and PickLabel kept in step
 * where present, photoshop:Urgency where it is the label digiKam reads. Throws XmpError when
 * the text cannot be parsed or edited safely.
 */
export function updateXmpText(text: string, culling: SidecarWrite, kind: SidecarKind = 'darktable'): string {
  const doc = parseXmp(text);
  const edit = new XmpEditor(doc);
  const first = culling.labels[0];
  const indexes = culling.labels.map((l) => String(COLOR_LABELS.indexOf(l)));
  edit.setSimple(NS.xmp, 'xmp', 'Rating', String(culling.rejected ? -1 : culling.rating));

  const labelHits = findProperty(doc, NS.xmp, 'Label');
  const isColourName = labelHits.some((h) => labelFromName(simpleValue(h)) !== undefined);
  const hadColorlabels = has(doc, NS.darktable, 'colorlabels');
  if (kind === 'darktable') {
    if (labelHits.length && (isColourName || culling.labels.length)) edit.remove(NS.xmp, 'Label');
    edit.setSeq(NS.darktable, 'darktable', 'colorlabels', indexes);
  } else {
    // A label that is no colour name ("Approved", a localised "Rot") is the user's own while no colour is set.
    if (first) edit.setSimple(NS.xmp, 'xmp', 'Label', labelName(first));
    else if (isColourName) edit.remove(NS.xmp, 'Label');
    if (hadColorlabels) edit.setSeq(NS.darktable, 'darktable', 'colorlabels', indexes);
  }
  const dkColor = findProperty(doc, NS.digiKam, 'ColorLabel');
  if (dkColor.length) edit.setSimple(NS.digiKam, 'digiKam', 'ColorLabel', String(digiKamNumber(first)), { add: false });
  else if (!hadColorlabels && kind === 'lightroom' && has(doc, NS.photoshop, 'Urgency') && cullingOfDoc(doc).labelSource === 'urgency') {
    edit.setSimple(NS.photoshop, 'photoshop', 'Urgency', String(digiKamNumber(first)), { add: false });
  }
  const pick = findProperty(doc, NS.digiKam, 'PickLabel');
  if (pick.length) {
    const now = simpleValue(pick[0]!);
    if (culling.rejected) edit.setSimple(NS.digiKam, 'digiKam', 'PickLabel', '1', { add: false });
    else if (now === '1') edit.setSimple(NS.digiKam, 'digiKam', 'PickLabel', '0', { add: false });
  }
  if (culling.orientation !== undefined) {
    edit.setSimple(NS.tiff, 'tiff', 'Orientation', String(culling.orientation), { add: addsOrientation(culling) });
  }
  const out = edit.result();
  // Belt and braces: what we would write must read back as what we meant.
  const check = cullingOfDoc(parseXmp(out));
  const expectLabels = check.labelSource === 'darktable' || kind === 'darktable' ? culling.labels : culling.labels.slice(0, 1);
  if (
    (!culling.rejected && check.rating !== culling.rating) ||
    check.rejected !== culling.rejected ||
    check.labels.join() !== expectLabels.join() ||
    (culling.orientation !== undefined && (check.orientation ?? culling.exifOrientation ?? 1) !== culling.orientation)
  ) {
    throw new XmpError('edited sidecar does not read back as written; left unchanged');
  }
  return out;
}

/**
 * Read-modify-write of one sidecar file, in its own convention: the file as it is on disk
 * now is edited (or created when missing). Returns whether the file changed. Throws (and
 * writes nothing) when an existing sidecar cannot be read or parsed.
 */
export async function writeSidecarAs(
  file: string,
  kind: SidecarKind,
  state: SidecarWrite,
  beforeWrite?: (hash: string) => void,
): Promise<boolean> {
  const existing = await readSidecarFile(file);
  const text = existing === null ? newXmpText(state, kind) : updateXmpText(existing.text, state, kind);
  if (text === existing?.text) return false;
  beforeWrite?.(textHash(text));
  await writeSidecarFile(file, text);
  return true;
}

/** A short digest of a sidecar's text, to recognise termtable's own writes. */
export function textHash(text: string): string {
  return createHash('sha1').update(text).digest('base64url');
}

/** Writes the culling state to `FILE.EXT.xmp` (darktable's convention); returns its path. */
export async function writeSidecar(imagePath: string, culling: SidecarWrite): Promise<string> {
  const file = sidecarPaths(imagePath).darktable;
  await writeSidecarAs(file, 'darktable', culling);
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

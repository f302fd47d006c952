import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { writeFileAtomically } from '../util/atomic-write.js';
import { isColorLabel } from './labels.js';
import { COLOR_LABELS, type ColorLabel, type CullingSnapshot } from './types.js';

/**
 * XMP sidecars: the culling data other tools (darktable, Lightroom, exiftool) see.
 *
 * Reading parses the document for real. Writing edits an existing sidecar by text surgery
 * on just the properties we own (xmp:Rating, xmp:Label, darktable:colorlabels), guided by
 * that parse, because re-serialising would reorder, re-indent or drop what darktable keeps
 * there (its whole edit history). A sidecar we cannot parse is never overwritten.
 */

const NS_XMP = 'http://ns.adobe.com/xap/1.0/';
const NS_DARKTABLE = 'http://darktable.sf.net/';

export type SidecarCulling = Omit<CullingSnapshot, 'id'>;

/** A sidecar that cannot be read or safely edited. */
export class XmpError extends Error {
  override name = 'XmpError';
}

/** darktable's `FILE.EXT.xmp` (what we write) and Lightroom's `FILE.xmp`. */
export function sidecarPaths(imagePath: string): { darktable: string; lightroom: string } {
  const ext = path.extname(imagePath);
  return { darktable: `${imagePath}.xmp`, lightroom: `${imagePath.slice(0, imagePath.length - ext.length)}.xmp` };
}

/** Lightroom's colour label names; the label is free text there, so unknown names are ignored. */
function labelFromName(name: string): ColorLabel | undefined {
  const lower = name.trim().toLowerCase();
  return isColorLabel(lower) ? lower : undefined;
}

function labelName(label: ColorLabel): string {
  return label[0]!.toUpperCase() + label.slice(1);
}

/** prefix → namespace URI, from every xmlns:prefix declaration in the document. */
function prefixesFor(text: string, uri: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\bxmlns:([\w.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    if ((m[2] ?? m[3]) === uri && !out.includes(m[1]!)) out.push(m[1]!);
  }
  return out;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
});

type Node = Record<string, unknown>;

function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (value && typeof value === 'object' && '#text' in value) return textOf((value as Node)['#text']);
  if (value && typeof value === 'object') return ''; // an element with no text
  return undefined;
}

/** Every value of a property, as attribute or as element, anywhere in the tree. */
function findProperty(node: unknown, qname: string, out: unknown[] = []): unknown[] {
  if (Array.isArray(node)) {
    for (const child of node) findProperty(child, qname, out);
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node as Node)) {
      if (key === `@_${qname}`) out.push(value);
      else if (key === qname) {
        if (Array.isArray(value)) out.push(...value);
        else out.push(value);
      } else if (!key.startsWith('@_')) findProperty(value, qname, out);
    }
  }
  return out;
}

interface ParsedXmp {
  tree: unknown;
  xmpPrefixes: string[];
  dtPrefixes: string[];
}

function parseXmp(withBom: string): ParsedXmp {
  const text = withBom.replace(/^\uFEFF/, '');
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new XmpError(`malformed XMP (line ${valid.err.line}: ${valid.err.msg})`);
  }
  let tree: unknown;
  try {
    tree = parser.parse(text);
  } catch (err) {
    throw new XmpError(`malformed XMP (${(err as Error).message})`);
  }
  if (findProperty(tree, 'rdf:RDF').length === 0) throw new XmpError('not an XMP packet (no rdf:RDF element)');
  return { tree, xmpPrefixes: prefixesFor(text, NS_XMP), dtPrefixes: prefixesFor(text, NS_DARKTABLE) };
}

/** Culling data of a sidecar's text. Throws XmpError when the text is not well-formed XMP. */
export function readXmpCulling(text: string): SidecarCulling & { hasRating: boolean } {
  const { tree, xmpPrefixes, dtPrefixes } = parseXmp(text);
  let rating = 0;
  let rejected = false;
  let hasRating = false;
  const labels = new Set<ColorLabel>();
  for (const p of xmpPrefixes) {
    for (const value of findProperty(tree, `${p}:Rating`)) {
      const n = Number.parseFloat(textOf(value) ?? '');
      if (!Number.isFinite(n)) continue;
      hasRating = true;
      if (n < 0) rejected = true;
      else rating = Math.min(5, Math.round(n));
    }
    for (const value of findProperty(tree, `${p}:Label`)) {
      const label = labelFromName(textOf(value) ?? '');
      if (label) labels.add(label);
    }
  }
  for (const p of dtPrefixes) {
    for (const seqHolder of findProperty(tree, `${p}:colorlabels`)) {
      for (const li of findProperty(seqHolder, 'rdf:li')) {
        const n = Number.parseInt(textOf(li) ?? '', 10);
        const label = COLOR_LABELS[n];
        if (label) labels.add(label);
      }
    }
  }
  return { rating, rejected, labels: COLOR_LABELS.filter((l) => labels.has(l)), hasRating };
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
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      return { file, culling: null, error: `cannot read sidecar: ${(err as Error).message}` };
    }
    try {
      const { rating, rejected, labels } = readXmpCulling(text);
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
  const body = culling.labels.length ? `\n${colorlabelsElement('darktable', culling.labels, '   ')}\n  ` : '';
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">',
    ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    '  <rdf:Description rdf:about=""',
    `    xmlns:xmp="${NS_XMP}"`,
    `    xmlns:darktable="${NS_DARKTABLE}"`,
    `${attrs.join('\n')}>${body}</rdf:Description>`,
    ' </rdf:RDF>',
    '</x:xmpmeta>',
    '',
  ].join('\n');
}

function colorlabelsElement(prefix: string, labels: readonly ColorLabel[], indent: string): string {
  const items = labels.map((l) => `${indent}  <rdf:li>${COLOR_LABELS.indexOf(l)}</rdf:li>`).join('\n');
  return `${indent}<${prefix}:colorlabels>\n${indent} <rdf:Seq>\n${items}\n${indent} </rdf:Seq>\n${indent}</${prefix}:colorlabels>`;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Start tags of rdf:Description; attribute values may hold '>' so they are matched whole. */
const DESCRIPTION_START = /<rdf:Description\b(?:[^>"']|"[^"]*"|'[^']*')*?(\/?)>/g;

interface Occurrence {
  start: number;
  end: number;
  kind: 'attribute' | 'element';
}

/** Where a simple property appears in the text, as attribute or element. */
function occurrences(text: string, qname: string): Occurrence[] {
  const out: Occurrence[] = [];
  const q = esc(qname);
  for (const m of text.matchAll(new RegExp(`\\s${q}\\s*=\\s*(?:"[^"]*"|'[^']*')`, 'g'))) {
    out.push({ start: m.index, end: m.index + m[0].length, kind: 'attribute' });
  }
  for (const m of text.matchAll(new RegExp(`[ \\t]*<${q}(?:\\s[^>]*)?(?:/>|>[\\s\\S]*?</${q}\\s*>)`, 'g'))) {
    out.push({ start: m.index, end: m.index + m[0].length, kind: 'element' });
  }
  return out.sort((a, b) => a.start - b.start);
}

function replaceOccurrence(text: string, occ: Occurrence, qname: string, value: string | null): string {
  const original = text.slice(occ.start, occ.end);
  let replacement: string;
  if (value === null) {
    replacement = '';
  } else if (occ.kind === 'attribute') {
    replacement = original.replace(/(=\s*)(["'])[^"']*\2/, `$1$2${value}$2`);
  } else {
    const open = original.match(new RegExp(`^[ \\t]*<${esc(qname)}(?:\\s[^>]*?)?(?=\\s*/?>)`))![0];
    replacement = `${open}>${value}</${qname}>`;
  }
  let start = occ.start;
  // A removed element takes its own line with it.
  if (value === null && occ.kind === 'element' && text[start - 1] === '\n') start -= 1;
  return text.slice(0, start) + replacement + text.slice(occ.end);
}

/** Chooses the rdf:Description to add a property to, declaring its namespace there if needed. */
function targetDescription(text: string, uri: string, preferredPrefix: string): { text: string; prefix: string; tag: RegExpExecArray } {
  const tags = [...text.matchAll(DESCRIPTION_START)] as RegExpExecArray[];
  if (tags.length === 0) throw new XmpError('XMP has no rdf:Description to add to');
  const declares = (tag: string) => prefixesFor(tag, uri);
  const tag = tags.find((t) => declares(t[0]).length > 0) ?? tags[0]!;
  const ancestors = text.slice(0, tag.index).match(/<(?:x:xmpmeta|rdf:RDF)\b[^>]*>/g)?.join(' ') ?? '';
  const inScope = [...declares(tag[0]), ...declares(ancestors)];
  if (inScope[0]) return { text, prefix: inScope[0], tag };
  const taken = new Set([...text.matchAll(/\bxmlns:([\w.-]+)/g)].map((m) => m[1]));
  const prefix = taken.has(preferredPrefix) ? `${preferredPrefix}tt` : preferredPrefix;
  const insertAt = tag.index + 'rdf:Description'.length + 1;
  const withNs = `${text.slice(0, insertAt)}\n    xmlns:${prefix}="${uri}"${text.slice(insertAt)}`;
  const again = [...withNs.matchAll(DESCRIPTION_START)] as RegExpExecArray[];
  return { text: withNs, prefix, tag: again.find((t) => t.index === tag.index)! };
}

/** Sets (or with null removes) a simple property, in place where it already is. */
function setSimple(
  text: string,
  uri: string,
  preferredPrefix: string,
  local: string,
  value: string | null,
  expected: number,
  addIfMissing = true,
): string {
  const prefixes = prefixesFor(text, uri);
  const found = prefixes.flatMap((p) => occurrences(text, `${p}:${local}`).map((o) => ({ o, p })));
  if (found.length !== expected) {
    throw new XmpError(`cannot edit ${local} safely: the text holds ${found.length} occurrences, the parse ${expected}`);
  }
  if (found.length > 1) throw new XmpError(`sidecar holds ${found.length} ${local} values; not editing it`);
  const hit = found[0];
  if (hit) return replaceOccurrence(text, hit.o, `${hit.p}:${local}`, value);
  if (value === null || !addIfMissing) return text;
  const t = targetDescription(text, uri, preferredPrefix);
  const end = t.tag.index + t.tag[0].length - (t.tag[1] ? 2 : 1);
  return `${t.text.slice(0, end)}\n   ${t.prefix}:${local}="${value}"${t.text.slice(end)}`;
}

function setColorlabels(text: string, labels: readonly ColorLabel[], expected: number): string {
  const prefixes = prefixesFor(text, NS_DARKTABLE);
  const found = prefixes.flatMap((p) => occurrences(text, `${p}:colorlabels`).map((o) => ({ o, p })));
  if (found.length !== expected || found.some((f) => f.o.kind !== 'element')) {
    throw new XmpError('cannot edit darktable:colorlabels safely');
  }
  if (found.length > 1) throw new XmpError('sidecar holds several darktable:colorlabels; not editing it');
  const hit = found[0];
  if (hit) {
    const indent = text.slice(hit.o.start, hit.o.end).match(/^[ \t]*/)![0];
    const replacement = labels.length ? colorlabelsElement(hit.p, labels, indent) : null;
    if (replacement === null) return replaceOccurrence(text, hit.o, `${hit.p}:colorlabels`, null);
    return text.slice(0, hit.o.start) + replacement + text.slice(hit.o.end);
  }
  if (labels.length === 0) return text;
  const t = targetDescription(text, NS_DARKTABLE, 'darktable');
  const tagEnd = t.tag.index + t.tag[0].length;
  const element = colorlabelsElement(t.prefix, labels, '   ');
  if (t.tag[1]) {
    // <rdf:Description .../> becomes <rdf:Description ...> element </rdf:Description>
    return `${t.text.slice(0, tagEnd - 2)}>\n${element}\n  </rdf:Description>${t.text.slice(tagEnd)}`;
  }
  return `${t.text.slice(0, tagEnd)}\n${element}${t.text.slice(tagEnd)}`;
}

/**
 * An existing sidecar's text with our culling properties set to `culling`, everything else
 * left byte for byte. Throws XmpError when the text cannot be parsed or edited safely.
 */
export function updateXmpText(text: string, culling: SidecarCulling): string {
  const { tree, xmpPrefixes, dtPrefixes } = parseXmp(text);
  const count = (prefixes: string[], local: string) =>
    prefixes.reduce((n, p) => n + findProperty(tree, `${p}:${local}`).length, 0);
  let out = text;
  out = setSimple(out, NS_XMP, 'xmp', 'Rating', String(culling.rejected ? -1 : culling.rating), count(xmpPrefixes, 'Rating'));
  const first = culling.labels[0];
  // xmp:Label (Lightroom's one label) is kept in step where a sidecar has it, not added:
  // darktable's colorlabels are the full set, and an edit should touch no more than it must.
  // A label that is no colour name ("Approved", a localised "Rot") is the user's own: left alone.
  const foreignLabel = xmpPrefixes.some((p) =>
    findProperty(tree, `${p}:Label`).some((v) => (textOf(v) ?? '').trim() !== '' && !labelFromName(textOf(v) ?? '')),
  );
  if (!foreignLabel) {
    out = setSimple(out, NS_XMP, 'xmp', 'Label', first ? labelName(first) : null, count(xmpPrefixes, 'Label'), false);
  }
  out = setColorlabels(out, culling.labels, count(dtPrefixes, 'colorlabels'));
  // Belt and braces: what we would write must read back as what we meant.
  const check = readXmpCulling(out);
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
 * sidecar cannot be parsed.
 */
export async function writeSidecar(imagePath: string, culling: SidecarCulling): Promise<string> {
  const file = sidecarPaths(imagePath).darktable;
  let existing: string | null = null;
  try {
    existing = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const text = existing === null ? newXmpText(culling) : updateXmpText(existing, culling);
  if (text !== existing) await writeFileAtomically(file, text);
  return file;
}

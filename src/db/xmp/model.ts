import { scanXml, XmlSyntaxError, type XmlAttr, type XmlElement } from './scan.js';

/** A sidecar that cannot be read or safely edited. */
export class XmpError extends Error {
  override name = 'XmpError';
}

export const NS = {
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  xmp: 'http://ns.adobe.com/xap/1.0/',
  darktable: 'http://darktable.sf.net/',
  digiKam: 'http://www.digikam.org/ns/1.0/',
  photoshop: 'http://ns.adobe.com/photoshop/1.0/',
  tiff: 'http://ns.adobe.com/tiff/1.0/',
} as const;

/** Where one value of a property sits: an attribute of rdf:Description, or a child element. */
export type PropertyHit =
  | { kind: 'attribute'; description: XmlElement; attr: XmlAttr }
  | { kind: 'element'; description: XmlElement; element: XmlElement };

export interface XmpDoc {
  text: string;
  root: XmlElement;
  descriptions: XmlElement[];
}

function collectDescriptions(el: XmlElement, out: XmlElement[]): void {
  if (el.uri === NS.rdf && el.local === 'Description') out.push(el);
  for (const child of el.children) collectDescriptions(child, out);
}

/** Parses a sidecar's text. Throws XmpError when it is not well-formed XMP. */
export function parseXmp(text: string): XmpDoc {
  let root: XmlElement;
  try {
    root = scanXml(text);
  } catch (err) {
    if (err instanceof XmlSyntaxError) throw new XmpError(`malformed XMP (${err.message})`);
    throw err;
  }
  const descriptions: XmlElement[] = [];
  collectDescriptions(root, descriptions);
  const hasRdf = (el: XmlElement): boolean => (el.uri === NS.rdf && el.local === 'RDF') || el.children.some(hasRdf);
  if (!hasRdf(root)) throw new XmpError('not an XMP packet (no rdf:RDF element)');
  return { text, root, descriptions };
}

/** Every value of a property in the packet's top-level descriptions. */
export function findProperty(doc: XmpDoc, uri: string, local: string): PropertyHit[] {
  const hits: PropertyHit[] = [];
  for (const description of doc.descriptions) {
    // Only descriptions of the resource itself (children of rdf:RDF), not nested structures.
    if (!(description.parent?.uri === NS.rdf && description.parent.local === 'RDF')) continue;
    for (const attr of description.attrs) {
      if (attr.uri === uri && attr.local === local) hits.push({ kind: 'attribute', description, attr });
    }
    for (const element of description.children) {
      if (element.uri === uri && element.local === local) hits.push({ kind: 'element', description, element });
    }
  }
  return hits;
}

/** A simple property's text (trimmed). */
export function simpleValue(hit: PropertyHit): string {
  return (hit.kind === 'attribute' ? hit.attr.value : hit.element.text).trim();
}

/** The rdf:li texts of an array property (rdf:Seq, rdf:Bag or rdf:Alt). */
export function arrayValues(hit: PropertyHit): string[] {
  if (hit.kind === 'attribute') return [hit.attr.value.trim()];
  const out: string[] = [];
  for (const container of hit.element.children) {
    if (container.uri !== NS.rdf) continue;
    for (const li of container.children) if (li.uri === NS.rdf && li.local === 'li') out.push(li.text.trim());
  }
  return out;
}

/** A prefix bound to `uri` at the start of `el` (its own declarations included). */
export function prefixIn(el: XmlElement, uri: string): string | undefined {
  for (const [prefix, u] of el.scope) if (u === uri) return prefix;
  return undefined;
}

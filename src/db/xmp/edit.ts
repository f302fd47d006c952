import { findProperty, prefixIn, XmpError, type PropertyHit, type XmpDoc } from './model.js';
import type { XmlElement } from './scan.js';

/**
 * Edits to a sidecar's text, as splices on the original: each is computed from the scan's
 * offsets and all are applied in one pass, so an edit costs one copy of the text and nothing
 * outside the changed properties moves by a byte.
 */
interface Splice {
  start: number;
  end: number;
  text: string;
}

const escapeXml = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export class XmpEditor {
  private readonly splices: Splice[] = [];
  /** Attributes to add at the end of a description's start tag, by description start. */
  private readonly added = new Map<XmlElement, string[]>();
  /** Child elements to add inside a description. */
  private readonly addedChildren = new Map<XmlElement, string[]>();
  /** Prefixes declared by this edit, per namespace URI. */
  private readonly declared = new Map<string, string>();

  constructor(private readonly doc: XmpDoc) {}

  /** Sets a simple property where it is (attribute or element), or adds it as an attribute. */
  setSimple(uri: string, preferredPrefix: string, local: string, value: string, opts: { add: boolean } = { add: true }): void {
    const hits = this.single(uri, local);
    const hit = hits[0];
    if (hit) {
      if (hit.kind === 'attribute') {
        this.splices.push({ start: hit.attr.valueStart, end: hit.attr.valueEnd, text: escapeXml(value) });
      } else {
        if (hit.element.children.length) throw new XmpError(`${local} is not a simple value; not editing it`);
        const el = hit.element;
        this.splices.push(
          el.selfClosing
            ? { start: el.startTagEnd - 2, end: el.startTagEnd, text: `>${escapeXml(value)}</${el.qname}>` }
            : { start: el.startTagEnd, end: el.contentEnd, text: escapeXml(value) },
        );
      }
      return;
    }
    if (!opts.add) return;
    const { description, prefix } = this.target(uri, preferredPrefix);
    this.pushAttr(description, `${prefix}:${local}="${escapeXml(value)}"`);
  }

  /** Removes every occurrence of a property (attribute or element, with its line). */
  remove(uri: string, local: string): void {
    for (const hit of findProperty(this.doc, uri, local)) this.splices.push(this.removal(hit));
  }

  /** Replaces (or adds, or with [] removes) an rdf:Seq property. */
  setSeq(uri: string, preferredPrefix: string, local: string, items: readonly string[]): void {
    const hit = this.single(uri, local)[0];
    if (hit && hit.kind === 'attribute') throw new XmpError(`${local} is an attribute, not a list; not editing it`);
    if (!hit) {
      if (items.length === 0) return;
      const { description, prefix } = this.target(uri, preferredPrefix);
      const list = this.addedChildren.get(description) ?? [];
      list.push(seqElement(`${prefix}:${local}`, items, '   '));
      this.addedChildren.set(description, list);
      return;
    }
    if (items.length === 0) {
      this.splices.push(this.removal(hit));
      return;
    }
    const el = hit.element;
    const lineStart = this.doc.text.lastIndexOf('\n', el.start - 1) + 1;
    const before = this.doc.text.slice(lineStart, el.start);
    const indent = /^[ \t]*$/.test(before) ? before : '   ';
    this.splices.push({ start: el.start, end: el.end, text: seqElement(el.qname, items, indent).slice(indent.length) });
  }

  /** The edited text. */
  result(): string {
    const text = this.doc.text;
    for (const [description, attrs] of this.added) {
      const at = description.startTagEnd - (description.selfClosing ? 2 : 1);
      // Keep any white space before '>' or '/>' where it is: insert after the last attribute.
      const last = description.attrs[description.attrs.length - 1];
      const insertAt = last ? last.end : at;
      this.splices.push({ start: insertAt, end: insertAt, text: attrs.map((a) => `\n   ${a}`).join('') });
    }
    for (const [description, children] of this.addedChildren) {
      const body = children.map((c) => `\n${c}`).join('');
      if (description.selfClosing) {
        this.splices.push({ start: description.startTagEnd - 2, end: description.startTagEnd, text: `>${body}\n  </${description.qname}>` });
      } else {
        this.splices.push({ start: description.startTagEnd, end: description.startTagEnd, text: body });
      }
    }
    const sorted = [...this.splices].sort((a, b) => a.start - b.start || a.end - b.end);
    const parts: string[] = [];
    let at = 0;
    for (const s of sorted) {
      if (s.start < at) throw new XmpError('overlapping edits; sidecar left unchanged');
      parts.push(text.slice(at, s.start), s.text);
      at = s.end;
    }
    parts.push(text.slice(at));
    return parts.join('');
  }

  private single(uri: string, local: string): PropertyHit[] {
    const hits = findProperty(this.doc, uri, local);
    if (hits.length > 1) throw new XmpError(`sidecar holds ${hits.length} ${local} values; not editing it`);
    return hits;
  }

  private removal(hit: PropertyHit): Splice {
    if (hit.kind === 'attribute') return { start: hit.attr.start, end: hit.attr.end, text: '' };
    const text = this.doc.text;
    const el = hit.element;
    // An element alone on its line takes the line with it.
    const lineStart = text.lastIndexOf('\n', el.start - 1);
    const onlyIndent = lineStart !== -1 && /^[ \t]*$/.test(text.slice(lineStart + 1, el.start));
    return { start: onlyIndent ? lineStart : el.start, end: el.end, text: '' };
  }

  private pushAttr(description: XmlElement, attr: string): void {
    const list = this.added.get(description) ?? [];
    list.push(attr);
    this.added.set(description, list);
  }

  /** The description to add a property of `uri` to, declaring the namespace there if needed. */
  private target(uri: string, preferredPrefix: string): { description: XmlElement; prefix: string } {
    const tops = this.doc.descriptions.filter((d) => d.parent?.local === 'RDF');
    if (tops.length === 0) throw new XmpError('XMP has no rdf:Description to add to');
    const description = tops.find((d) => prefixIn(d, uri) !== undefined) ?? tops[0]!;
    const inScope = prefixIn(description, uri) ?? this.declared.get(uri);
    if (inScope !== undefined) return { description, prefix: inScope };
    const taken = new Set<string>();
    const walk = (el: XmlElement) => {
      for (const p of el.scope.keys()) taken.add(p);
      el.children.forEach(walk);
    };
    walk(this.doc.root);
    for (const p of this.declared.values()) taken.add(p);
    let prefix = preferredPrefix;
    for (let n = 1; taken.has(prefix); n++) prefix = `${preferredPrefix}${n}`;
    this.declared.set(uri, prefix);
    this.pushAttr(description, `xmlns:${prefix}="${uri}"`);
    return { description, prefix };
  }
}

export function seqElement(qname: string, items: readonly string[], indent: string): string {
  const lis = items.map((v) => `${indent}  <rdf:li>${escapeXml(v)}</rdf:li>`).join('\n');
  return `${indent}<${qname}>\n${indent} <rdf:Seq>\n${lis}\n${indent} </rdf:Seq>\n${indent}</${qname}>`;
}

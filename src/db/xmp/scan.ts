/**
 * A linear scan of an XMP packet into elements that remember where they are in the text.
 *
 * Hand-written on purpose: editing a sidecar in place needs the source offsets of each
 * attribute and element, and neither fast-xml-parser nor the SAX parsers on npm report
 * attribute offsets. Every step moves forward through the text (indexOf and sticky regular
 * expressions anchored at the cursor), so the cost is linear in the size however the text is
 * made, which the earlier regex-over-everything editor was not (issue 11: 2.6 MB took minutes).
 * Comments, CDATA sections and processing instructions are skipped whole, so markup quoted
 * inside them is never taken for a property.
 */

export class XmlSyntaxError extends Error {
  override name = 'XmlSyntaxError';
}

export interface XmlAttr {
  qname: string;
  /** Namespace URI ('' for an unprefixed attribute). */
  uri: string;
  local: string;
  /** Decoded value. */
  value: string;
  /** From the white space before the name to just after the closing quote. */
  start: number;
  end: number;
  /** The raw value, between the quotes. */
  valueStart: number;
  valueEnd: number;
}

export interface XmlElement {
  qname: string;
  uri: string;
  local: string;
  attrs: XmlAttr[];
  children: XmlElement[];
  parent: XmlElement | null;
  /** prefix → URI in scope here (shared with the parent when nothing is declared). */
  scope: ReadonlyMap<string, string>;
  /** Offset of '<'. */
  start: number;
  /** Offset just after the start tag's '>'. */
  startTagEnd: number;
  selfClosing: boolean;
  /** Offset of the end tag's '<' (startTagEnd when self-closing). */
  contentEnd: number;
  /** Offset just after the element. */
  end: number;
  /** Decoded character data directly inside (CDATA included), children's text excluded. */
  text: string;
}

/** Elements deeper than this are checked for well-formedness but not kept: bounds memory. */
const MAX_KEPT_DEPTH = 8;

const NAME = /[^\s/>=<"'&]+/y;
const SPACE = /\s*/y;
const ATTR = /([^\s/>=<"'&]+)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/y;
const ENTITY = /&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|(lt|gt|amp|quot|apos));/g;
const XML_NS = 'http://www.w3.org/XML/1998/namespace';

function decode(raw: string, at: number, text: string): string {
  if (!raw.includes('&')) return raw;
  const out = raw.replace(ENTITY, (_m, hex: string | undefined, dec: string | undefined, named: string | undefined) => {
    if (named) return { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }[named]!;
    const cp = Number.parseInt(hex ?? dec!, hex ? 16 : 10);
    if (cp > 0x10ffff || cp === 0) fail(text, at, `bad character reference`);
    return String.fromCodePoint(cp);
  });
  if (out.includes('&') && /&(?!(?:#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);)/.test(raw)) {
    fail(text, at, 'unknown entity or bare &');
  }
  return out;
}

function lineOf(text: string, at: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < at; i = text.indexOf('\n', i + 1)) line += 1;
  return line;
}

function fail(text: string, at: number, msg: string): never {
  throw new XmlSyntaxError(`line ${lineOf(text, at)}: ${msg}`);
}

function splitName(qname: string): [string, string] {
  const colon = qname.indexOf(':');
  return colon === -1 ? ['', qname] : [qname.slice(0, colon), qname.slice(colon + 1)];
}

/** The document's root element. Throws XmlSyntaxError when the text is not well-formed. */
export function scanXml(text: string): XmlElement {
  const stack: XmlElement[] = [];
  let depth = 0; // includes elements not kept
  const unkeptNames: string[] = [];
  let root: XmlElement | null = null;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a byte order mark, kept by the editor
  const rootScope = new Map<string, string>([['xml', XML_NS]]);
  for (;;) {
    const lt = text.indexOf('<', i);
    const chunkEnd = lt === -1 ? text.length : lt;
    if (chunkEnd > i) {
      const chunk = text.slice(i, chunkEnd);
      if (depth === 0 && chunk.trim() !== '') fail(text, i, 'text outside the root element');
      const top = stack[stack.length - 1];
      if (top && depth === stack.length) top.text += decode(chunk, i, text);
      else if (chunk.includes('&')) decode(chunk, i, text);
    }
    if (lt === -1) break;
    if (text.startsWith('<!--', lt)) {
      const close = text.indexOf('-->', lt + 4);
      if (close === -1) fail(text, lt, 'unterminated comment');
      i = close + 3;
    } else if (text.startsWith('<![CDATA[', lt)) {
      if (depth === 0) fail(text, lt, 'CDATA outside the root element');
      const close = text.indexOf(']]>', lt + 9);
      if (close === -1) fail(text, lt, 'unterminated CDATA section');
      const top = stack[stack.length - 1];
      if (top && depth === stack.length) top.text += text.slice(lt + 9, close);
      i = close + 3;
    } else if (text.startsWith('<?', lt)) {
      const close = text.indexOf('?>', lt + 2);
      if (close === -1) fail(text, lt, 'unterminated processing instruction');
      i = close + 2;
    } else if (text.startsWith('<!', lt)) {
      // A DOCTYPE could declare entities (and entity bombs); XMP never has one.
      fail(text, lt, 'DOCTYPE and other declarations are not allowed in XMP');
    } else if (text[lt + 1] === '/') {
      NAME.lastIndex = lt + 2;
      const m = NAME.exec(text);
      if (!m) fail(text, lt, 'bad end tag');
      SPACE.lastIndex = NAME.lastIndex;
      SPACE.exec(text);
      if (text[SPACE.lastIndex] !== '>') fail(text, lt, `bad end tag </${m[0]}`);
      if (depth === 0) fail(text, lt, `end tag </${m[0]}> without a start tag`);
      const openName = depth > stack.length ? unkeptNames.pop()! : stack[stack.length - 1]!.qname;
      if (openName !== m[0]) fail(text, lt, `</${m[0]}> closes <${openName}>`);
      if (depth === stack.length) {
        const el = stack.pop()!;
        el.contentEnd = lt;
        el.end = SPACE.lastIndex + 1;
      }
      depth -= 1;
      i = SPACE.lastIndex + 1;
    } else {
      i = startTag(lt);
    }
  }
  if (depth !== 0) fail(text, text.length, `<${stack[stack.length - 1]?.qname ?? unkeptNames[unkeptNames.length - 1]}> is never closed`);
  if (!root) fail(text, 0, 'no root element');
  return root;

  function startTag(lt: number): number {
    if (depth === 0 && root) fail(text, lt, 'a second root element');
    NAME.lastIndex = lt + 1;
    const name = NAME.exec(text);
    if (!name) fail(text, lt, 'bad start tag');
    let at = NAME.lastIndex;
    const raw: { qname: string; value: string; start: number; end: number; valueStart: number }[] = [];
    for (;;) {
      SPACE.lastIndex = at;
      SPACE.exec(text);
      const spaced = SPACE.lastIndex > at;
      const c = text[SPACE.lastIndex];
      if (c === '>' || (c === '/' && text[SPACE.lastIndex + 1] === '>')) break;
      if (!spaced) fail(text, at, `bad attribute in <${name[0]}>`);
      ATTR.lastIndex = SPACE.lastIndex;
      const m = ATTR.exec(text);
      if (!m) fail(text, SPACE.lastIndex, `bad attribute in <${name[0]}>`);
      const valueStart = m.index + m[0].length - 1 - (m[2] ?? m[3]!).length;
      raw.push({ qname: m[1]!, value: m[2] ?? m[3]!, start: at, end: ATTR.lastIndex, valueStart });
      at = ATTR.lastIndex;
    }
    const selfClosing = text[SPACE.lastIndex] === '/';
    const startTagEnd = SPACE.lastIndex + (selfClosing ? 2 : 1);
    const seen = new Set<string>();
    for (const a of raw) {
      if (seen.has(a.qname)) fail(text, a.start, `attribute ${a.qname} given twice`);
      seen.add(a.qname);
    }
    const parent = depth === stack.length ? (stack[stack.length - 1] ?? null) : null;
    const keep = depth === stack.length && depth < MAX_KEPT_DEPTH;
    if (keep) {
      let scope: ReadonlyMap<string, string> = parent?.scope ?? rootScope;
      const decls = raw.filter((a) => a.qname.startsWith('xmlns:'));
      if (decls.length) {
        const own = new Map(scope);
        for (const d of decls) own.set(d.qname.slice(6), decode(d.value, d.start, text));
        scope = own;
      }
      const [prefix, local] = splitName(name[0]);
      const uri = prefix ? scope.get(prefix) : '';
      if (uri === undefined) fail(text, lt, `undeclared namespace prefix ${prefix}`);
      const attrs: XmlAttr[] = raw.map((a) => {
        const [p, l] = splitName(a.qname);
        const u = p === '' || p === 'xmlns' ? '' : scope.get(p);
        if (u === undefined) fail(text, a.start, `undeclared namespace prefix ${p}`);
        return {
          qname: a.qname,
          uri: u,
          local: l,
          value: decode(a.value, a.start, text),
          start: a.start,
          end: a.end,
          valueStart: a.valueStart,
          valueEnd: a.end - 1,
        };
      });
      const el: XmlElement = {
        qname: name[0],
        uri,
        local,
        attrs,
        children: [],
        parent,
        scope,
        start: lt,
        startTagEnd,
        selfClosing,
        contentEnd: startTagEnd,
        end: startTagEnd,
        text: '',
      };
      if (parent) parent.children.push(el);
      else root = el;
      if (!selfClosing) {
        stack.push(el);
        depth += 1;
      }
    } else {
      for (const a of raw) decode(a.value, a.start, text);
      if (!selfClosing) {
        unkeptNames.push(name[0]);
        depth += 1;
      }
      if (depth === 0 && !root) fail(text, lt, 'root element too deep'); // unreachable: depth 0 is kept
    }
    return startTagEnd;
  }
}

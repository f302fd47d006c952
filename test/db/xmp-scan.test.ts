import { describe, expect, it } from 'vitest';
import { scanXml, XmlSyntaxError } from '../../src/db/xmp/scan.js';
import { readXmpCulling, updateXmpText } from '../../src/db/xmp.js';

/** The hand-written scanner (src/db/xmp/scan.ts): well-formedness, offsets, and its bounds. */

const RDF = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"';
const wrap = (desc: string) => `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF ${RDF}>${desc}</rdf:RDF></x:xmpmeta>`;

describe('scanXml', () => {
  it('reports attribute and element offsets exactly', () => {
    const text = `<a xmlns:p="urn:p" p:x="1 &amp; 2"><p:y>t&lt;</p:y><!-- <p:y>no</p:y> --><![CDATA[<p:z/>]]></a>`;
    const root = scanXml(text);
    const attr = root.attrs.find((a) => a.qname === 'p:x')!;
    expect(attr).toMatchObject({ uri: 'urn:p', local: 'x', value: '1 & 2' });
    expect(text.slice(attr.valueStart, attr.valueEnd)).toBe('1 &amp; 2');
    expect(root.children.map((c) => c.qname)).toEqual(['p:y']); // the comment and CDATA hold no elements
    const y = root.children[0]!;
    expect(text.slice(y.start, y.end)).toBe('<p:y>t&lt;</p:y>');
    expect(y.text).toBe('t<');
    expect(root.text).toBe('<p:z/>');
  });

  it.each([
    ['<a><b></a>', /closes <b>/],
    ['<a x="1" x="2"/>', /given twice/],
    ['<a>&bogus;</a>', /unknown entity/],
    ['<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', /DOCTYPE/],
    ['<a><!-- never closed </a>', /unterminated comment/],
    ['<a/><b/>', /second root/],
    ['<p:a/>', /undeclared namespace prefix p/],
    ['<a x=1/>', /bad attribute/],
    ['<a>', /never closed/],
  ])('refuses %s', (text, message) => {
    expect(() => scanXml(text)).toThrow(XmlSyntaxError);
    expect(() => scanXml(text)).toThrow(message);
  });

  it('checks elements nested deeper than it keeps, in bounded memory', () => {
    const deep = `<a>${'<b>'.repeat(50_000)}${'</b>'.repeat(50_000)}</a>`;
    expect(scanXml(deep).qname).toBe('a');
    expect(() => scanXml(`<a>${'<b>'.repeat(50)}${'</b>'.repeat(49)}</a>`)).toThrow(/closes <b>/);
  });

  it('takes properties only from rdf:Description, by namespace URI whatever the prefix', () => {
    const text = wrap(
      `<rdf:Description rdf:about="" xmlns:q="http://ns.adobe.com/xap/1.0/" q:Rating="4"><q:Label>purple</q:Label></rdf:Description>`,
    );
    expect(readXmpCulling(text)).toMatchObject({ rating: 4, labels: ['purple'], labelSource: 'xmp' });
    const out = updateXmpText(text, { rating: 1, rejected: false, labels: [] }, 'lightroom');
    expect(out).toBe(text.replace('q:Rating="4"', 'q:Rating="1"').replace('<q:Label>purple</q:Label>', ''));
  });

  it('reads digiKam PickLabel 1 as rejected and Urgency when there is no ColorLabel', () => {
    const dk = (attrs: string) =>
      wrap(`<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:digiKam="http://www.digikam.org/ns/1.0/" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" ${attrs}/>`);
    expect(readXmpCulling(dk('xmp:Rating="3" digiKam:PickLabel="1"'))).toMatchObject({ rating: 3, rejected: true });
    expect(readXmpCulling(dk('photoshop:Urgency="4"'))).toMatchObject({ labels: ['green'], labelSource: 'urgency' });
    expect(readXmpCulling(dk('digiKam:ColorLabel="6" photoshop:Urgency="4"'))).toMatchObject({ labels: ['purple'] });
    expect(readXmpCulling(dk('xmp:Label="NoColor"'))).toMatchObject({ labels: [] });
    expect(readXmpCulling(dk('xmp:Label="RED"'))).toMatchObject({ labels: ['red'] });
  });
});

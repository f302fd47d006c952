/**
 * Sidecars shaped as the tools write them (made by the tests, not taken from anyone's
 * catalogue): darktable 4.x with history and masks, Lightroom/ACR with crs: settings inside
 * an xpacket, digiKam with its labels, and a darktable duplicate (_01).
 */

export const DARKTABLE = (rating: number, labels: number[]) => `<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:exif="http://ns.adobe.com/exif/1.0/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
    xmlns:darktable="http://darktable.sf.net/"
   exif:DateTimeOriginal="2024:05:01 10:11:12.000"
   xmp:Rating="${rating}"
   xmpMM:DerivedFrom="IMG_0001.CR2"
   darktable:import_timestamp="63848000000000000"
   darktable:change_timestamp="63848000100000000"
   darktable:xmp_version="5"
   darktable:raw_params="0"
   darktable:auto_presets_applied="1"
   darktable:history_end="2"
   darktable:iop_order_version="4">
   <darktable:colorlabels>
    <rdf:Seq>
${labels.map((l) => `     <rdf:li>${l}</rdf:li>`).join('\n')}
    </rdf:Seq>
   </darktable:colorlabels>
   <darktable:masks_history>
    <rdf:Seq>
     <rdf:li
      darktable:mask_num="1"
      darktable:mask_id="1700000001"
      darktable:mask_type="24"
      darktable:mask_name="grp drawn #1"
      darktable:mask_version="6"
      darktable:mask_points="d0d0f73e2a9a813e0000803f00000000"
      darktable:mask_nb="1"
      darktable:mask_src="0000000000000000"/>
    </rdf:Seq>
   </darktable:masks_history>
   <darktable:history>
    <rdf:Seq>
     <rdf:li
      darktable:num="0"
      darktable:operation="exposure"
      darktable:enabled="1"
      darktable:modversion="6"
      darktable:params="0000000000000000cdcc4c3e0000000000004842000000000000803f"
      darktable:multi_name=""
      darktable:multi_priority="0"
      darktable:blendop_version="13"
      darktable:blendop_params="gz14eJxjYIAACQYYOOHEgAZY0QVwggZ7CB6pfOpgAAS/BBk="/>
     <rdf:li
      darktable:num="1"
      darktable:operation="colorbalancergb"
      darktable:enabled="1"
      darktable:modversion="5"
      darktable:params="a&gt;b&quot;c 0000803f00000000"
      darktable:multi_name="xmp:Rating=&quot;9&quot; is not a rating here"
      darktable:multi_priority="0"
      darktable:blendop_version="13"
      darktable:blendop_params="gz14eJxjYIAACQYYOOHEgAZY0QVwggZ7CB6pfOpgAAS/BBk="/>
    </rdf:Seq>
   </darktable:history>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
`;

/** Lightroom Classic / ACR `FILE.xmp`: BOM in the xpacket, crs: settings, title and keywords. */
export const LIGHTROOM = `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 7.0-c000 1.000000, 0000/00/00-00:00:00        ">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:tiff="http://ns.adobe.com/tiff/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:crs="http://ns.adobe.com/camera-raw-settings/1.0/"
    xmlns:acme="http://example.com/ns/unknown/1.0/"
   xmp:ModifyDate="2024-05-01T10:11:12+02:00"
   xmp:Rating="3"
   xmp:Label="Green"
   tiff:Orientation="1"
   crs:Version="15.0"
   crs:ProcessVersion="11.0"
   crs:WhiteBalance="As Shot"
   crs:Exposure2012="+0.35"
   crs:HasSettings="True"
   acme:Keep="byte for byte">
   <dc:title>
    <rdf:Alt>
     <rdf:li xml:lang="x-default">Harbour at dawn</rdf:li>
    </rdf:Alt>
   </dc:title>
   <dc:subject>
    <rdf:Bag>
     <rdf:li>harbour</rdf:li>
     <rdf:li>dawn</rdf:li>
    </rdf:Bag>
   </dc:subject>
   <crs:ToneCurvePV2012>
    <rdf:Seq>
     <rdf:li>0, 0</rdf:li>
     <rdf:li>255, 255</rdf:li>
    </rdf:Seq>
   </crs:ToneCurvePV2012>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
${' '.repeat(100)}
<?xpacket end="w"?>`;

/** digiKam's sidecar (its default name is FILE.EXT.xmp), written through Exiv2. */
export const DIGIKAM = (pick: number) => `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:digiKam="http://www.digikam.org/ns/1.0/"
    xmlns:MicrosoftPhoto="http://ns.microsoft.com/photo/1.0/"
    xmlns:lr="http://ns.adobe.com/lightroom/1.0/"
   xmp:Rating="4"
   digiKam:ColorLabel="5"
   digiKam:PickLabel="${pick}"
   MicrosoftPhoto:Rating="75">
   <digiKam:TagsList>
    <rdf:Seq>
     <rdf:li>Places/Harbour</rdf:li>
    </rdf:Seq>
   </digiKam:TagsList>
   <lr:hierarchicalSubject>
    <rdf:Bag>
     <rdf:li>Places|Harbour</rdf:li>
    </rdf:Bag>
   </lr:hierarchicalSubject>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`;

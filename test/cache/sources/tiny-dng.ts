/* Raw files the tests make themselves, so the raw checks run without ../shared. */
/**
 * A minimal uncompressed CFA DNG (IFD0 holds the raw itself, RGGB, 16-bit) declaring
 * width x height but holding `dataBytes` of sample data: LibRaw reads its header as it
 * would a camera's, so the declared sensor can be anything the test wants.
 */
export function tinyDng(width: number, height: number, dataBytes: number): Buffer {
  const entries: Array<[number, number, number, number | Buffer]> = [];
  const make = Buffer.from('Crafted\0');
  const model = Buffer.from('Crafted DNG\0');
  // tag, type, count, value (inline number or out-of-line bytes)
  entries.push([0xfe, 4, 1, 0]);
  entries.push([0x100, 4, 1, width]);
  entries.push([0x101, 4, 1, height]);
  entries.push([0x102, 3, 1, 16]);
  entries.push([0x103, 3, 1, 1]);
  entries.push([0x106, 3, 1, 32803]);
  entries.push([0x10f, 2, make.length, make]);
  entries.push([0x110, 2, model.length, model]);
  entries.push([0x111, 4, 1, -1]); // strip offset, patched
  entries.push([0x115, 3, 1, 1]);
  entries.push([0x116, 4, 1, height]);
  entries.push([0x117, 4, 1, width * height * 2]);
  entries.push([0x828d, 3, 2, Buffer.from([2, 0, 2, 0])]);
  entries.push([0x828e, 1, 4, Buffer.from([0, 1, 1, 2])]);
  entries.push([0xc612, 1, 4, Buffer.from([1, 4, 0, 0])]);
  entries.push([0xc614, 2, model.length, model]);
  const ifdAt = 8;
  const ifdSize = 2 + entries.length * 12 + 4;
  let extraAt = ifdAt + ifdSize;
  const extras: Buffer[] = [];
  const ifd = Buffer.alloc(ifdSize);
  ifd.writeUInt16LE(entries.length, 0);
  const extraTotal = entries.reduce((n, [, , , v]) => n + (Buffer.isBuffer(v) && v.length > 4 ? v.length + (v.length & 1) : 0), 0);
  const dataAt = ifdAt + ifdSize + extraTotal;
  entries.forEach(([tag, type, count, value], i) => {
    const o = 2 + i * 12;
    ifd.writeUInt16LE(tag, o);
    ifd.writeUInt16LE(type, o + 2);
    ifd.writeUInt32LE(count, o + 4);
    if (Buffer.isBuffer(value)) {
      if (value.length <= 4) value.copy(ifd, o + 8);
      else {
        ifd.writeUInt32LE(extraAt, o + 8);
        const padded = value.length & 1 ? Buffer.concat([value, Buffer.alloc(1)]) : value;
        extras.push(padded);
        extraAt += padded.length;
      }
    } else if (type === 3) ifd.writeUInt16LE(value, o + 8);
    else ifd.writeUInt32LE(value === -1 ? dataAt : value, o + 8);
  });
  const head = Buffer.from([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0]);
  const data = Buffer.alloc(dataBytes);
  for (let i = 0; i + 1 < data.length; i += 2) data.writeUInt16LE((i * 37) % 4096, i);
  return Buffer.concat([head, ifd, ...extras, data]);
}

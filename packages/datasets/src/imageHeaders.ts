import { DatasetFormatError } from './errors.js';

/**
 * What a PNG or JPEG header declares, read before decoding so that a few hundred hostile bytes claiming
 * 30000x30000 pixels are refused at once instead of costing a minute and gigabytes.
 */
export interface ImageHeader {
  width: number;
  height: number;
  /** PNG only: the concatenated IDAT data and the exact byte count it must inflate to. */
  png?: { idat: Uint8Array; inflatedBytes: number };
}

/** The most inflated bytes one deflate input byte can give (deflate's limit is about 1032:1). */
const DEFLATE_MAX_RATIO = 1032;

const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ADAM7: ReadonlyArray<readonly [number, number, number, number]> = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/** Bytes of filtered scanlines (one filter byte per row) a PNG of this size and format inflates to. */
function pngRawBytes(width: number, height: number, bitsPerPixel: number, interlaced: boolean): number {
  const rows = (w: number, h: number) => (w === 0 || h === 0 ? 0 : h * (1 + Math.ceil((w * bitsPerPixel) / 8)));
  if (!interlaced) return rows(width, height);
  let total = 0;
  for (const [x0, y0, dx, dy] of ADAM7) total += rows(Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy));
  return total;
}

function readPngHeader(bytes: Uint8Array, name: string): ImageHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 33 || type(12) !== 'IHDR' || view.getUint32(8) !== 13) {
    throw new DatasetFormatError(name, 8, 'a 13-byte PNG IHDR chunk first', `${bytes.length} bytes, '${type(12)}'`);
  }
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const depth = bytes[24];
  const colour = bytes[25];
  const channels = PNG_CHANNELS[colour];
  if (!channels || ![1, 2, 4, 8, 16].includes(depth)) {
    throw new DatasetFormatError(name, 24, 'a PNG bit depth and colour type', `depth ${depth}, colour type ${colour}`);
  }
  const parts: Uint8Array[] = [];
  let idatBytes = 0;
  let at = 8;
  while (at + 12 <= bytes.length) {
    const length = view.getUint32(at);
    const t = type(at + 4);
    if (at + 12 + length > bytes.length) {
      throw new DatasetFormatError(
        name,
        at,
        `a ${length}-byte '${t}' chunk`,
        `${bytes.length - at - 12} bytes left (truncated)`,
      );
    }
    if (t === 'IDAT') {
      parts.push(bytes.subarray(at + 8, at + 8 + length));
      idatBytes += length;
    }
    at += 12 + length;
    if (t === 'IEND') break;
  }
  const idat = new Uint8Array(idatBytes);
  let o = 0;
  for (const p of parts) {
    idat.set(p, o);
    o += p.length;
  }
  return { width, height, png: { idat, inflatedBytes: pngRawBytes(width, height, channels * depth, bytes[28] === 1) } };
}

function readJpegHeader(bytes: Uint8Array, name: string): ImageHeader {
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff)
      throw new DatasetFormatError(name, at, 'a JPEG marker (0xff)', `0x${bytes[at].toString(16)}`);
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2;
      continue;
    }
    const length = (bytes[at + 2] << 8) | bytes[at + 3];
    // SOF0..SOF15, except DHT (c4), JPG (c8) and DAC (cc), hold the frame size.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (at + 9 > bytes.length) break;
      return { height: (bytes[at + 5] << 8) | bytes[at + 6], width: (bytes[at + 7] << 8) | bytes[at + 8] };
    }
    if (marker === 0xda || marker === 0xd9) break; // scan data or end before any frame header
    at += 2 + length;
  }
  throw new DatasetFormatError(name, at, 'a JPEG frame header (SOF marker) before the scan data', 'none');
}

/**
 * Reads the declared size of a PNG or JPEG and checks it against `maxPixels` and against the data the file
 * actually holds: a PNG's IDAT must be able to inflate to the scanlines its IHDR needs (at most ~1032 bytes
 * per compressed byte), a JPEG must hold at least one bit per 8x8 block (its DC code) for the declared frame.
 * Throws {@link DatasetFormatError} naming `name`.
 */
export function checkImageHeader(
  bytes: Uint8Array,
  kind: 'png' | 'jpeg',
  name: string,
  maxPixels: number,
): ImageHeader {
  const header = kind === 'png' ? readPngHeader(bytes, name) : readJpegHeader(bytes, name);
  const { width, height } = header;
  const sizeAt = kind === 'png' ? 16 : 0;
  if (width === 0 || height === 0) {
    throw new DatasetFormatError(name, sizeAt, 'an image of at least 1x1 pixels', `${width}x${height}`);
  }
  if (width * height > maxPixels) {
    throw new DatasetFormatError(
      name,
      sizeAt,
      `at most ${maxPixels} pixels (maxPixels)`,
      `a declared size of ${width}x${height} = ${width * height} pixels`,
    );
  }
  if (header.png) {
    const { idat, inflatedBytes } = header.png;
    if (idat.length * DEFLATE_MAX_RATIO + 64 < inflatedBytes) {
      throw new DatasetFormatError(
        name,
        sizeAt,
        `IDAT data that can inflate to the ${inflatedBytes} bytes ${width}x${height} pixels need`,
        `${idat.length} compressed bytes (at most ~${idat.length * DEFLATE_MAX_RATIO} inflated)`,
      );
    }
  } else if (bytes.length * 8 < Math.ceil(width / 8) * Math.ceil(height / 8)) {
    throw new DatasetFormatError(
      name,
      0,
      `at least one bit per 8x8 block for the declared ${width}x${height} pixels`,
      `${bytes.length} bytes`,
    );
  }
  return header;
}

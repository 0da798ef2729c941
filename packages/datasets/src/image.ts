import * as tf from '@tensorflow/tfjs-core';
import { checkNumber, importNodeOnly, isNode } from '@tiefe/core';
import { DatasetFormatError } from './errors.js';
import { checkImageHeader, type ImageHeader } from './imageHeaders.js';

/** A decoded image: always 8-bit RGBA, row-major. */
export interface DecodedImage {
  width: number;
  height: number;
  /** width * height * 4 bytes, RGBA. */
  data: Uint8Array;
}

/** 'png', 'jpeg' or null, from the file signature. */
export function imageKind(bytes: Uint8Array): 'png' | 'jpeg' | null {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47)
    return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

/** Default `maxPixels` of {@link decodeImage}: 2^26 (8192 x 8192, 256 MiB of RGBA). */
export const DEFAULT_MAX_PIXELS = 2 ** 26;

/** Options of {@link decodeImage}. */
export interface DecodeImageOptions {
  /** Refuse images whose header declares more pixels than this (default {@link DEFAULT_MAX_PIXELS}). */
  maxPixels?: number;
}

/**
 * Decodes a PNG or JPEG to 8-bit RGBA. In Node it uses pngjs and jpeg-js (loaded on demand); in the browser
 * the browser's own decoder (`createImageBitmap` + `OffscreenCanvas`, without colour-space conversion, so
 * label masks keep their values). Throws {@link DatasetFormatError} naming the file for anything else.
 *
 * Before decoding, the declared size is checked against `maxPixels` and against the data (see
 * `checkImageHeader`); in Node a PNG's image data must also inflate to exactly the bytes its IHDR declares,
 * so that a wrong width or height is an error, not a garbage image.
 */
export async function decodeImage(
  bytes: Uint8Array,
  name = 'image',
  options: DecodeImageOptions = {},
): Promise<DecodedImage> {
  const kind = imageKind(bytes);
  if (!kind) {
    const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new DatasetFormatError(name, 0, 'a PNG (89 50 4e 47) or JPEG (ff d8 ff) signature', head || 'empty file');
  }
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  checkNumber('decodeImage: maxPixels', maxPixels, 1);
  const header = checkImageHeader(bytes, kind, name, maxPixels);
  if (isNode && header.png) await checkPngData(header, name);
  try {
    if (!isNode) return await decodeInBrowser(bytes);
    if (kind === 'png') {
      const { PNG } = await importNodeOnly<typeof import('pngjs')>('pngjs');
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return {
        width: png.width,
        height: png.height,
        data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength),
      };
    }
    const mod = await importNodeOnly<typeof import('jpeg-js')>('jpeg-js');
    const jpeg = (mod as unknown as { default?: typeof mod }).default ?? mod;
    const img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      maxMemoryUsageInMB: 1024,
      maxResolutionInMP: maxPixels / 1e6,
    });
    return { width: img.width, height: img.height, data: img.data };
  } catch (e) {
    throw new DatasetFormatError(name, 0, `a decodable ${kind.toUpperCase()}`, (e as Error).message);
  }
}

/** Inflates a PNG's IDAT (capped one byte past the declared size) and checks it is exactly what IHDR needs. */
async function checkPngData(header: ImageHeader, name: string): Promise<void> {
  const { idat, inflatedBytes } = header.png as NonNullable<ImageHeader['png']>;
  const zlib = await importNodeOnly<typeof import('node:zlib')>('node:zlib');
  let got: string;
  try {
    const n = zlib.inflateSync(idat, { maxOutputLength: inflatedBytes + 1 }).length;
    if (n === inflatedBytes) return;
    got = `${n} bytes`;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    got = code === 'ERR_BUFFER_TOO_LARGE' ? 'more' : `data that does not inflate (${(e as Error).message})`;
  }
  throw new DatasetFormatError(
    name,
    16,
    `IDAT data of ${inflatedBytes} bytes, as the IHDR's ${header.width}x${header.height} pixels need`,
    got,
  );
}

async function decodeInBrowser(bytes: Uint8Array): Promise<DecodedImage> {
  const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]), {
    colorSpaceConversion: 'none',
    premultiplyAlpha: 'none',
  });
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2d context');
  ctx.drawImage(bitmap, 0, 0);
  const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
  bitmap.close();
  return {
    width: canvas.width,
    height: canvas.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

/**
 * Picks channels from RGBA: 3 -> RGB, 1 -> luma (round(0.299 R + 0.587 G + 0.114 B), ITU-R BT.601),
 * 'first' -> the red channel alone (for label masks stored as grey PNGs), 4 -> RGBA unchanged.
 */
export function rgbaTo(image: DecodedImage, channels: 1 | 3 | 4 | 'first'): Uint8Array {
  const n = image.width * image.height;
  const src = image.data;
  if (channels === 4) return src;
  if (channels === 'first') {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = src[4 * i];
    return out;
  }
  if (channels === 1) {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++)
      out[i] = Math.round(0.299 * src[4 * i] + 0.587 * src[4 * i + 1] + 0.114 * src[4 * i + 2]);
    return out;
  }
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    out[3 * i] = src[4 * i];
    out[3 * i + 1] = src[4 * i + 1];
    out[3 * i + 2] = src[4 * i + 2];
  }
  return out;
}

/**
 * Resizes 8-bit pixels [h, w, c] to [size[0], size[1], c]: bilinear (half-pixel centres) for images,
 * nearest neighbour for label masks; rounds back to bytes.
 */
export function resizeBytes(
  bytes: Uint8Array,
  from: [number, number, number],
  size: [number, number],
  method: 'bilinear' | 'nearest',
): Uint8Array {
  if (from[0] === size[0] && from[1] === size[1]) return bytes;
  const out = tf.tidy(() => {
    const x = tf.tensor3d(Float32Array.from(bytes), from);
    const y =
      method === 'nearest'
        ? tf.image.resizeNearestNeighbor(x, size, false, true)
        : tf.image.resizeBilinear(x, size, false, true);
    return y.dataSync();
  });
  const b = new Uint8Array(out.length);
  for (let i = 0; i < out.length; i++) b[i] = Math.min(255, Math.max(0, Math.round(out[i])));
  return b;
}

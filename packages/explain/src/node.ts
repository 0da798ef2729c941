/**
 * Node-only entry `@tiefe/explain/node`: PNG encoding and writing with pngjs. Kept out of the main entry so
 * that browser bundles never see node:fs or pngjs.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { InputError } from '@tiefe/core';
import { PNG } from 'pngjs';
import type { RgbaImage } from './render/image.js';

/** Encodes an RGBA image as PNG bytes. */
export function encodePng(image: RgbaImage): Buffer {
  if (!image || image.data?.length !== image.width * image.height * 4) {
    throw new InputError(
      'image',
      'an RGBA image with width * height * 4 bytes',
      image ? `${image.data?.length} bytes for ${image.width} x ${image.height}` : String(image),
    );
  }
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return PNG.sync.write(png);
}

/** Decodes PNG bytes into an RGBA image. */
export function decodePng(bytes: Buffer): RgbaImage {
  const png = PNG.sync.read(bytes);
  return { width: png.width, height: png.height, data: new Uint8ClampedArray(png.data) };
}

/** Writes an RGBA image as a PNG file (to `<path>.tmp`, then renamed, so no half-written file is left). */
export function writePng(path: string, image: RgbaImage): void {
  const bytes = encodePng(image);
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

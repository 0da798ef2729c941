import { InputError } from '../errors.js';
import { checkInt, describeValue } from '../validate.js';

/**
 * An RGBA image: `data` holds width * height * 4 bytes, row by row, top row first. It has the shape of the
 * browser's ImageData, so `new ImageData(img.data, img.width, img.height)` or `ctx.putImageData(img as ImageData,
 * 0, 0)` draws it.
 */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** A colour as `[r, g, b]` (opaque) or `[r, g, b, a]`, each in 0..255. */
export type Color = readonly [number, number, number] | readonly [number, number, number, number];

/** Checks a colour and returns it as four bytes. */
export function toRgba(name: string, color: unknown): [number, number, number, number] {
  const ok =
    Array.isArray(color) &&
    (color.length === 3 || color.length === 4) &&
    color.every((c) => typeof c === 'number' && Number.isFinite(c) && c >= 0 && c <= 255);
  if (!ok) throw new InputError(name, '[r, g, b] or [r, g, b, a] with values in 0..255', describeValue(color));
  return [color[0], color[1], color[2], color.length === 4 ? color[3] : 255];
}

/** Checks that `image` is an {@link RgbaImage} whose `data` has width * height * 4 bytes. */
export function checkImage(name: string, image: unknown): RgbaImage {
  const img = image as Partial<RgbaImage> | null;
  const ok =
    img !== null &&
    typeof img === 'object' &&
    Number.isInteger(img.width) &&
    Number.isInteger(img.height) &&
    (img.width as number) > 0 &&
    (img.height as number) > 0 &&
    img.data instanceof Uint8ClampedArray &&
    img.data.length === (img.width as number) * (img.height as number) * 4;
  if (!ok) {
    const got =
      img && typeof img === 'object'
        ? `${img.data instanceof Uint8ClampedArray ? `${img.data.length} bytes` : `data ${describeValue(img.data)}`} for ${describeValue(img.width)} x ${describeValue(img.height)}`
        : describeValue(image);
    throw new InputError(name, 'an RGBA image { width, height, data: Uint8ClampedArray of width * height * 4 }', got);
  }
  return img as RgbaImage;
}

/** A new image filled with one colour (default opaque white). */
export function blankImage(width: number, height: number, color: Color = [255, 255, 255, 255]): RgbaImage {
  checkInt('blankImage: width', width);
  checkInt('blankImage: height', height);
  const rgba = toRgba('blankImage: color', color);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set(rgba, i);
  return { width, height, data };
}

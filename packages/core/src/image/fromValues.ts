import { InputError } from '../errors.js';
import { checkInt } from '../validate.js';
import { blankImage, type Color, type RgbaImage, toRgba } from './rgbaImage.js';

/** Where in a flat buffer an image starts: image `index` of a batch of `width * height` values each. */
function span(name: string, length: number, width: number, height: number, index: number): number {
  checkInt(`${name}: width`, width);
  checkInt(`${name}: height`, height);
  checkInt(`${name}: index`, index, 0);
  const start = index * width * height;
  if (start + width * height > length) {
    throw new InputError(`${name}: values`, `at least ${start + width * height} values (image ${index})`, `${length}`);
  }
  return start;
}

/**
 * Image `index` of a batch of `width * height` grey values in [0, 1] (clipped; a `[n, h, w]` or `[n, h, w, 1]`
 * tensor's data), as an opaque RGBA image.
 */
export function grayImage(values: ArrayLike<number>, width: number, height: number, index = 0): RgbaImage {
  const start = span('grayImage', values.length, width, height, index);
  const img = blankImage(width, height);
  for (let i = 0; i < width * height; i++) {
    const v = Math.round(255 * Math.min(1, Math.max(0, values[start + i])));
    img.data.set([v, v, v], 4 * i);
  }
  return img;
}

/**
 * Image `index` of a batch of `width * height` class ids (a segmentation mask), each pixel coloured by
 * `palette[id]`.
 */
export function labelImage(
  ids: ArrayLike<number>,
  palette: readonly Color[],
  width: number,
  height: number,
  index = 0,
): RgbaImage {
  const start = span('labelImage', ids.length, width, height, index);
  const colors = palette.map((c, i) => toRgba(`labelImage: palette[${i}]`, c));
  const img = blankImage(width, height);
  for (let i = 0; i < width * height; i++) {
    const id = ids[start + i];
    if (!Number.isInteger(id) || id < 0 || id >= colors.length) {
      throw new InputError('labelImage: ids', `class ids in 0..${colors.length - 1} (the palette's colours)`, `${id}`);
    }
    img.data.set(colors[id], 4 * i);
  }
  return img;
}

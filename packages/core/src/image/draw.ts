import { checkNumber } from '../validate.js';
import { type Color, checkImage, type RgbaImage, toRgba } from './rgbaImage.js';

/** A rectangle in pixels: top-left corner `(x, y)`, then its size. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Fills a rectangle of `image` with `color` (replacing, not blending, the pixels), clipped to the image.
 * Coordinates are rounded to whole pixels. Returns `image`, which it changes in place.
 */
export function fillRect(image: RgbaImage, rect: Rect, color: Color): RgbaImage {
  const img = checkImage('fillRect: image', image);
  const rgba = toRgba('fillRect: color', color);
  const x = Math.round(checkNumber('fillRect: rect.x', rect?.x));
  const y = Math.round(checkNumber('fillRect: rect.y', rect?.y));
  const w = Math.round(checkNumber('fillRect: rect.width', rect.width, 0));
  const h = Math.round(checkNumber('fillRect: rect.height', rect.height, 0));
  const x0 = Math.max(0, x);
  const x1 = Math.min(img.width, x + w);
  for (let yy = Math.max(0, y); yy < Math.min(img.height, y + h); yy++) {
    for (let xx = x0; xx < x1; xx++) img.data.set(rgba, (yy * img.width + xx) * 4);
  }
  return img;
}

/**
 * Draws a straight line from `from` to `to` (`[x, y]` in pixels) as a run of `thickness` x `thickness`
 * squares, one per pixel of length, clipped to the image. Returns `image`, which it changes in place.
 */
export function drawLine(
  image: RgbaImage,
  from: readonly [number, number],
  to: readonly [number, number],
  color: Color,
  thickness = 1,
): RgbaImage {
  const img = checkImage('drawLine: image', image);
  toRgba('drawLine: color', color);
  const [x0, y0] = [checkNumber('drawLine: from[0]', from?.[0]), checkNumber('drawLine: from[1]', from?.[1])];
  const [x1, y1] = [checkNumber('drawLine: to[0]', to?.[0]), checkNumber('drawLine: to[1]', to?.[1])];
  checkNumber('drawLine: thickness', thickness, 1);
  const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0)));
  const half = thickness / 2;
  for (let s = 0; s <= steps; s++) {
    const x = x0 + ((x1 - x0) * s) / steps;
    const y = y0 + ((y1 - y0) * s) / steps;
    fillRect(img, { x: x - half + 0.5, y: y - half + 0.5, width: thickness, height: thickness }, color);
  }
  return img;
}

/**
 * Copies `source` into `target` with its top-left corner at `(x, y)` (whole pixels), clipped to `target`;
 * pixels are replaced, not blended. Returns `target`, which it changes in place.
 */
export function drawImage(target: RgbaImage, source: RgbaImage, x: number, y: number): RgbaImage {
  const dst = checkImage('drawImage: target', target);
  const src = checkImage('drawImage: source', source);
  const ox = Math.round(checkNumber('drawImage: x', x));
  const oy = Math.round(checkNumber('drawImage: y', y));
  const left = Math.max(0, -ox);
  const right = Math.min(src.width, dst.width - ox);
  if (right <= left) return dst;
  for (let row = Math.max(0, -oy); row < Math.min(src.height, dst.height - oy); row++) {
    const start = (row * src.width + left) * 4;
    dst.data.set(src.data.subarray(start, start + (right - left) * 4), ((oy + row) * dst.width + ox + left) * 4);
  }
  return dst;
}

import { checkInt } from '../validate.js';
import { checkImage, type RgbaImage } from './rgbaImage.js';

/** Nearest-neighbour upscaling by an integer factor (for small images such as 28 x 28 digits). */
export function upscale(image: RgbaImage, factor: number): RgbaImage {
  const img = checkImage('upscale: image', image);
  checkInt('upscale: factor', factor);
  if (factor === 1) return img;
  const width = img.width * factor;
  const height = img.height * factor;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const row = Math.floor(y / factor) * img.width;
    for (let x = 0; x < width; x++) {
      const s = (row + Math.floor(x / factor)) * 4;
      data.set(img.data.subarray(s, s + 4), (y * width + x) * 4);
    }
  }
  return { width, height, data };
}

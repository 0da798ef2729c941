import type * as tf from '@tensorflow/tfjs-core';
import { checkInt, checkOptions, checkTensor, InputError, imageGrid, type RgbaImage, upscale } from '@tiefe/core';

/** Options of {@link tensorToImages} and {@link sampleGrid}. */
export interface ToImageOptions {
  /** Value range of the pixels: `[0, 1]` (default) or `[-1, 1]` (tanh generators). Values outside are clipped. */
  range?: [number, number];
  /** Integer upscaling factor (default 1). */
  scale?: number;
}

/** A batch `[n, h, w, 1 or 3]` as n RGBA images (grey channels repeated). */
export async function tensorToImages(x: tf.Tensor, options: ToImageOptions = {}): Promise<RgbaImage[]> {
  checkOptions('tensorToImages: options', options);
  checkTensor('tensorToImages: x', x, { rank: 4 });
  const [n, h, w, c] = x.shape;
  if (c !== 1 && c !== 3) throw new InputError('tensorToImages: x', '1 or 3 channels', `${c}`);
  const [lo, hi] = options.range ?? [0, 1];
  if (!(hi > lo))
    throw new InputError('tensorToImages: range', '[low, high] with high > low', JSON.stringify(options.range));
  const scale = checkInt('tensorToImages: scale', options.scale ?? 1);
  const v = await x.data();
  const out: RgbaImage[] = [];
  for (let i = 0; i < n; i++) {
    const data = new Uint8ClampedArray(h * w * 4);
    for (let p = 0; p < h * w; p++) {
      for (let k = 0; k < 3; k++) {
        const val = v[(i * h * w + p) * c + (c === 3 ? k : 0)];
        data[p * 4 + k] = Math.round(((val - lo) / (hi - lo)) * 255);
      }
      data[p * 4 + 3] = 255;
    }
    const img = { width: w, height: h, data };
    out.push(scale > 1 ? upscale(img, scale) : img);
  }
  return out;
}

/**
 * A batch as one grid image, `cols` images per row (default: a square-ish grid), e.g. generator samples every N
 * steps; write it with core's `writePng`.
 */
export async function sampleGrid(x: tf.Tensor, options: ToImageOptions & { cols?: number } = {}): Promise<RgbaImage> {
  const images = await tensorToImages(x, options);
  const cols = checkInt('sampleGrid: cols', options.cols ?? Math.ceil(Math.sqrt(images.length)));
  const rowsOut: RgbaImage[][] = [];
  for (let i = 0; i < images.length; i += cols) rowsOut.push(images.slice(i, i + cols));
  return imageGrid(rowsOut);
}

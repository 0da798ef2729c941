import type * as tf from '@tensorflow/tfjs-core';
import { createRng, InputError } from '@tiefe/core';

/** An input batch seen as N images of H x W pixels with C channels (channels last). */
export interface ImageView {
  n: number;
  h: number;
  w: number;
  c: number;
}

/**
 * Views x as [N, H, W, C]: rank 4 as is, rank 3 [N, L, C] (sequences) as [N, 1, L, C], rank 2 [N, F] (feature
 * vectors) as [N, 1, F, 1]. Window methods (occlusion, prediction difference, pixel flipping) slide over H x W
 * and cover all channels of a pixel.
 */
export function imageView(x: tf.Tensor, name: string): ImageView {
  const s = x.shape as number[];
  if (x.rank === 4) return { n: s[0], h: s[1], w: s[2], c: s[3] };
  if (x.rank === 3) return { n: s[0], h: 1, w: s[1], c: s[2] };
  if (x.rank === 2) return { n: s[0], h: 1, w: s[1], c: 1 };
  throw new InputError(name, 'a rank-2, rank-3 or rank-4 (NHWC) tensor', `shape [${s}]`);
}

/** A window size as [height, width], clipped to the image (height 1 for sequences and vectors). */
export function windowSize(size: number | [number, number], view: ImageView, name: string): [number, number] {
  const [a, b] = Array.isArray(size) ? size : [size, size];
  for (const v of [a, b]) {
    if (!Number.isInteger(v) || v < 1)
      throw new InputError(name, 'a positive integer or [height, width]', String(size));
  }
  const hh = Math.min(a, view.h);
  const ww = Math.min(b, view.w);
  return [hh, ww];
}

/**
 * Top-left corners of the windows of size [wh, ww] with the given stride; the last row and column of windows
 * are added when the stride does not reach the border, so every pixel is covered.
 */
export function windowPositions(view: ImageView, size: [number, number], stride: number): Array<[number, number]> {
  const starts = (len: number, k: number) => {
    const out: number[] = [];
    for (let p = 0; p + k <= len; p += stride) out.push(p);
    if (out[out.length - 1] !== len - k) out.push(len - k);
    return out;
  };
  const out: Array<[number, number]> = [];
  for (const t of starts(view.h, size[0])) for (const l of starts(view.w, size[1])) out.push([t, l]);
  return out;
}

/** The windows of `size` every `stride` pixels (see {@link windowPositions}): top-left corners and flat indices. */
export function slidingWindows(
  view: ImageView,
  size: [number, number],
  stride: number,
): { positions: Array<[number, number]>; windows: Int32Array[] } {
  const positions = windowPositions(view, size, stride);
  return { positions, windows: positions.map(([t, l]) => windowIndices(view, t, l, size)) };
}

/** Flat indices (into one image of h*w*c values) of the pixels of a window, all channels. */
export function windowIndices(view: ImageView, top: number, left: number, size: [number, number]): Int32Array {
  const out = new Int32Array(size[0] * size[1] * view.c);
  let k = 0;
  for (let i = top; i < top + size[0]; i++) {
    for (let j = left; j < left + size[1]; j++) {
      for (let ch = 0; ch < view.c; ch++) out[k++] = (i * view.w + j) * view.c + ch;
    }
  }
  return out;
}

/**
 * Attribution maps from one score per (input, window): value k of input `img`'s map is the mean of
 * `score(img, w)` over the windows w that cover k (0 where none does). Returns the `n` maps of `per` values each.
 */
export function windowAverage(
  n: number,
  per: number,
  windows: Int32Array[],
  score: (img: number, w: number) => number,
): Float32Array {
  const count = new Float32Array(per);
  for (const win of windows) for (const k of win) count[k]++;
  const out = new Float32Array(n * per);
  for (let img = 0; img < n; img++) {
    for (let w = 0; w < windows.length; w++) {
      const v = score(img, w);
      for (const k of windows[w]) out[img * per + k] += v;
    }
    for (let k = 0; k < per; k++) if (count[k] > 0) out[img * per + k] /= count[k];
  }
  return out;
}

/** Non-overlapping tiles of `size` covering the image (the last row/column clipped at the border), flat indices. */
export function gridRegions(view: ImageView, size: [number, number]): Int32Array[] {
  const regions: Int32Array[] = [];
  for (let t = 0; t < view.h; t += size[0]) {
    for (let l = 0; l < view.w; l += size[1]) {
      regions.push(windowIndices(view, t, l, [Math.min(size[0], view.h - t), Math.min(size[1], view.w - l)]));
    }
  }
  return regions;
}

/**
 * Per input, the regions sorted by their relevance (the sum over their pixels and channels), most relevant
 * first; ties keep the region order. `rel` holds n maps of `per` values.
 */
export function regionOrders(regions: Int32Array[], rel: Float32Array, n: number, per: number): Int32Array[] {
  const orders: Int32Array[] = [];
  for (let img = 0; img < n; img++) {
    const idx = Int32Array.from({ length: regions.length }, (_, i) => i);
    const score = regions.map((reg) => reg.reduce((s, k) => s + rel[img * per + k], 0));
    idx.sort((a, b) => score[b] - score[a] || a - b);
    orders.push(idx);
  }
  return orders;
}

/** n seeded random orders of `count` regions. */
export function randomOrders(count: number, n: number, seedValue: number): Int32Array[] {
  const rng = createRng(seedValue);
  return Array.from({ length: n }, () => {
    const idx = Int32Array.from({ length: count }, (_, i) => i);
    rng.shuffle(idx);
    return idx;
  });
}

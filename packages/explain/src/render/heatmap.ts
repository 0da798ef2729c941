import * as tf from '@tensorflow/tfjs-core';
import { checkOneOf, InputError, type RgbaImage } from '@tiefe/core';
import { COLORMAPS, type ColormapName, colormap, isDiverging } from './colormap.js';

/** Options of {@link renderHeatmap}. */
export interface HeatmapOptions {
  /** Colour map (default 'bwr' for signed maps, 'hot' for non-negative ones). */
  colormap?: ColormapName;
  /**
   * How channels become one value per pixel: 'sum' (default, relevance is additive) or 'maxAbs' (the channel
   * with the largest magnitude, signed; for saliency of colour images).
   */
  reduce?: 'sum' | 'maxAbs';
  /**
   * Percentile of |value| mapped to full colour (default 99.5): larger values saturate, so a few extreme pixels
   * do not wash out the rest.
   */
  percentile?: number;
  /** Explicit scale: |value| = scale gives full colour (overrides `percentile`). */
  scale?: number;
}

/** One image of a map as H x W values: accepts [H, W], [H, W, C] or [1, H, W, C] (and [1, L, C] / [1, F]). */
async function pixels(map: tf.Tensor, reduce: 'sum' | 'maxAbs'): Promise<{ h: number; w: number; v: Float32Array }> {
  let s = map.shape as number[];
  if (s[0] === 1 && map.rank >= 2 && map.rank !== 2) s = s.slice(1);
  else if (map.rank === 2 && s[0] === 1) s = [1, s[1]];
  let h: number;
  let w: number;
  let c: number;
  if (s.length === 2) [h, w, c] = [s[0], s[1], 1];
  else if (s.length === 3) [h, w, c] = [s[0], s[1], s[2]];
  else
    throw new InputError('renderHeatmap: map', 'one image: [H, W], [H, W, C] or [1, H, W, C]', `shape [${map.shape}]`);
  const d = (await map.data()) as Float32Array;
  const v = new Float32Array(h * w);
  for (let i = 0; i < h * w; i++) {
    let acc = 0;
    for (let k = 0; k < c; k++) {
      const x = d[i * c + k];
      if (reduce === 'sum') acc += x;
      else if (Math.abs(x) > Math.abs(acc)) acc = x;
    }
    v[i] = acc;
  }
  return { h, w, v };
}

function scaleOf(v: Float32Array, percentile: number): number {
  const mags = Float32Array.from(v, Math.abs).sort();
  const idx = Math.min(mags.length - 1, Math.max(0, Math.ceil((percentile / 100) * mags.length) - 1));
  return mags[idx] > 0 ? mags[idx] : mags[mags.length - 1] || 1;
}

/**
 * Renders one relevance map as an RGBA image. Signed maps (any negative value, or a diverging colour map) are
 * scaled by s (see `percentile`/`scale`) to t = (v / s + 1) / 2 on a diverging map, so 0 is the centre colour;
 * non-negative maps to t = v / s on a sequential map.
 */
export async function renderHeatmap(map: tf.Tensor, options: HeatmapOptions = {}): Promise<RgbaImage> {
  if (options.colormap !== undefined) checkOneOf('renderHeatmap: colormap', options.colormap, COLORMAPS);
  const { h, w, v } = await pixels(map, options.reduce ?? 'sum');
  const signed = options.colormap ? isDiverging(options.colormap) : v.some((x) => x < 0);
  const cm = options.colormap ?? (signed ? 'bwr' : 'hot');
  const pct = options.percentile ?? 99.5;
  if (!(pct > 0 && pct <= 100)) throw new InputError('renderHeatmap: percentile', 'a number in (0, 100]', String(pct));
  const s = options.scale ?? scaleOf(v, pct);
  if (!(s > 0) || !Number.isFinite(s)) throw new InputError('renderHeatmap: scale', 'a positive number', String(s));
  const data = new Uint8ClampedArray(h * w * 4);
  for (let i = 0; i < h * w; i++) {
    const t = signed ? (v[i] / s + 1) / 2 : v[i] / s;
    const [r, g, b] = colormap(cm, t);
    data[i * 4] = r;
    data[i * 4 + 1] = g;
    data[i * 4 + 2] = b;
    data[i * 4 + 3] = 255;
  }
  return { width: w, height: h, data };
}

/** Renders every map of a batch [N, ...] (see {@link renderHeatmap}). */
export async function renderHeatmaps(maps: tf.Tensor, options: HeatmapOptions = {}): Promise<RgbaImage[]> {
  const out: RgbaImage[] = [];
  for (let i = 0; i < maps.shape[0]; i++) {
    const one = tf.slice(maps, i, 1);
    try {
      out.push(await renderHeatmap(one, options));
    } finally {
      one.dispose();
    }
  }
  return out;
}

/** Options of {@link renderInput}. */
export interface InputImageOptions {
  /** Value range mapped to 0..255 (default: the image's own min and max). */
  range?: [number, number];
}

/** Renders one input image ([H, W], [H, W, 1|3] or [1, H, W, C]) as grey or RGB. */
export async function renderInput(image: tf.Tensor, options: InputImageOptions = {}): Promise<RgbaImage> {
  let s = image.shape as number[];
  if (image.rank === 4 && s[0] === 1) s = s.slice(1);
  const [h, w, c] = s.length === 2 ? [s[0], s[1], 1] : s.length === 3 ? [s[0], s[1], s[2]] : [0, 0, 0];
  if (!h || !(c === 1 || c === 3))
    throw new InputError(
      'renderInput: image',
      'one image [H, W], [H, W, 1|3] or [1, H, W, C]',
      `shape [${image.shape}]`,
    );
  const d = (await image.data()) as Float32Array;
  let lo = Infinity;
  let hi = -Infinity;
  if (options.range) [lo, hi] = options.range;
  else
    for (const v of d) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  if (!(hi > lo)) hi = lo + 1; // a constant image renders as black
  const data = new Uint8ClampedArray(h * w * 4);
  for (let i = 0; i < h * w; i++) {
    for (let k = 0; k < 3; k++) data[i * 4 + k] = Math.round((255 * (d[i * c + (c === 3 ? k : 0)] - lo)) / (hi - lo));
    data[i * 4 + 3] = 255;
  }
  return { width: w, height: h, data };
}

/** Options of {@link overlay}. */
export interface OverlayOptions {
  /** Opacity of the heatmap over the input (default 0.6). */
  alpha?: number;
}

/**
 * Blends a heatmap over an input image of the same size: out = (1 - a) input + a heat, with a = `alpha` (the
 * input shows through everywhere, so the heatmap reads as a tint of the digit or photo).
 */
export function overlay(input: RgbaImage, heat: RgbaImage, options: OverlayOptions = {}): RgbaImage {
  if (input.width !== heat.width || input.height !== heat.height) {
    throw new InputError(
      'overlay: heat',
      `an image of ${input.width} x ${input.height}`,
      `${heat.width} x ${heat.height}`,
    );
  }
  const a = options.alpha ?? 0.6;
  if (!(a >= 0 && a <= 1)) throw new InputError('overlay: alpha', 'a number in [0, 1]', String(a));
  const data = new Uint8ClampedArray(input.data.length);
  for (let i = 0; i < data.length; i += 4) {
    for (let k = 0; k < 3; k++) data[i + k] = Math.round((1 - a) * input.data[i + k] + a * heat.data[i + k]);
    data[i + 3] = 255;
  }
  return { width: input.width, height: input.height, data };
}

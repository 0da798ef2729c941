import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '@tiefe/core';
import { fmt } from '../internal/inputs.js';
import { squaredDistanceTransform } from './distanceTransform.js';

/** A 2-D or 3-D mask: a tensor, or plain values with their shape (row-major, last axis fastest). */
export type MaskInput = tf.Tensor | { data: ArrayLike<number>; shape: readonly number[] };

/** Options of {@link hausdorffDistance}. */
export interface HausdorffDistanceOptions {
  /**
   * Percentile of the directed surface distances (e.g. 95 for HD95), with linear interpolation as NumPy's
   * `percentile`; the result is the larger of the two directed percentiles (MONAI's convention).
   * Default: none, the maximum (the Hausdorff distance).
   */
  percentile?: number;
  /** Physical size of a step along each axis (e.g. mm per voxel). Default all 1 (pixels). */
  spacing?: number[];
  /** Compare the masks' boundary pixels (default true, as MONAI and MedPy) or all their pixels (false). */
  surface?: boolean;
  /** Check that both masks hold only 0 and 1. Default true. */
  validate?: boolean;
}

async function readMask(name: string, m: MaskInput): Promise<{ data: ArrayLike<number>; shape: number[] }> {
  if (m instanceof tf.Tensor) {
    if (m.isDisposed) throw new InputError(name, 'a live tensor', 'a disposed tensor');
    if (m.dtype === 'string' || m.dtype === 'complex64')
      throw new InputError(name, 'a numeric mask', `dtype ${m.dtype}`);
    return { data: await m.data(), shape: m.shape.slice() };
  }
  if (!m || typeof m !== 'object' || !('data' in m) || !Array.isArray(m.shape)) {
    throw new InputError(name, 'a tf.Tensor or { data, shape }', typeof m);
  }
  const size = m.shape.reduce((a, b) => a * b, 1);
  if (m.data.length !== size)
    throw new InputError(name, `${size} values for shape ${fmt(m.shape)}`, `${m.data.length}`);
  return { data: m.data, shape: m.shape.slice() };
}

/**
 * The boundary of a mask: foreground pixels with at least one face neighbour (4-connected in 2-D, 6 in 3-D) in
 * the background or outside the image (scipy's `binary_erosion` with its default structure and border 0, as
 * MONAI's `get_mask_edges` and MedPy use).
 */
export function maskSurface(mask: Uint8Array, shape: readonly number[]): Uint8Array {
  const out = new Uint8Array(mask.length);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const coord = new Array(shape.length).fill(0);
  for (let i = 0; i < mask.length; i++) {
    let rem = i;
    for (let a = 0; a < shape.length; a++) {
      coord[a] = Math.floor(rem / strides[a]);
      rem -= coord[a] * strides[a];
    }
    if (!mask[i]) continue;
    let edge = false;
    for (let a = 0; a < shape.length && !edge; a++) {
      if (coord[a] === 0 || coord[a] === shape[a] - 1) edge = true;
      else if (!mask[i - strides[a]] || !mask[i + strides[a]]) edge = true;
    }
    out[i] = edge ? 1 : 0;
  }
  return out;
}

/** NumPy's default (linear) percentile of unsorted values. */
export function percentileOf(values: Float64Array, q: number): number {
  const s = Float64Array.from(values).sort();
  const pos = ((s.length - 1) * q) / 100;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/**
 * Hausdorff distance between two binary masks of the same 2-D or 3-D shape, exact Euclidean (via the exact
 * distance transform, {@link squaredDistanceTransform}), in pixels or in `spacing` units:
 *
 *     HD(A, B) = max( max_{a in dA} d(a, dB), max_{b in dB} d(b, dA) )
 *
 * with dA, dB the masks' boundaries (or the masks themselves with `surface: false`). With `percentile` q the two
 * maxima become q-th percentiles (HD95 for q = 95). Runs on CPU arrays (tensors are read asynchronously).
 * Both masks empty: 0; exactly one empty: +Infinity (MONAI returns inf/NaN there too).
 *
 * @example
 * const hd95 = await hausdorffDistance(trueMask, predMask, { percentile: 95, spacing: [0.8, 0.8] });
 */
export async function hausdorffDistance(
  yTrue: MaskInput,
  yPred: MaskInput,
  options: HausdorffDistanceOptions = {},
): Promise<number> {
  const fn = 'hausdorffDistance';
  const a = await readMask(`${fn}: yTrue`, yTrue);
  const b = await readMask(`${fn}: yPred`, yPred);
  if (a.shape.length < 2 || a.shape.length > 3) {
    throw new InputError(`${fn}: yTrue`, 'a 2-D or 3-D mask (one image, one class)', `shape ${fmt(a.shape)}`);
  }
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new InputError(`${fn}: yPred`, `yTrue's shape ${fmt(a.shape)}`, `shape ${fmt(b.shape)}`);
  }
  const q = options.percentile;
  if (q !== undefined && !(q >= 0 && q <= 100))
    throw new InputError(`${fn}: percentile`, 'a number in [0, 100]', `${q}`);
  if (options.spacing !== undefined && options.spacing.length !== a.shape.length) {
    throw new InputError(`${fn}: spacing`, `${a.shape.length} numbers (one per axis)`, `${options.spacing.length}`);
  }
  const toMask = (name: string, m: { data: ArrayLike<number> }): Uint8Array => {
    const out = new Uint8Array(m.data.length);
    let bad = 0;
    for (let i = 0; i < out.length; i++) {
      const v = m.data[i];
      if (options.validate !== false && v !== 0 && v !== 1) bad++;
      out[i] = v >= 0.5 ? 1 : 0;
    }
    if (bad > 0) throw new InputError(name, 'a binary mask of 0 and 1', `${bad} other value(s)`);
    return out;
  };
  let ma = toMask(`${fn}: yTrue`, a);
  let mb = toMask(`${fn}: yPred`, b);
  const anyA = ma.some((v) => v === 1);
  const anyB = mb.some((v) => v === 1);
  if (!anyA && !anyB) return 0;
  if (!anyA || !anyB) return Number.POSITIVE_INFINITY;
  if (options.surface !== false) {
    ma = maskSurface(ma, a.shape);
    mb = maskSurface(mb, a.shape);
  }
  const directed = (from: Uint8Array, to: Uint8Array): number => {
    const d2 = squaredDistanceTransform(to, a.shape, options.spacing);
    const ds: number[] = [];
    for (let i = 0; i < from.length; i++) if (from[i]) ds.push(Math.sqrt(d2[i]));
    if (q === undefined) return ds.reduce((m, v) => Math.max(m, v), 0);
    return percentileOf(Float64Array.from(ds), q);
  };
  return Math.max(directed(ma, mb), directed(mb, ma));
}

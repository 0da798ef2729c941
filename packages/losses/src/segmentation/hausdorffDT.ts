import * as tf from '@tensorflow/tfjs-core';
import { checkNumber, InputError } from '@tiefe/core';
import {
  assertSyncReads,
  fmt,
  named,
  type ParsedInputs,
  parseSegmentationInputs,
  probabilities,
  targetsAndMask,
  valueChecker,
} from '../internal/inputs.js';
import { squaredDistanceTransform } from '../metrics/distanceTransform.js';
import type { SegmentationInputOptions } from '../types.js';

/** Options of {@link hausdorffDTLoss} and {@link hausdorffDTWeights}. */
export interface HausdorffDTLossOptions extends SegmentationInputOptions {
  /** Exponent of the distances. Default 2 (the paper's choice). */
  alpha?: number;
  /** Keep channel 0 (the background) when there are 2 or more channels. Default true. */
  includeBackground?: boolean;
  /** Physical size of a pixel step along each spatial axis, for the distance transforms. Default all 1. */
  spacing?: number[];
}

/**
 * A Hausdorff-DT loss: `(yTrue, yPred) => tf.Scalar`, which also takes the distance weights precomputed by
 * {@link hausdorffDTWeights} as a third argument (needed on WebGPU in Node, where no synchronous read exists).
 */
export type HausdorffDTLossFn = ((yTrue: tf.Tensor, yPred: tf.Tensor, weights?: tf.Tensor) => tf.Scalar) & {
  readonly name: string;
};

interface Prepared {
  parsed: ParsedInputs;
  prob: tf.Tensor3D;
  target: tf.Tensor3D;
  valid: tf.Tensor3D;
  spatial: number[];
}

function prepare(fn: string, yTrue: tf.Tensor, yPred: tf.Tensor, o: HausdorffDTLossOptions): Prepared {
  const parsed = parseSegmentationInputs(fn, yTrue, yPred, o);
  const spatial = yPred.shape.slice(1, -1);
  if (o.spacing !== undefined && o.spacing.length !== spatial.length) {
    throw new InputError(`${fn}: spacing`, `${spatial.length} numbers (one per spatial axis)`, `${o.spacing.length}`);
  }
  const { target, valid } = targetsAndMask(yTrue, parsed, o.ignoreIndex);
  let prob: tf.Tensor = probabilities(yPred, parsed, o.fromLogits);
  let g: tf.Tensor = target;
  let v: tf.Tensor = valid;
  if (o.includeBackground === false && parsed.numClasses > 1) {
    const c = parsed.numClasses - 1;
    prob = tf.slice(prob, [0, 0, 1], [-1, -1, c]);
    g = tf.slice(g, [0, 0, 1], [-1, -1, c]);
    if ((v.shape[2] ?? 1) > 1) v = tf.slice(v, [0, 0, 1], [-1, -1, c]);
  }
  return { parsed, prob: prob as tf.Tensor3D, target: g as tf.Tensor3D, valid: v as tf.Tensor3D, spatial };
}

/**
 * MONAI's distance field of each (image, channel) of `values` [N, P, C] thresholded at 0.5: at a foreground
 * pixel the distance to the nearest background pixel, at a background pixel the distance to the nearest
 * foreground pixel; all 0 when the mask is empty or full. Returns field^alpha.
 */
function fieldPowers(
  values: ArrayLike<number>,
  n: number,
  px: number,
  c: number,
  spatial: number[],
  alpha: number,
  spacing?: number[],
): Float32Array {
  const out = new Float32Array(n * px * c);
  const fg = new Uint8Array(px);
  const bg = new Uint8Array(px);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      let count = 0;
      for (let i = 0; i < px; i++) {
        const on = values[(b * px + i) * c + ch] > 0.5 ? 1 : 0;
        fg[i] = on;
        bg[i] = 1 - on;
        count += on;
      }
      if (count === 0 || count === px) continue;
      const toFg = squaredDistanceTransform(fg, spatial, spacing);
      const toBg = squaredDistanceTransform(bg, spatial, spacing);
      for (let i = 0; i < px; i++) {
        const d2 = fg[i] ? toBg[i] : toFg[i];
        out[(b * px + i) * c + ch] = alpha === 2 ? d2 : d2 ** (alpha / 2);
      }
    }
  }
  return out;
}

function weightsFrom(
  pr: Prepared,
  probVals: ArrayLike<number>,
  targetVals: ArrayLike<number>,
  o: HausdorffDTLossOptions,
) {
  const alpha = o.alpha ?? 2;
  const [n, px, c] = pr.prob.shape;
  const wp = fieldPowers(probVals, n, px, c, pr.spatial, alpha, o.spacing);
  const wg = fieldPowers(targetVals, n, px, c, pr.spatial, alpha, o.spacing);
  for (let i = 0; i < wp.length; i++) wp[i] += wg[i];
  return wp;
}

/**
 * The distance weights `d_p^alpha + d_g^alpha` of {@link hausdorffDTLoss} for these inputs, shape
 * `[N, ...spatial, C]` (C without the background when `includeBackground` is false), read asynchronously.
 * Pass them as the loss's third argument in a custom training loop on backends without synchronous reads.
 */
export async function hausdorffDTWeights(
  yTrue: tf.Tensor,
  yPred: tf.Tensor,
  options: HausdorffDTLossOptions = {},
): Promise<tf.Tensor> {
  const fn = 'hausdorffDTWeights';
  let parsed: ParsedInputs | undefined;
  let spatial: number[] = [];
  const t = tf.tidy(() => {
    const p = prepare(fn, yTrue, yPred, options);
    parsed = p.parsed;
    spatial = p.spatial;
    return { prob: p.prob, target: p.target, valid: p.valid, pair: tf.stack([p.prob, p.target]) };
  });
  const pr = { ...t, parsed: parsed as unknown as ParsedInputs, spatial };
  try {
    const vals = await pr.pair.data();
    const half = vals.length / 2;
    const w = weightsFrom(pr, vals.subarray(0, half), vals.subarray(half), options);
    return tf.tensor(w, [...yPred.shape.slice(0, -1), pr.prob.shape[2]]);
  } finally {
    tf.dispose([pr.prob, pr.target, pr.valid, pr.pair]);
  }
}

/**
 * Hausdorff distance loss, distance-transform form (Karimi & Salcudean 2019, "Reducing the Hausdorff Distance
 * in Medical Image Segmentation with Convolutional Neural Networks", eq. 8; MONAI's `HausdorffDTLoss`):
 *
 *     loss = mean( (p - g)^2 * (d_p^alpha + d_g^alpha) )
 *
 * over images, channels and counted pixels, where d_g is the distance field of the target and d_p that of the
 * prediction thresholded at 0.5 (each pixel's Euclidean distance to the nearest pixel of the other label, 0
 * for an empty or full mask, exact via {@link squaredDistanceTransform}). The distance fields are computed
 * outside the graph, with no gradient through them, as in the paper: the loss reads `yTrue` and `yPred` back
 * synchronously each call (cpu, wasm; WebGPU in a browser). In Node on WebGPU, pass the weights from
 * {@link hausdorffDTWeights} as the third argument. Ignored pixels count as background in the distance fields
 * and are left out of the mean.
 *
 * Defaults: alpha 2, includeBackground true, spacing all 1.
 */
export function hausdorffDTLoss(options: HausdorffDTLossOptions = {}): HausdorffDTLossFn {
  const fn = 'hausdorffDTLoss';
  const check = valueChecker(fn, options.validate);
  checkNumber(`${fn}: alpha`, options.alpha ?? 2, 0, 16);
  return named(
    fn,
    (yTrue: tf.Tensor, yPred: tf.Tensor, weights?: tf.Tensor): tf.Scalar =>
      tf.tidy(() => {
        const pr = prepare(fn, yTrue, yPred, options);
        check(yTrue, options.fromLogits ? null : yPred, pr.parsed, options.ignoreIndex);
        const [n, px, c] = pr.prob.shape;
        let w: tf.Tensor;
        if (weights !== undefined) {
          if (!(weights instanceof tf.Tensor) || weights.size !== n * px * c) {
            throw new InputError(
              `${fn}: weights`,
              `a tensor of shape ${fmt([...yPred.shape.slice(0, -1), c])} from hausdorffDTWeights`,
              weights instanceof tf.Tensor ? `shape ${fmt(weights.shape)}` : typeof weights,
            );
          }
          w = tf.reshape(weights, [n, px, c]);
        } else {
          assertSyncReads(
            `${fn}: the distance transforms`,
            'compute them with `await hausdorffDTWeights(yTrue, yPred, options)` and pass them as the third argument',
          );
          w = tf.tensor3d(weightsFrom(pr, pr.prob.dataSync(), pr.target.dataSync(), options), [n, px, c]);
        }
        const counted = tf.mul(tf.onesLike(pr.prob), pr.valid);
        const err = tf.mul(tf.mul(tf.square(tf.sub(pr.prob, pr.target)), w), counted);
        return tf.div(tf.sum(err), tf.maximum(tf.sum(counted), 1)) as tf.Scalar;
      }),
  );
}

import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkInt, checkNumber, InputError } from '@tiefe/core';
import { copiesGradient, type TargetOptions } from './gradients.js';
import { type Prepared, prepare } from './model/prepare.js';

/** Options of {@link smoothGrad}. */
export interface SmoothGradOptions extends TargetOptions {
  /** Noisy copies n per input (default 50). */
  samples?: number;
  /** sigma / (max - min) of each input (default 0.15, Smilkov et al. found 0.1-0.2 best). */
  noiseLevel?: number;
  /**
   * 'mean' (SmoothGrad: mean gradient), 'squared' (SmoothGrad^2: mean squared gradient) or 'vargrad'
   * (variance of the gradients, Adebayo et al. 2018). Default 'mean'.
   */
  variant?: 'mean' | 'squared' | 'vargrad';
  /** Seed of the noise (default 0): the same seed gives the same map on every backend. */
  seed?: number;
  /** Noisy inputs per forward/backward pass (default 64). */
  batchSize?: number;
}

/**
 * SmoothGrad (Smilkov et al. 2017): the gradient of the target logit averaged over noisy copies
 * x + N(0, sigma^2), sigma = noiseLevel (max(x) - min(x)) per input:
 * mean: (1/n) sum_k g_k; squared: (1/n) sum_k g_k^2; vargrad: (1/n) sum_k g_k^2 - ((1/n) sum_k g_k)^2.
 * The noise of sample k is tfjs's seeded normal generator with seed `seed + k` (drawn in JavaScript, so
 * identical on every backend and independent of `batchSize`).
 */
export async function smoothGrad(
  model: tfl.LayersModel,
  x: tf.Tensor,
  options: SmoothGradOptions = {},
): Promise<tf.Tensor> {
  const p = await prepare('smoothGrad', model, x, options.target);
  try {
    return smooth(p, x, options);
  } finally {
    p.dispose();
  }
}

function smooth(p: Prepared, x: tf.Tensor, options: SmoothGradOptions): tf.Tensor {
  const samples = checkInt('smoothGrad: samples', options.samples ?? 50);
  const level = checkNumber('smoothGrad: noiseLevel', options.noiseLevel ?? 0.15, 0);
  const variant = options.variant ?? 'mean';
  if (!['mean', 'squared', 'vargrad'].includes(variant)) {
    throw new InputError('smoothGrad: variant', "'mean', 'squared' or 'vargrad'", String(variant));
  }
  const seed = checkInt('smoothGrad: seed', options.seed ?? 0, Number.MIN_SAFE_INTEGER);
  const batchSize = checkInt('smoothGrad: batchSize', options.batchSize ?? 64);
  const n = x.shape[0];
  const sampleShape = x.shape.slice(1);
  const ones = sampleShape.map(() => 1);
  const sigma = tf.tidy(() => {
    const flat = tf.reshape(x, [n, -1]);
    return tf.reshape(tf.mul(tf.sub(tf.max(flat, 1), tf.min(flat, 1)), level), [n, 1, ...ones]);
  });
  const perChunk = Math.max(1, Math.floor(batchSize / n));
  let sum = tf.zerosLike(x);
  let sumSq = tf.zerosLike(x);
  for (let k = 0; k < samples; k += perChunk) {
    const s = Math.min(perChunk, samples - k);
    const [g1, g2] = tf.tidy(() => {
      // Sample k's noise comes from seed + k (+ 0.5: tfjs treats a seed of 0 as 'unseeded'), so the map does
      // not depend on batchSize.
      const noise = tf.mul(
        tf.stack(
          Array.from({ length: s }, (_, j) =>
            tf.randomNormal([n, ...sampleShape], 0, 1, 'float32', seed + k + j + 0.5),
          ),
          1,
        ),
        sigma,
      );
      const g = copiesGradient(p, tf.add(tf.expandDims(x, 1), noise));
      return [tf.add(sum, tf.sum(g, 1)), tf.add(sumSq, tf.sum(tf.square(g), 1))];
    });
    sum.dispose();
    sumSq.dispose();
    sum = g1;
    sumSq = g2;
  }
  sigma.dispose();
  const out = tf.tidy(() => {
    const mean = tf.div(sum, samples);
    const meanSq = tf.div(sumSq, samples);
    if (variant === 'mean') return mean;
    if (variant === 'squared') return meanSq;
    return tf.relu(tf.sub(meanSq, tf.square(mean))); // rounding can make E[g^2] - E[g]^2 slightly negative
  });
  sum.dispose();
  sumSq.dispose();
  return out;
}

import * as tf from '@tensorflow/tfjs-core';
import { checkOneOf, checkOptions, checkRate, checkTensor, InputError } from '@tiefe/core';

/**
 * Corruption of a denoising autoencoder's input (Vincent et al. 2008):
 * - `'gaussian'`: `x + N(0, amount^2)`, clipped to [0, 1] (images in unit range);
 * - `'saltPepper'`: each value becomes 0 or 1 (even odds) with probability `amount`;
 * - `'masking'`: each value becomes 0 with probability `amount`.
 */
export type NoiseType = 'gaussian' | 'saltPepper' | 'masking';

/** Options of {@link addNoise}. */
export interface NoiseOptions {
  /** Kind of corruption (default `'gaussian'`). */
  type?: NoiseType;
  /** Standard deviation (gaussian, default 0.3) or corruption probability (saltPepper, masking, default 0.2). */
  amount?: number;
  /** Seed of the random draws (default: drawn from Math.random, which core's `seed` makes reproducible). */
  seed?: number;
}

/**
 * Corrupts a batch for a denoising autoencoder; the result is a new tensor, `x` is not touched.
 *
 * @example
 * const noisy = addNoise(images, { type: 'saltPepper', amount: 0.1 });
 */
export function addNoise(x: tf.Tensor, options: NoiseOptions = {}): tf.Tensor {
  checkOptions('addNoise: options', options);
  checkTensor('addNoise: x', x, { dtype: 'float32' });
  const type = checkOneOf('addNoise: type', options.type ?? 'gaussian', ['gaussian', 'saltPepper', 'masking'] as const);
  const amount = options.amount ?? (type === 'gaussian' ? 0.3 : 0.2);
  if (type === 'gaussian') {
    if (typeof amount !== 'number' || !(amount >= 0) || !Number.isFinite(amount))
      throw new InputError('addNoise: amount', 'a standard deviation >= 0', String(amount));
  } else checkRate('addNoise: amount', amount);
  const s = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  return tf.tidy(() => {
    if (type === 'gaussian') return tf.clipByValue(tf.add(x, tf.randomNormal(x.shape, 0, amount, 'float32', s)), 0, 1);
    const hit = tf.less(tf.randomUniform(x.shape, 0, 1, 'float32', s), amount);
    if (type === 'masking') return tf.where(hit, tf.zerosLike(x), x);
    const salt = tf.cast(tf.less(tf.randomUniform(x.shape, 0, 1, 'float32', s + 1), 0.5), 'float32');
    return tf.where(hit, salt, x);
  });
}

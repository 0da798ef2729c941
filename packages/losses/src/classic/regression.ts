import * as tf from '@tensorflow/tfjs-core';
import { checkTensor, InputError } from '@tiefe/core';
import { fmt, named } from '../internal/inputs.js';
import type { LossFn } from '../types.js';

/** Both float tensors of the same shape (rank >= 1, first axis the batch). */
export function checkSameShape(fn: string, yTrue: tf.Tensor, yPred: tf.Tensor): void {
  checkTensor(`${fn}: yPred`, yPred, { dtype: ['float32'] });
  checkTensor(`${fn}: yTrue`, yTrue, { dtype: ['float32', 'int32', 'bool'] });
  if (yPred.rank < 1 || yTrue.shape.length !== yPred.shape.length || yTrue.shape.some((d, i) => d !== yPred.shape[i])) {
    throw new InputError(`${fn}: yTrue`, `yPred's shape ${fmt(yPred.shape)}`, `shape ${fmt(yTrue.shape)}`);
  }
}

/**
 * Mean squared error, `mean((yTrue - yPred)^2)` over all elements (equal to Keras' per-sample mean over the
 * last axis followed by the batch mean; tfjs-layers' `meanSquaredError` computes the same).
 */
export function meanSquaredError(): LossFn {
  const fn = 'meanSquaredError';
  return named(fn, (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar => {
    checkSameShape(fn, yTrue, yPred);
    return tf.tidy(() => tf.mean(tf.squaredDifference(tf.cast(yTrue, 'float32'), yPred)) as tf.Scalar);
  });
}

/** Mean absolute error, `mean(|yTrue - yPred|)` over all elements. */
export function meanAbsoluteError(): LossFn {
  const fn = 'meanAbsoluteError';
  return named(fn, (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar => {
    checkSameShape(fn, yTrue, yPred);
    return tf.tidy(() => tf.mean(tf.abs(tf.sub(tf.cast(yTrue, 'float32'), yPred))) as tf.Scalar);
  });
}

/** Options of {@link weightedMeanSquaredError}. */
export interface WeightedMseOptions {
  /** One weight per output (the last axis of yPred). Default all 1. */
  outputWeights?: number[];
}

/** A weighted MSE; the optional third argument holds one weight per sample, shape `[N]`. */
export type WeightedLossFn = ((yTrue: tf.Tensor, yPred: tf.Tensor, sampleWeights?: tf.Tensor) => tf.Scalar) & {
  readonly name: string;
};

/**
 * Weighted mean squared error with per-output weights v_j (options) and per-sample weights s_i (third
 * argument, default 1), Keras' "sum over batch size" reduction:
 *
 *     L = (1 / N) * sum_i s_i * mean_j( v_j * (y_ij - p_ij)^2 )
 *
 * where j runs over all non-batch elements and v applies along the last axis.
 */
export function weightedMeanSquaredError(options: WeightedMseOptions = {}): WeightedLossFn {
  const fn = 'weightedMeanSquaredError';
  const v = options.outputWeights;
  if (v !== undefined && (!Array.isArray(v) || v.some((x) => !Number.isFinite(x)))) {
    throw new InputError(`${fn}: outputWeights`, 'an array of finite numbers', `${v}`);
  }
  return named(fn, (yTrue: tf.Tensor, yPred: tf.Tensor, sampleWeights?: tf.Tensor): tf.Scalar => {
    checkSameShape(fn, yTrue, yPred);
    const last = yPred.shape[yPred.rank - 1];
    if (v !== undefined && (yPred.rank < 2 || v.length !== last)) {
      throw new InputError(
        `${fn}: outputWeights`,
        `${yPred.rank < 2 ? 1 : last} weights (yPred's last axis)`,
        `${v.length}`,
      );
    }
    const n = yPred.shape[0];
    if (sampleWeights !== undefined) {
      checkTensor(`${fn}: sampleWeights`, sampleWeights, { dtype: ['float32', 'int32'] });
      if (sampleWeights.size !== n) {
        throw new InputError(
          `${fn}: sampleWeights`,
          `${n} weights (one per sample), shape [${n}]`,
          `shape ${fmt(sampleWeights.shape)}`,
        );
      }
    }
    return tf.tidy(() => {
      let sq: tf.Tensor = tf.squaredDifference(tf.cast(yTrue, 'float32'), yPred);
      if (v !== undefined) sq = tf.mul(sq, tf.tensor1d(v));
      const perSample = tf.mean(tf.reshape(sq, [n, -1]), 1);
      const weighted =
        sampleWeights === undefined ? perSample : tf.mul(perSample, tf.reshape(tf.cast(sampleWeights, 'float32'), [n]));
      return tf.div(tf.sum(weighted), Math.max(n, 1)) as tf.Scalar;
    });
  });
}

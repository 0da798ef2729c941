import * as tf from '@tensorflow/tfjs-core';
import { checkNumber, InputError } from '@tiefe/core';
import {
  checkClassWeights,
  fmt,
  named,
  parseSegmentationInputs,
  targetsAndMask,
  valueChecker,
} from '../internal/inputs.js';
import { logSigmoid } from '../internal/math.js';
import type { LossFn } from '../types.js';
import { checkSameShape } from './regression.js';

/** Options of {@link binaryCrossentropy}. */
export interface BinaryCrossentropyOptions {
  /** `yPred` holds logits (sigmoid applied inside, exactly via log-sigmoid). Default false. */
  fromLogits?: boolean;
  /** Targets become y (1 - s) + 0.5 s. Default 0. */
  labelSmoothing?: number;
  /** Probabilities are clipped to [eps, 1 - eps] before the log. Default 1e-7. */
  eps?: number;
}

/**
 * Binary cross-entropy, `mean(-(y log p + (1 - y) log(1 - p)))` over all elements (Keras'
 * `binary_crossentropy` with its per-sample mean and the batch mean folded into one mean).
 * Defaults: fromLogits false, labelSmoothing 0, eps 1e-7.
 */
export function binaryCrossentropy(options: BinaryCrossentropyOptions = {}): LossFn {
  const fn = 'binaryCrossentropy';
  const ls = options.labelSmoothing ?? 0;
  const eps = options.eps ?? 1e-7;
  checkNumber(`${fn}: labelSmoothing`, ls, 0, 1);
  checkNumber(`${fn}: eps`, eps, 0, 0.5);
  return named(fn, (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar => {
    checkSameShape(fn, yTrue, yPred);
    return tf.tidy(() => {
      let y: tf.Tensor = tf.cast(yTrue, 'float32');
      if (ls > 0) y = tf.add(tf.mul(y, 1 - ls), 0.5 * ls);
      let logP: tf.Tensor;
      let log1mP: tf.Tensor;
      if (options.fromLogits) {
        logP = logSigmoid(yPred);
        log1mP = logSigmoid(tf.neg(yPred));
      } else {
        const p = tf.clipByValue(yPred, eps, 1 - eps);
        logP = tf.log(p);
        log1mP = tf.log(tf.sub(1, p));
      }
      return tf.neg(tf.mean(tf.add(tf.mul(y, logP), tf.mul(tf.sub(1, y), log1mP)))) as tf.Scalar;
    });
  });
}

/** Options of {@link categoricalCrossentropy} and {@link sparseCategoricalCrossentropy}. */
export interface CategoricalCrossentropyOptions {
  /** `yPred` holds logits (log-softmax inside). Default false. */
  fromLogits?: boolean;
  /** One-hot targets become y (1 - s) + s / C. Default 0. */
  labelSmoothing?: number;
  /** Probabilities are normalised to sum 1 and clipped to [eps, 1 - eps] before the log (as Keras). Default 1e-7. */
  eps?: number;
  /** Class id whose pixels / samples are left out (integer-id targets only). */
  ignoreIndex?: number;
  /** Per-class weights: the loss is sum_i w_(y_i) l_i / sum_i w_(y_i) (PyTorch's weighted mean). Default all 1. */
  classWeights?: number[];
  /**
   * Check that class ids are integers in [0, C) (or ignoreIndex): `'first'` (default) on the first call of
   * this loss object, `true` on every call, `false` never. See `SegmentationInputOptions.validate`.
   */
  validate?: boolean | 'first';
}

function crossentropy(fn: string, sparse: boolean, o: CategoricalCrossentropyOptions): LossFn {
  const check = valueChecker(fn, o.validate);
  const ls = o.labelSmoothing ?? 0;
  const eps = o.eps ?? 1e-7;
  checkNumber(`${fn}: labelSmoothing`, ls, 0, 1);
  checkNumber(`${fn}: eps`, eps, 0, 0.5);
  return named(
    fn,
    (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar =>
      tf.tidy(() => {
        const p = parseSegmentationInputs(fn, yTrue, yPred, { mode: 'multiclass', ignoreIndex: o.ignoreIndex });
        if (sparse && p.labels !== 'ids') {
          const ids = yPred.shape.slice(0, -1);
          throw new InputError(
            `${fn}: yTrue`,
            `integer class ids of shape ${fmt(ids)} or ${fmt([...ids, 1])}`,
            `shape ${fmt(yTrue.shape)}`,
          );
        }
        checkClassWeights(fn, o.classWeights, p.numClasses);
        check(yTrue, null, p, o.ignoreIndex);
        const { target, valid } = targetsAndMask(yTrue, p, o.ignoreIndex);
        const c = p.numClasses;
        const x = tf.reshape(yPred, [p.batch, p.pixels, c]);
        const logP = o.fromLogits
          ? tf.logSoftmax(x)
          : tf.log(tf.clipByValue(tf.div(x, tf.sum(x, 2, true)), eps, 1 - eps));
        const y = ls > 0 ? tf.mul(tf.add(tf.mul(target, 1 - ls), ls / c), valid) : target;
        const perPixel = tf.neg(tf.sum(tf.mul(y, logP), 2, true));
        // Weight of each pixel: its true class's weight (sum_c g_c w_c for one-hot g), 0 where ignored.
        const w = o.classWeights ? tf.sum(tf.mul(target, tf.tensor1d(o.classWeights)), 2, true) : valid;
        return tf.div(tf.sum(tf.mul(perPixel, w)), tf.maximum(tf.sum(w), 1e-12)) as tf.Scalar;
      }),
  );
}

/**
 * Categorical cross-entropy, `-sum_c y_c log p_c` per sample (pixel), averaged over samples. `yTrue` is
 * one-hot (yPred's shape) or integer class ids (then the same as {@link sparseCategoricalCrossentropy}).
 * With every sample ignored the loss is 0.
 * Defaults: fromLogits false, labelSmoothing 0, eps 1e-7, no class weights.
 */
export function categoricalCrossentropy(options: CategoricalCrossentropyOptions = {}): LossFn {
  return crossentropy('categoricalCrossentropy', false, options);
}

/**
 * Sparse categorical cross-entropy: `-log p_(y)` per sample (pixel) for integer class ids `yTrue` of shape
 * `[N, ...]` or `[N, ..., 1]`, averaged over the samples not equal to `ignoreIndex` (weighted by
 * `classWeights` when given). Defaults as {@link categoricalCrossentropy}.
 */
export function sparseCategoricalCrossentropy(options: CategoricalCrossentropyOptions = {}): LossFn {
  return crossentropy('sparseCategoricalCrossentropy', true, options);
}

/** Labels in {0, 1} become {-1, 1} (Keras does the same for hinge losses); other labels stay. In-graph. */
function signedLabels(yTrue: tf.Tensor): tf.Tensor {
  const y = tf.cast(yTrue, 'float32');
  const binary = tf.all(tf.logicalOr(tf.equal(y, 0), tf.equal(y, 1)));
  return tf.where(binary, tf.sub(tf.mul(y, 2), 1), y);
}

/**
 * Hinge loss, `mean(max(1 - y * p, 0))` with labels y in {-1, 1} (labels given as {0, 1} are mapped to
 * {-1, 1}, as Keras does). Mean over all elements.
 */
export function hinge(): LossFn {
  const fn = 'hinge';
  return named(fn, (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar => {
    checkSameShape(fn, yTrue, yPred);
    return tf.tidy(() => tf.mean(tf.relu(tf.sub(1, tf.mul(signedLabels(yTrue), yPred)))) as tf.Scalar);
  });
}

/** Squared hinge loss, `mean(max(1 - y * p, 0)^2)`, labels as in {@link hinge}. */
export function squaredHinge(): LossFn {
  const fn = 'squaredHinge';
  return named(fn, (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar => {
    checkSameShape(fn, yTrue, yPred);
    return tf.tidy(() => tf.mean(tf.square(tf.relu(tf.sub(1, tf.mul(signedLabels(yTrue), yPred))))) as tf.Scalar);
  });
}

/** Options of {@link kullbackLeiblerDivergence}. */
export interface KLDivergenceOptions {
  /** Both distributions are clipped to [eps, 1] (Keras). Default 1e-7. */
  eps?: number;
}

/**
 * Kullback-Leibler divergence KL(y || p) = `sum_c y_c log(y_c / p_c)` over the last axis, with y and p clipped to
 * [eps, 1] (Keras' `kl_divergence`), averaged over the other axes.
 */
export function kullbackLeiblerDivergence(options: KLDivergenceOptions = {}): LossFn {
  const fn = 'kullbackLeiblerDivergence';
  const eps = options.eps ?? 1e-7;
  checkNumber(`${fn}: eps`, eps, 0, 0.5);
  return named(fn, (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar => {
    checkSameShape(fn, yTrue, yPred);
    return tf.tidy(() => {
      const y = tf.clipByValue(tf.cast(yTrue, 'float32'), eps, 1);
      const p = tf.clipByValue(yPred, eps, 1);
      return tf.mean(tf.sum(tf.mul(y, tf.log(tf.div(y, p))), -1)) as tf.Scalar;
    });
  });
}

import * as tf from '@tensorflow/tfjs-core';
import { checkNumber, InputError } from '@tiefe/core';
import {
  checkClassWeights,
  type ParsedInputs,
  parseSegmentationInputs,
  probabilities,
  targetsAndMask,
  type ValueCheck,
} from '../internal/inputs.js';
import type { SegmentationInputOptions } from '../types.js';

/** Options shared by the overlap losses (Dice, Jaccard, Tversky and their variants). */
export interface OverlapLossOptions extends SegmentationInputOptions {
  /** Added to numerator and denominator of each score. Default 0 (segmentation_models.pytorch). */
  smooth?: number;
  /** Lower bound of each score's denominator (and of the score under `logLoss`), against 0/0. Default 1e-7. */
  eps?: number;
  /**
   * Which classes the loss averages over: `'present'` (default), the classes with at least one pixel in `yTrue`
   * (in the batch, or in the image with `perImage`); `'all'`, every class. With no class present the loss is 0.
   */
  classes?: 'present' | 'all';
  /**
   * `false` (default, segmentation_models.pytorch): sums run over the batch and all pixels, one score per class.
   * `true` (MONAI's `batch=False`): one score per image and class; the loss is the mean over images (those with
   * at least one counted class) of the per-image loss.
   */
  perImage?: boolean;
  /** Keep channel 0 (the background) when there are 2 or more channels. Default true. */
  includeBackground?: boolean;
  /** Per-class weights (length C) of the mean over classes: sum_c w_c L_c / sum_c w_c. Default all 1. */
  classWeights?: number[];
  /** Squared sums in the denominator, sum(p^2) + sum(g^2) (V-Net, Milletari et al. 2016). Default false. */
  squared?: boolean;
}

/** Per group (the batch, or each image) and class: the soft counts behind every overlap score. */
export interface OverlapStats {
  /** sum(p * g), `[G, C]`. */
  tp: tf.Tensor2D;
  /** sum(p) (or sum(p^2) when squared), `[G, C]`. */
  sumP: tf.Tensor2D;
  /** sum(g) (or sum(g^2) when squared), `[G, C]`. */
  sumG: tf.Tensor2D;
  /** 1 where the class has at least one pixel in yTrue, `[G, C]`. */
  present: tf.Tensor2D;
  /** Class weights after includeBackground, `[1, C]`. */
  weights: tf.Tensor2D;
}

/** Shapes, options and (optionally) values checked; counts computed. Call inside `tf.tidy`. */
export function overlapStats(
  fn: string,
  yTrue: tf.Tensor,
  yPred: tf.Tensor,
  o: OverlapLossOptions,
  check: ValueCheck,
): { stats: OverlapStats; parsed: ParsedInputs } {
  const parsed = parseSegmentationInputs(fn, yTrue, yPred, o);
  checkClassWeights(fn, o.classWeights, parsed.numClasses);
  check(yTrue, o.fromLogits ? null : yPred, parsed, o.ignoreIndex);
  const { target, valid, masked } = targetsAndMask(yTrue, parsed, o.ignoreIndex);
  const prob = probabilities(yPred, parsed, o.fromLogits);
  let p: tf.Tensor = masked ? tf.mul(prob, valid) : prob;
  let g: tf.Tensor = target;
  let weights: tf.Tensor = tf.tensor2d([o.classWeights ?? new Array(parsed.numClasses).fill(1)]);
  if (o.includeBackground === false && parsed.numClasses > 1) {
    const c = parsed.numClasses - 1;
    p = tf.slice(p, [0, 0, 1], [-1, -1, c]);
    g = tf.slice(g, [0, 0, 1], [-1, -1, c]);
    weights = tf.slice(weights, [0, 1], [1, c]);
  }
  // Sums over pixels (and over the batch unless perImage) as a product with a row of ones: [G, 1, P] x [G, P, C].
  // Same numbers as tf.sum, but tf.sum over non-innermost axes transposes and its gradient is a broadcast
  // multiply, both slow on the cpu backend; matMul and its gradient are not.
  const [n, px, c] = p.shape as [number, number, number];
  const groups = o.perImage ? n : 1;
  const ones = tf.ones([groups, 1, (n * px) / groups]);
  const keep = (t: tf.Tensor): tf.Tensor2D =>
    tf.reshape(tf.matMul(ones, tf.reshape(t, [groups, (n * px) / groups, c]) as tf.Tensor3D), [
      groups,
      c,
    ]) as tf.Tensor2D;
  const tp = keep(tf.mul(p, g));
  const sumP = keep(o.squared ? tf.square(p) : p);
  const sumG = keep(o.squared ? tf.square(g) : g);
  const present = tf.cast(tf.greater(keep(g), 0), 'float32') as tf.Tensor2D;
  return { stats: { tp, sumP, sumG, present, weights: weights as tf.Tensor2D }, parsed };
}

/**
 * Weighted mean of per-(group, class) losses `[G, C]`: over classes (present or all, times class weights) within
 * each group, then over the groups that counted at least one class. 0 when nothing counts.
 */
export function aggregate(loss: tf.Tensor2D, s: OverlapStats, classes: 'present' | 'all' | undefined): tf.Scalar {
  const w = classes === 'all' ? tf.mul(tf.onesLike(s.present), s.weights) : tf.mul(s.present, s.weights);
  const wSum = tf.sum(w, 1);
  const counted = tf.cast(tf.greater(wSum, 0), 'float32');
  // Groups with nothing counted get 0 / 1 instead of 0 / 0 and are left out of the mean over groups.
  const perGroup = tf.div(tf.sum(tf.mul(w, loss), 1), tf.maximum(wSum, 1e-12));
  return tf.div(tf.sum(tf.mul(perGroup, counted)), tf.maximum(tf.sum(counted), 1)) as tf.Scalar;
}

/** Checks the numeric options shared by the overlap losses. */
export function overlapDefaults(fn: string, o: OverlapLossOptions): { smooth: number; eps: number } {
  const smooth = o.smooth ?? 0;
  const eps = o.eps ?? 1e-7;
  checkNumber(`${fn}: smooth`, smooth, 0, Number.MAX_VALUE);
  checkNumber(`${fn}: eps`, eps, 0, 1);
  if (o.classes !== undefined && o.classes !== 'present' && o.classes !== 'all') {
    throw new InputError(`${fn}: classes`, "'present' or 'all'", `'${o.classes}'`);
  }
  return { smooth, eps };
}

/** Loss from a score in [0, 1]: 1 - score, or -log(max(score, eps)) under `logLoss`. */
export function scoreToLoss(score: tf.Tensor2D, logLoss: boolean | undefined, eps: number): tf.Tensor2D {
  return (logLoss ? tf.neg(tf.log(tf.maximum(score, eps))) : tf.sub(1, score)) as tf.Tensor2D;
}

import * as tf from '@tensorflow/tfjs-core';
import { checkNumber } from '@tiefe/core';
import { named, valueChecker } from '../internal/inputs.js';
import type { LossFn } from '../types.js';
import { aggregate, type OverlapLossOptions, type OverlapStats, overlapDefaults, overlapStats } from './overlap.js';

/** Options of {@link tverskyLoss}. */
export interface TverskyLossOptions extends OverlapLossOptions {
  /** Weight of false positives. Default 0.5. */
  alpha?: number;
  /** Weight of false negatives. Default 0.5 (alpha = beta = 0.5 is the Dice loss). */
  beta?: number;
}

/** Options of {@link focalTverskyLoss}. */
export interface FocalTverskyLossOptions extends TverskyLossOptions {
  /** Exponent of (1 - TI). Default 0.75 (Abraham & Khan 2019 write (1 - TI)^(1/gamma) with gamma = 4/3). */
  gamma?: number;
}

function tverskyIndex(s: OverlapStats, alpha: number, beta: number, smooth: number, eps: number): tf.Tensor2D {
  const fp = tf.sub(s.sumP, s.tp);
  const fn = tf.sub(s.sumG, s.tp);
  const denom = tf.add(tf.add(tf.add(s.tp, tf.mul(alpha, fp)), tf.mul(beta, fn)), smooth);
  return tf.div(tf.add(s.tp, smooth), tf.maximum(denom, eps)) as tf.Tensor2D;
}

function abDefaults(fn: string, o: TverskyLossOptions): { alpha: number; beta: number } {
  const alpha = o.alpha ?? 0.5;
  const beta = o.beta ?? 0.5;
  checkNumber(`${fn}: alpha`, alpha, 0, 1e6);
  checkNumber(`${fn}: beta`, beta, 0, 1e6);
  return { alpha, beta };
}

/**
 * Tversky loss (Salehi et al. 2017). Per class c, with TP = sum(p g), FP = sum(p (1 - g)), FN = sum((1 - p) g):
 *
 *     TI_c = (TP + smooth) / max(TP + alpha * FP + beta * FN + smooth, eps)
 *
 * loss = mean over classes (present, or all) of `1 - TI_c`, with the sums and options of {@link diceLoss}.
 * Defaults: alpha 0.5, beta 0.5 (then it equals the Dice loss), smooth 0, eps 1e-7.
 */
export function tverskyLoss(options: TverskyLossOptions = {}): LossFn {
  const fn = 'tverskyLoss';
  const check = valueChecker(fn, options.validate);
  const { smooth, eps } = overlapDefaults(fn, options);
  const { alpha, beta } = abDefaults(fn, options);
  return named(
    fn,
    (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar =>
      tf.tidy(() => {
        const { stats: s } = overlapStats(fn, yTrue, yPred, options, check);
        return aggregate(tf.sub(1, tverskyIndex(s, alpha, beta, smooth, eps)) as tf.Tensor2D, s, options.classes);
      }),
  );
}

/**
 * Focal Tversky loss (Abraham & Khan 2019): mean over classes (present, or all) of `(1 - TI_c)^gamma`, TI as in
 * {@link tverskyLoss}. `1 - TI_c` is clamped at eps before the power, so that a perfect prediction has a finite
 * (zero) gradient for gamma < 1.
 *
 * Defaults: alpha 0.5, beta 0.5, gamma 0.75, smooth 0, eps 1e-7. (The paper's alpha = 0.7, beta = 0.3 weight
 * false negatives more: `focalTverskyLoss({ alpha: 0.3, beta: 0.7 })` in this notation, alpha on FP.)
 */
export function focalTverskyLoss(options: FocalTverskyLossOptions = {}): LossFn {
  const fn = 'focalTverskyLoss';
  const check = valueChecker(fn, options.validate);
  const { smooth, eps } = overlapDefaults(fn, options);
  const { alpha, beta } = abDefaults(fn, options);
  const gamma = options.gamma ?? 0.75;
  checkNumber(`${fn}: gamma`, gamma, 0, 100);
  return named(
    fn,
    (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar =>
      tf.tidy(() => {
        const { stats: s } = overlapStats(fn, yTrue, yPred, options, check);
        const base = tf.maximum(tf.sub(1, tverskyIndex(s, alpha, beta, smooth, eps)), eps);
        return aggregate(tf.pow(base, gamma) as tf.Tensor2D, s, options.classes);
      }),
  );
}

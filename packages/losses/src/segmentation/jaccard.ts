import * as tf from '@tensorflow/tfjs-core';
import { named, valueChecker } from '../internal/inputs.js';
import type { LossFn } from '../types.js';
import { aggregate, type OverlapLossOptions, overlapDefaults, overlapStats, scoreToLoss } from './overlap.js';

/** Options of {@link jaccardLoss}. */
export interface JaccardLossOptions extends OverlapLossOptions {
  /** Use -log(J) (clamped at eps) instead of 1 - J per class. Default false. */
  logLoss?: boolean;
}

/**
 * Soft Jaccard (IoU) loss (segmentation_models.pytorch's `JaccardLoss` conventions; Rahman & Wang 2016).
 *
 * Per class c:
 *
 *     J_c = (sum(p * g) + smooth) / max(sum(p) + sum(g) - sum(p * g) + smooth, eps)
 *
 * with the same sums, class selection, `perImage`, `squared`, `includeBackground` and `classWeights` as
 * {@link diceLoss}. Loss = mean over classes of `1 - J_c` (or `-log(max(J_c, eps))` with `logLoss`).
 *
 * Defaults: smooth 0, eps 1e-7, classes 'present', perImage false.
 */
export function jaccardLoss(options: JaccardLossOptions = {}): LossFn {
  const fn = 'jaccardLoss';
  const check = valueChecker(fn, options.validate);
  const { smooth, eps } = overlapDefaults(fn, options);
  return named(
    fn,
    (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar =>
      tf.tidy(() => {
        const { stats: s } = overlapStats(fn, yTrue, yPred, options, check);
        const union = tf.sub(tf.add(s.sumP, s.sumG), s.tp);
        const score = tf.div(tf.add(s.tp, smooth), tf.maximum(tf.add(union, smooth), eps)) as tf.Tensor2D;
        return aggregate(scoreToLoss(score, options.logLoss, eps), s, options.classes);
      }),
  );
}

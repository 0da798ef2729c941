import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '@tiefe/core';
import { named, valueChecker } from '../internal/inputs.js';
import type { LossFn } from '../types.js';
import { aggregate, type OverlapLossOptions, overlapDefaults, overlapStats, scoreToLoss } from './overlap.js';

/** Options of {@link diceLoss}. */
export interface DiceLossOptions extends OverlapLossOptions {
  /** Use -log(D) (clamped at eps) instead of 1 - D per class. Default false. */
  logLoss?: boolean;
}

/**
 * Soft Dice loss (Milletari et al. 2016; segmentation_models.pytorch's `DiceLoss` conventions).
 *
 * Per class c, with p the predicted probabilities and g the one-hot targets (ignored pixels removed):
 *
 *     D_c = (2 * sum(p * g) + smooth) / max(sum(p) + sum(g) + smooth, eps)
 *
 * sums over the batch and all pixels (or per image with `perImage`, then averaged over images as in MONAI;
 * `squared` uses sum(p^2) + sum(g^2), V-Net's form). Loss = mean over the classes present in `yTrue`
 * (`classes: 'all'`: every class; `classWeights` make it a weighted mean) of `1 - D_c`
 * (or `-log(max(D_c, eps))` with `logLoss`). 0 when no class is present.
 *
 * Defaults: smooth 0, eps 1e-7, classes 'present', perImage false, includeBackground true, squared false.
 *
 * @example
 * model.compile({ optimizer: 'adam', loss: diceLoss({ fromLogits: true }) });
 */
export function diceLoss(options: DiceLossOptions = {}): LossFn {
  const fn = 'diceLoss';
  const check = valueChecker(fn, options.validate);
  const { smooth, eps } = overlapDefaults(fn, options);
  return named(
    fn,
    (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar =>
      tf.tidy(() => {
        const { stats: s } = overlapStats(fn, yTrue, yPred, options, check);
        const score = tf.div(
          tf.add(tf.mul(2, s.tp), smooth),
          tf.maximum(tf.add(tf.add(s.sumP, s.sumG), smooth), eps),
        ) as tf.Tensor2D;
        return aggregate(scoreToLoss(score, options.logLoss, eps), s, options.classes);
      }),
  );
}

/** Options of {@link generalizedDiceLoss}. */
export interface GeneralizedDiceLossOptions extends Omit<OverlapLossOptions, 'classes' | 'classWeights'> {
  /**
   * Class weights from the target volume V_c = sum(g_c): `'square'` 1 / V_c^2 (Sudre et al. 2017, default),
   * `'simple'` 1 / V_c, `'uniform'` 1.
   */
  weightType?: 'square' | 'simple' | 'uniform';
}

/**
 * Generalised Dice loss (Sudre et al. 2017, "Generalised Dice overlap as a deep learning loss function for
 * highly unbalanced segmentations"), in MONAI's `GeneralizedDiceLoss` form:
 *
 *     w_c = 1 / (sum g_c)^2,   GDL = 1 - (2 * sum_c w_c sum(p_c g_c) + smooth) / (sum_c w_c (sum p_c + sum g_c) + smooth)
 *
 * Weights of classes absent from `yTrue` (infinite) are replaced by the largest finite weight of the group, as
 * MONAI does; with no class present every weight is 0 and the loss is 0. Sums over the batch and all pixels, or
 * per image with `perImage` (then the mean over images).
 *
 * Defaults: smooth 1e-5 (MONAI's smooth_nr = smooth_dr), weightType 'square', perImage false,
 * includeBackground true, squared false.
 */
export function generalizedDiceLoss(options: GeneralizedDiceLossOptions = {}): LossFn {
  const fn = 'generalizedDiceLoss';
  const check = valueChecker(fn, options.validate);
  const o = { ...options, smooth: options.smooth ?? 1e-5 };
  const { smooth, eps } = overlapDefaults(fn, o);
  const weightType = o.weightType ?? 'square';
  if (!['square', 'simple', 'uniform'].includes(weightType)) {
    throw new InputError(`${fn}: weightType`, "'square', 'simple' or 'uniform'", `'${weightType}'`);
  }
  return named(
    fn,
    (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar =>
      tf.tidy(() => {
        const { stats: s } = overlapStats(fn, yTrue, yPred, o, check);
        // sum(g) over the (unsquared) target: for 0/1 targets sum(g^2) is the same.
        const volume = s.sumG;
        let w: tf.Tensor2D;
        if (weightType === 'uniform') {
          w = tf.onesLike(volume);
        } else {
          const v = weightType === 'square' ? tf.square(volume) : volume;
          const finite = tf.greater(volume, 0);
          const raw = tf.where(finite, tf.div(1, tf.maximum(v, 1e-30)), tf.zerosLike(v));
          const maxW = tf.max(raw, 1, true);
          w = tf.where(finite, raw, tf.mul(tf.onesLike(raw), maxW)) as tf.Tensor2D;
        }
        const numer = tf.sum(tf.mul(w, s.tp), 1);
        const denom = tf.sum(tf.mul(w, tf.add(s.sumP, s.sumG)), 1);
        const score = tf.div(tf.add(tf.mul(2, numer), smooth), tf.maximum(tf.add(denom, smooth), eps));
        return tf.mean(tf.sub(1, score)) as tf.Scalar;
      }),
  );
}

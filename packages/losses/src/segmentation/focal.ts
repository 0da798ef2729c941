import * as tf from '@tensorflow/tfjs-core';
import { checkNumber } from '@tiefe/core';
import { checkClassWeights, named, parseSegmentationInputs, targetsAndMask, valueChecker } from '../internal/inputs.js';
import { logSigmoid } from '../internal/math.js';
import type { LossFn, SegmentationInputOptions } from '../types.js';

/** Options of {@link focalLoss}. */
export interface FocalLossOptions extends SegmentationInputOptions {
  /** Balance of the positive class (binary) or a factor on every class (multiclass); null: none. Default 0.25. */
  alpha?: number | null;
  /** Focusing exponent. Default 2. */
  gamma?: number;
  /** Probabilities are clipped to [eps, 1 - eps] before the log (not with fromLogits). Default 1e-7. */
  eps?: number;
  /** Per-class factors (length C) multiplied into each pixel's loss by its true class. Default all 1. */
  classWeights?: number[];
}

/**
 * Focal loss (Lin et al. 2017, "Focal Loss for Dense Object Detection"):
 *
 *     FL = -alpha_t * (1 - p_t)^gamma * log(p_t)
 *
 * - binary / multilabel (sigmoid): per element, p_t = p for g = 1 and 1 - p for g = 0, alpha_t = alpha for
 *   g = 1 and 1 - alpha for g = 0; for soft targets the general form
 *   `-(g alpha + (1-g)(1-alpha)) * (1 - p_t)^gamma * CE(g, p)` with p_t = g p + (1-g)(1-p) (torchvision's
 *   sigmoid_focal_loss). Mean over all counted elements (pixels x channels).
 * - multiclass (softmax): per pixel `-sum_c alpha * w_c * g_c * (1 - p_c)^gamma * log(p_c)` (Keras'
 *   CategoricalFocalCrossentropy; for one-hot g this is the formula above with p_t the true class's
 *   probability). Mean over counted pixels.
 *
 * Ignored pixels (`ignoreIndex`) count in neither sum nor mean; with every pixel ignored the loss is 0.
 * Logits (`fromLogits: true`) use log-sigmoid / log-softmax, which is exact where clipping is not.
 *
 * Defaults: alpha 0.25, gamma 2, eps 1e-7.
 */
export function focalLoss(options: FocalLossOptions = {}): LossFn {
  const fn = 'focalLoss';
  const check = valueChecker(fn, options.validate);
  const alpha = options.alpha === undefined ? 0.25 : options.alpha;
  const gamma = options.gamma ?? 2;
  const eps = options.eps ?? 1e-7;
  if (alpha !== null) checkNumber(`${fn}: alpha`, alpha, 0, 1);
  checkNumber(`${fn}: gamma`, gamma, 0, 100);
  checkNumber(`${fn}: eps`, eps, 0, 0.5);
  return named(
    fn,
    (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar =>
      tf.tidy(() => {
        const p = parseSegmentationInputs(fn, yTrue, yPred, options);
        checkClassWeights(fn, options.classWeights, p.numClasses);
        check(yTrue, options.fromLogits ? null : yPred, p, options.ignoreIndex);
        const { target: g, valid, masked } = targetsAndMask(yTrue, p, options.ignoreIndex);
        const x = tf.reshape(yPred, [p.batch, p.pixels, p.numClasses]);
        const w = options.classWeights ? tf.tensor1d(options.classWeights) : null;
        // (1 - p)^gamma with the base kept >= 0 (and > 0 for gamma < 1, whose power has no gradient at 0).
        const modulate = (oneMinus: tf.Tensor): tf.Tensor =>
          gamma === 0 ? tf.onesLike(oneMinus) : tf.pow(tf.maximum(oneMinus, gamma < 1 ? 1e-12 : 0), gamma);
        let perElement: tf.Tensor;
        if (p.mode === 'multiclass') {
          const logP = options.fromLogits ? tf.logSoftmax(x) : tf.log(tf.clipByValue(x, eps, 1 - eps));
          const prob = options.fromLogits ? tf.exp(logP) : tf.clipByValue(x, eps, 1 - eps);
          let terms = tf.mul(tf.mul(g, modulate(tf.sub(1, prob))), logP);
          if (w) terms = tf.mul(terms, w);
          perElement = tf.mul(tf.neg(tf.sum(terms, 2, true)), alpha ?? 1);
        } else {
          let logP: tf.Tensor;
          let log1mP: tf.Tensor;
          let prob: tf.Tensor;
          if (options.fromLogits) {
            logP = logSigmoid(x);
            log1mP = logSigmoid(tf.neg(x));
            prob = tf.sigmoid(x);
          } else {
            prob = tf.clipByValue(x, eps, 1 - eps);
            logP = tf.log(prob);
            log1mP = tf.log(tf.sub(1, prob));
          }
          const ce = tf.neg(tf.add(tf.mul(g, logP), tf.mul(tf.sub(1, g), log1mP)));
          const pT = tf.add(tf.mul(g, prob), tf.mul(tf.sub(1, g), tf.sub(1, prob)));
          perElement = tf.mul(modulate(tf.sub(1, pT)), ce);
          if (alpha !== null)
            perElement = tf.mul(perElement, tf.add(tf.mul(g, alpha), tf.mul(tf.sub(1, g), 1 - alpha)));
          if (w) perElement = tf.mul(perElement, w);
        }
        if (!masked) return tf.mean(perElement) as tf.Scalar;
        // valid is [N, P, 1] (multiclass: one count per pixel) or [N, P, C] (per element).
        const counted = tf.mul(tf.onesLike(perElement), valid);
        return tf.div(tf.sum(tf.mul(perElement, valid)), tf.maximum(tf.sum(counted), 1)) as tf.Scalar;
      }),
  );
}

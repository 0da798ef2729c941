import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '@tiefe/core';
import { named, parseSegmentationInputs, probabilities, targetsAndMask, valueChecker } from '../internal/inputs.js';
import type { LossFn, SegmentationInputOptions } from '../types.js';

/** Options of {@link lovaszHingeLoss}. */
export interface LovaszHingeLossOptions extends Pick<SegmentationInputOptions, 'ignoreIndex' | 'validate'> {
  /** One loss per image, then the mean over images (the reference's default, true); false: one over the batch. */
  perImage?: boolean;
}

/** Options of {@link lovaszSoftmaxLoss}. */
export interface LovaszSoftmaxLossOptions extends SegmentationInputOptions {
  /** Average over the classes present in `yTrue` (`'present'`, default) or over all classes. */
  classes?: 'present' | 'all';
  /** One loss per image, then the mean over images (true); false (default): one over the batch. */
  perImage?: boolean;
}

/**
 * `lovasz_grad` of Berman et al. per row: the gradient of the Lovasz extension of the Jaccard loss with respect
 * to the sorted errors, from the sorted ground truth `gt` [R, L] (0/1).
 *
 *     J_i = 1 - (G - cumsum(gt)_i) / (G + cumsum(1 - gt)_i),  grad_1 = J_1,  grad_i = J_i - J_(i-1)
 */
function lovaszGrad(gt: tf.Tensor2D): tf.Tensor2D {
  const gts = tf.sum(gt, 1, true);
  const intersection = tf.sub(gts, tf.cumsum(gt, 1));
  const union = tf.add(gts, tf.cumsum(tf.sub(1, gt), 1)); // >= 1 everywhere: no 0/0
  const jaccard = tf.sub(1, tf.div(intersection, union)) as tf.Tensor2D;
  const l = gt.shape[1];
  if (l === 1) return jaccard;
  const prev = tf.slice(jaccard, [0, 0], [-1, l - 1]);
  const diff = tf.sub(tf.slice(jaccard, [0, 1], [-1, l - 1]), prev);
  return tf.concat([tf.slice(jaccard, [0, 0], [-1, 1]), diff], 1) as tf.Tensor2D;
}

/** Flat indices of `perm` [R, L] into a flattened [R * L] tensor (row r's indices offset by r * L). */
function flatIndices(perm: tf.Tensor2D): tf.Tensor1D {
  const [r, l] = perm.shape;
  const offsets = tf.reshape(tf.mul(tf.range(0, r, 1, 'int32'), tf.scalar(l, 'int32')), [r, 1]);
  return tf.reshape(tf.add(perm, offsets), [r * l]) as tf.Tensor1D;
}

/**
 * Lovasz loss per row: errors [R, L], sorted descending by `key` (ignored pixels get a key below every error
 * and a zero weight, so they sort last and change nothing), dotted with lovasz_grad of the sorted targets.
 *
 * A custom gradient because tfjs has no gradient for sorting: as in the reference (where the permutation comes
 * from `.data`), the order is a constant, so d loss_r / d errors[r, perm[r, i]] = lovasz_grad_i (zero for ignored
 * pixels) and `key`, `gt`, `valid` get none.
 */
const lovaszRows = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [errors, key, gt, valid, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  const [r, l] = errors.shape;
  const flat = flatIndices(tf.topk(key, l, true).indices as tf.Tensor2D);
  const sorted = (x: tf.Tensor2D): tf.Tensor2D => tf.reshape(tf.gather(tf.reshape(x, [r * l]), flat), [r, l]);
  const weights = tf.mul(lovaszGrad(sorted(gt)), sorted(valid)) as tf.Tensor2D;
  const value = tf.sum(tf.mul(sorted(errors), weights), 1);
  save([flat, weights]);
  return {
    value,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [idx, w] = saved;
      const upd = tf.reshape(tf.mul(w, tf.reshape(dy as tf.Tensor, [r, 1])), [r * l]);
      // A permutation: scatter the sorted-order gradient back to the pixels (O(n); the cpu backend's
      // unsortedSegmentSum is O(n * segments)).
      const dErrors = tf.reshape(tf.scatterND(tf.reshape(idx, [r * l, 1]), upd, [r * l]), [r, l]);
      return [dErrors, tf.zeros([r, l]), tf.zeros([r, l]), tf.zeros([r, l])];
    },
  };
}) as (errors: tf.Tensor2D, key: tf.Tensor2D, gt: tf.Tensor2D, valid: tf.Tensor2D) => tf.Tensor1D;

/**
 * Lovasz hinge loss (Berman, Rannen Triki & Blaschko 2018, "The Lovasz-Softmax loss", the reference
 * `lovasz_hinge`): binary segmentation from logits `yPred` [N, ...spatial, 1] (real-valued scores, no
 * sigmoid) and a 0/1 mask `yTrue`. Per image (or over the batch), with s = 2g - 1 and errors e = 1 - x s sorted
 * in descending order (permutation pi):
 *
 *     loss = sum_i relu(e_pi(i)) * (J_i - J_(i-1)),  J_i = 1 - (G - cumsum(g_pi)_i) / (G + cumsum(1 - g_pi)_i)
 *
 * i.e. the Lovasz extension of the Jaccard loss applied to the hinge errors. Ignored pixels are removed first;
 * an image with only ignored pixels has loss 0 (and counts in the mean over images, as in the reference).
 * The gradient is the reference's: the sort order is held constant.
 *
 * Defaults: perImage true.
 */
export function lovaszHingeLoss(options: LovaszHingeLossOptions = {}): LossFn {
  const fn = 'lovaszHingeLoss';
  const check = valueChecker(fn, options.validate);
  const perImage = options.perImage ?? true;
  return named(
    fn,
    (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar =>
      tf.tidy(() => {
        const p = parseSegmentationInputs(fn, yTrue, yPred, { mode: 'binary', ignoreIndex: options.ignoreIndex });
        check(yTrue, null, p, options.ignoreIndex);
        const { target, valid } = targetsAndMask(yTrue, p, options.ignoreIndex);
        const rows = perImage ? p.batch : 1;
        const shape: [number, number] = [rows, (p.batch * p.pixels) / rows];
        const g = tf.reshape(target, shape) as tf.Tensor2D;
        const v = tf.reshape(valid, shape) as tf.Tensor2D;
        const x = tf.reshape(yPred, shape) as tf.Tensor2D;
        const errors = tf.relu(tf.sub(1, tf.mul(x, tf.sub(tf.mul(2, g), 1)))) as tf.Tensor2D;
        // Sorting relu(e) or e gives the same loss: ties at 0 multiply 0.
        const key = tf.where(tf.greater(v, 0), errors, tf.fill(shape, -1)) as tf.Tensor2D;
        return tf.mean(lovaszRows(errors, key, g, v)) as tf.Scalar;
      }),
  );
}

/**
 * Lovasz-Softmax loss (Berman et al. 2018, the reference `lovasz_softmax`): per class c, with errors
 * e_c = |g_c - p_c| over the (non-ignored) pixels sorted in descending order,
 *
 *     loss_c = sum_i e_c,pi(i) * (J_i - J_(i-1))   (J as in {@link lovaszHingeLoss}, from the sorted g_c)
 *
 * loss = mean over the classes present in `yTrue` (or all classes) of loss_c, over the batch (default) or per
 * image and then averaged over all images (an image with no counted class gives 0, as in the reference).
 * Multiclass `yPred` holds probabilities (softmax of logits with `fromLogits`); a single sigmoid channel
 * (binary mode) is the reference's `classes=[1]` case. The gradient is the reference's (sort order constant).
 *
 * Defaults: classes 'present', perImage false.
 */
export function lovaszSoftmaxLoss(options: LovaszSoftmaxLossOptions = {}): LossFn {
  const fn = 'lovaszSoftmaxLoss';
  const check = valueChecker(fn, options.validate);
  const classes = options.classes ?? 'present';
  if (classes !== 'present' && classes !== 'all') {
    throw new InputError(`${fn}: classes`, "'present' or 'all'", `'${classes}'`);
  }
  return named(
    fn,
    (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar =>
      tf.tidy(() => {
        const p = parseSegmentationInputs(fn, yTrue, yPred, options);
        if (options.mode === 'multilabel') {
          throw new InputError(`${fn}: mode`, "'multiclass' or 'binary'", "'multilabel'");
        }
        check(yTrue, options.fromLogits ? null : yPred, p, options.ignoreIndex);
        const { target, valid } = targetsAndMask(yTrue, p, options.ignoreIndex);
        const prob = probabilities(yPred, p, options.fromLogits);
        const { batch: n, pixels: px, numClasses: c } = p;
        // [N, P, C] -> rows of one class: [N * C, P] per image, [C, N * P] over the batch.
        const toRows = (t: tf.Tensor): tf.Tensor2D =>
          (options.perImage
            ? tf.reshape(tf.transpose(t, [0, 2, 1]), [n * c, px])
            : tf.reshape(tf.transpose(tf.reshape(t, [n * px, c])), [c, n * px])) as tf.Tensor2D;
        const g = toRows(target);
        const v = toRows(tf.mul(tf.onesLike(target), valid));
        const errors = tf.abs(tf.sub(g, toRows(prob))) as tf.Tensor2D;
        const key = tf.where(tf.greater(v, 0), errors, tf.fill(errors.shape, -1)) as tf.Tensor2D;
        const perRow = lovaszRows(errors, key, g, v);
        const groups = options.perImage ? n : 1;
        const present = tf.cast(tf.greater(tf.sum(g, 1), 0), 'float32');
        const w = tf.reshape(classes === 'all' ? tf.onesLike(present) : present, [groups, c]);
        const perGroup = tf.div(tf.sum(tf.mul(tf.reshape(perRow, [groups, c]), w), 1), tf.maximum(tf.sum(w, 1), 1));
        return tf.mean(perGroup) as tf.Scalar;
      }),
  );
}

import type * as tf from '@tensorflow/tfjs-core';

/**
 * A loss in Keras order: `(yTrue, yPred) => tf.Scalar`, usable as `model.compile({ loss })` and in custom
 * training loops (inside `tf.variableGrads` / `optimizer.minimize`). `name` is the factory's name
 * (e.g. `'diceLoss'`), so that logs and `combineLosses` can tell losses apart.
 */
export type LossFn = ((yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar) & { readonly name: string };

/**
 * How `yPred`'s last axis is read.
 * - `'multiclass'`: one exclusive class per pixel; logits go through softmax over the last axis.
 * - `'binary'`: one channel (C = 1) holding the foreground probability; logits go through sigmoid.
 * - `'multilabel'`: C independent binary channels (sigmoid each); `yTrue` must have `yPred`'s shape.
 *
 * Default: `'binary'` when the last axis of `yPred` is 1, else `'multiclass'`.
 */
export type SegmentationMode = 'binary' | 'multiclass' | 'multilabel';

/** Options shared by every segmentation loss. */
export interface SegmentationInputOptions {
  /** `yPred` holds logits rather than probabilities (softmax for multiclass, sigmoid otherwise). Default false. */
  fromLogits?: boolean;
  /** How the class axis is read; see {@link SegmentationMode}. Default: from the size of the last axis. */
  mode?: SegmentationMode;
  /**
   * A `yTrue` value that marks pixels to leave out (e.g. 255 or -1): they count neither in sums nor in
   * means. Applies to integer class ids and to binary / multilabel masks; one-hot `yTrue` has no such value.
   */
  ignoreIndex?: number;
  /**
   * Check the values of `yTrue` (class ids integers in range, masks in [0, 1]) and of `yPred` (probabilities
   * in [0, 1] unless `fromLogits`) and throw an `InputError` when they are not, instead of returning a
   * silently wrong loss. Default `'first'`: the first call of each loss object (the first batch) is checked,
   * with one small synchronous read, once (measured: see the README; on WebGPU in Node, which has no
   * synchronous read, the check runs asynchronously and the next call throws). `true` checks every call (a
   * GPU-to-CPU sync per step); `false` turns it off (e.g. after `await checkInputs(...)` on the data).
   */
  validate?: boolean | 'first';
}

import * as tf from '@tensorflow/tfjs-core';
import { checkInt, checkOptions, describeValue, InputError } from '@tiefe/core';
import { named } from '../internal/inputs.js';
import { checkMetricOptions, hardLabels, metricClasses, type SegmentationMetricOptions } from './confusionMatrix.js';

/**
 * A metric in Keras order, `(yTrue, yPred) => tf.Scalar`, that `model.compile({ metrics: [...] })` takes. `name`
 * is the key in the History and the progress bar (`meanIoU`, `val_meanIoU`).
 */
export type MetricFn = ((yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar) & { readonly name: string };

/** Options of the metric factories. */
export interface MetricOptions extends SegmentationMetricOptions {
  /** Key in the History and the progress bar. Default: the factory's name (`'meanIoU'`, ...). */
  name?: string;
}

/** Options of the metrics that average a per-class score. */
export interface ClassMeanOptions extends MetricOptions {
  /**
   * The classes averaged over (Keras' `target_class_ids`), e.g. `[1]` for the foreground of a binary mask.
   * Default: every class.
   */
  classIds?: number[];
}

/** Per-class counts of one batch, `[K]` each: true positives, predicted pixels, true pixels. */
interface ClassCounts {
  tp: tf.Tensor1D;
  predicted: tf.Tensor1D;
  actual: tf.Tensor1D;
}

function classCounts(fn: string, yTrue: tf.Tensor, yPred: tf.Tensor, o: SegmentationMetricOptions): ClassCounts {
  const k = metricClasses(fn, yPred, o);
  const { truth, pred, keep } = hardLabels(fn, yTrue, yPred, o, k);
  const counted = tf.expandDims(tf.cast(keep, 'float32'), 1);
  // oneHot gives an all-zero row for ids outside [0, K); the mask also drops an ignoreIndex inside [0, K).
  const t = tf.mul(tf.oneHot(tf.cast(truth, 'int32'), k, 1, 0, 'float32'), counted);
  const p = tf.mul(tf.oneHot(pred, k, 1, 0, 'float32'), counted);
  return {
    tp: tf.sum(tf.mul(t, p), 0) as tf.Tensor1D,
    predicted: tf.sum(p, 0) as tf.Tensor1D,
    actual: tf.sum(t, 0) as tf.Tensor1D,
  };
}

/** The metric's name: `options.name` (a non-empty string) or the factory's. */
function metricName(fn: string, name: unknown): string {
  if (name === undefined) return fn;
  if (typeof name !== 'string' || name === '')
    throw new InputError(`${fn}: name`, 'a non-empty string', describeValue(name));
  return name;
}

/** Checks `classIds` once at construction (the class count is only known from yPred, see {@link selection}). */
function checkClassIds(fn: string, classIds: unknown): void {
  if (classIds === undefined) return;
  if (!Array.isArray(classIds) || classIds.length === 0) {
    throw new InputError(`${fn}: classIds`, 'a non-empty array of class ids', String(classIds));
  }
  for (const c of classIds) checkInt(`${fn}: classIds`, c, 0);
}

/** 1 for the classes in `classIds` (all when undefined), `[K]`. */
function selection(fn: string, classIds: number[] | undefined, k: number): tf.Tensor1D {
  if (classIds === undefined) return tf.ones([k]);
  const out = new Float32Array(k);
  for (const c of classIds) {
    if (c >= k) throw new InputError(`${fn}: classIds`, `class ids in [0, ${k - 1}]`, `[${classIds.join(', ')}]`);
    out[c] = 1;
  }
  return tf.tensor1d(out);
}

/**
 * A metric factory for a per-class score `numerator / denominator` of the counts, averaged over the selected
 * classes where the denominator is not 0 (Keras' MeanIoU rule); 0 when no selected class is defined.
 */
function classMean(
  fn: string,
  options: ClassMeanOptions,
  score: (c: ClassCounts) => { numerator: tf.Tensor1D; denominator: tf.Tensor1D },
): MetricFn {
  const o = checkOptions(`${fn}: options`, options);
  checkMetricOptions(fn, o);
  checkClassIds(fn, o.classIds);
  return named(
    metricName(fn, o.name),
    (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar =>
      tf.tidy(() => {
        const counts = classCounts(fn, yTrue, yPred, o);
        const { numerator, denominator } = score(counts);
        const defined = tf.mul(
          tf.cast(tf.greater(denominator, 0), 'float32'),
          selection(fn, o.classIds, counts.tp.size),
        );
        const perClass = tf.div(numerator, tf.maximum(denominator, 1));
        return tf.div(tf.sum(tf.mul(perClass, defined)), tf.maximum(tf.sum(defined), 1)) as tf.Scalar;
      }),
  );
}

/**
 * Mean IoU metric for `compile`: per class TP / (TP + FP + FN) on hard predictions (argmax, or
 * `yPred > threshold` for one channel), counted over the batch, averaged over the classes (or `classIds`) whose
 * IoU is defined. Per batch: `fit` logs the mean over batches; {@link SegmentationConfusionMatrix.meanIoU}
 * gives the figure of a whole data set.
 *
 * @example
 * model.compile({ optimizer: 'adam', loss: diceLoss(), metrics: [meanIoU(), meanIoU({ classIds: [1], name: 'iou1' })] });
 */
export function meanIoU(options: ClassMeanOptions = {}): MetricFn {
  return classMean('meanIoU', options, (c) => ({
    numerator: c.tp,
    denominator: tf.sub(tf.add(c.actual, c.predicted), c.tp) as tf.Tensor1D,
  }));
}

/**
 * Mean Dice (F1) metric for `compile`: per class 2 TP / (2 TP + FP + FN) on hard predictions, averaged as in
 * {@link meanIoU}; `meanDice({ classIds: [1] })` is the foreground Dice score of a binary mask.
 */
export function meanDice(options: ClassMeanOptions = {}): MetricFn {
  return classMean('meanDice', options, (c) => ({
    numerator: tf.mul(c.tp, 2) as tf.Tensor1D,
    denominator: tf.add(c.actual, c.predicted) as tf.Tensor1D,
  }));
}

/**
 * Mean class accuracy metric for `compile`: the mean over the classes (or `classIds`) present in the batch's
 * `yTrue` of TP / (TP + FN) (per-class recall).
 */
export function meanClassAccuracy(options: ClassMeanOptions = {}): MetricFn {
  return classMean('meanClassAccuracy', options, (c) => ({ numerator: c.tp, denominator: c.actual }));
}

/**
 * Pixel accuracy metric for `compile`: correctly classified counted pixels / counted pixels of the batch
 * (0 when every pixel is ignored).
 */
export function pixelAccuracy(options: MetricOptions = {}): MetricFn {
  const fn = 'pixelAccuracy';
  const o = checkOptions(`${fn}: options`, options);
  checkMetricOptions(fn, o);
  return named(
    metricName(fn, o.name),
    (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar =>
      tf.tidy(() => {
        const c = classCounts(fn, yTrue, yPred, o);
        return tf.div(tf.sum(c.tp), tf.maximum(tf.sum(c.actual), 1)) as tf.Scalar;
      }),
  );
}

import * as tf from '@tensorflow/tfjs-core';
import { checkBoolean, checkInt, checkNumber, checkOptions, checkTensor, InputError } from '@tiefe/core';
import { fmt } from '../internal/inputs.js';

/** How the segmentation metrics read `yTrue` and `yPred` (the metric factories and {@link SegmentationConfusionMatrix}). */
export interface SegmentationMetricOptions {
  /**
   * Number of classes K. Default: from `yPred`'s last axis (2 for a single sigmoid channel). Required when
   * `yPred` holds predicted class ids (int32, no class axis).
   */
  numClasses?: number;
  /** `yTrue` value of pixels to leave out. */
  ignoreIndex?: number;
  /** `yPred` holds logits: for a single channel the threshold becomes 0 (sigmoid(0) = 0.5). Default false. */
  fromLogits?: boolean;
  /** Foreground threshold for a single-channel `yPred`. Default 0.5 (0 with fromLogits). */
  threshold?: number;
}

/** Options of {@link SegmentationConfusionMatrix}. */
export interface SegmentationConfusionMatrixOptions extends SegmentationMetricOptions {
  /** Number of classes K (>= 2). */
  numClasses: number;
  /** Check that class ids are integers in [0, K) (or ignoreIndex); reads a few numbers. Default true. */
  validate?: boolean;
}

/** Largest number of pixels counted in one bincount: float32 counts are exact up to 2^24. */
const CHUNK = 1 << 24;

/**
 * A streaming confusion matrix for semantic segmentation: `update(yTrue, yPred)` adds one batch's counts (on
 * the backend, one small read of K x K numbers), so that metrics over large images or whole data sets need no
 * more memory than one batch. `counts[t * K + p]` is the number of pixels of true class t predicted as p.
 *
 * Inputs: `yPred` `[N, ...spatial, C]` probabilities or logits (the predicted class is the argmax; for C = 1
 * the foreground is `yPred > threshold`, K = 2), or int32 predicted class ids `[N, ...spatial]`; `yTrue` integer
 * class ids `[N, ...spatial]` / `[N, ...spatial, 1]` or one-hot `[N, ...spatial, C]`.
 *
 * @example
 * const cm = new SegmentationConfusionMatrix({ numClasses: 19, ignoreIndex: 255 });
 * for (const [x, y] of batches) { const p = model.predict(x) as tf.Tensor; await cm.update(y, p); p.dispose(); }
 * console.log(cm.meanIoU(), cm.pixelAccuracy());
 */
export class SegmentationConfusionMatrix {
  /** Row-major K x K counts: rows are true classes, columns predicted classes. */
  readonly counts: Float64Array;
  readonly numClasses: number;

  constructor(readonly options: SegmentationConfusionMatrixOptions) {
    const fn = 'SegmentationConfusionMatrix';
    checkOptions(`${fn}: options`, options);
    this.numClasses = checkInt(`${fn}: numClasses`, options?.numClasses, 2);
    checkMetricOptions(fn, options);
    this.counts = new Float64Array(this.numClasses * this.numClasses);
  }

  /** Adds the counts of one batch. */
  async update(yTrue: tf.Tensor, yPred: tf.Tensor): Promise<void> {
    const fn = 'SegmentationConfusionMatrix.update';
    const k = this.numClasses;
    const { idx, check } = tf.tidy(() => {
      const { truth, pred, keep } = hardLabels(fn, yTrue, yPred, this.options, k);
      const check = tf.stack([...rangeStats(truth, keep, k), ...rangeStats(pred, keep, k)]) as tf.Tensor1D;
      // Out-of-range values (when not validated) are clamped so that bincount stays in bounds.
      const t = tf.clipByValue(tf.cast(truth, 'int32'), 0, k - 1);
      const p = tf.clipByValue(pred, 0, k - 1);
      const pair = tf.add(tf.mul(t, tf.scalar(k, 'int32')), p);
      // Ignored pixels get index K * K, which bincount (size K * K) skips.
      const idx = tf.where(keep, pair, tf.fill(pair.shape, k * k, 'int32')) as tf.Tensor1D;
      return { idx, check };
    });
    try {
      if (this.options.validate !== false) {
        const s = await check.data();
        const ignore = this.options.ignoreIndex === undefined ? '' : ` or ignoreIndex ${this.options.ignoreIndex}`;
        if (s[0] > 0) {
          throw new InputError(
            `${fn}: yTrue`,
            `integer class ids in [0, ${k - 1}]${ignore}`,
            `${s[0]} value(s) out of range (values from ${s[1]} to ${s[2]})`,
          );
        }
        if (s[3] > 0) {
          throw new InputError(
            `${fn}: yPred`,
            `predicted class ids in [0, ${k - 1}]`,
            `${s[3]} value(s) out of range (values from ${s[4]} to ${s[5]})`,
          );
        }
      }
      const size = idx.shape[0];
      for (let start = 0; start < size; start += CHUNK) {
        const n = Math.min(CHUNK, size - start);
        const bins = tf.tidy(() => {
          const part = n === size ? idx : tf.slice(idx, [start], [n]);
          return tf.bincount(part, tf.ones([n]), k * k);
        });
        const vals = await bins.data();
        bins.dispose();
        for (let i = 0; i < k * k; i++) this.counts[i] += vals[i];
      }
    } finally {
      tf.dispose([idx, check]);
    }
  }

  /** Sets every count back to 0. */
  reset(): void {
    this.counts.fill(0);
  }

  /** Counted pixels. */
  get total(): number {
    let t = 0;
    for (const c of this.counts) t += c;
    return t;
  }

  private perClass(score: (tp: number, fp: number, fn: number) => number): number[] {
    const k = this.numClasses;
    const out: number[] = [];
    for (let c = 0; c < k; c++) {
      let row = 0;
      let col = 0;
      for (let j = 0; j < k; j++) {
        row += this.counts[c * k + j];
        col += this.counts[j * k + c];
      }
      const tp = this.counts[c * k + c];
      out.push(score(tp, col - tp, row - tp));
    }
    return out;
  }

  /** IoU per class, TP / (TP + FP + FN); NaN for a class absent from both yTrue and yPred (undefined). */
  iou(): number[] {
    return this.perClass((tp, fp, fn) => (tp + fp + fn > 0 ? tp / (tp + fp + fn) : Number.NaN));
  }

  /** Dice (F1) per class, 2 TP / (2 TP + FP + FN); NaN for a class absent from both yTrue and yPred. */
  dice(): number[] {
    return this.perClass((tp, fp, fn) => (2 * tp + fp + fn > 0 ? (2 * tp) / (2 * tp + fp + fn) : Number.NaN));
  }

  /** Recall per class, TP / (TP + FN); NaN for a class absent from yTrue. */
  classAccuracy(): number[] {
    return this.perClass((tp, _fp, fn) => (tp + fn > 0 ? tp / (tp + fn) : Number.NaN));
  }

  /** Mean IoU over the classes where it is defined (Keras' MeanIoU); NaN when no pixel was counted. */
  meanIoU(): number {
    return nanMean(this.iou());
  }

  /** Mean Dice over the classes where it is defined; NaN when no pixel was counted. */
  meanDice(): number {
    return nanMean(this.dice());
  }

  /** Global pixel accuracy, sum_c TP_c / total; NaN when no pixel was counted. */
  pixelAccuracy(): number {
    const k = this.numClasses;
    let tp = 0;
    for (let c = 0; c < k; c++) tp += this.counts[c * k + c];
    const total = this.total;
    return total > 0 ? tp / total : Number.NaN;
  }

  /** Mean over the classes present in yTrue of TP_c / (TP_c + FN_c); NaN when no pixel was counted. */
  meanClassAccuracy(): number {
    return nanMean(this.classAccuracy());
  }
}

/** Mean of the non-NaN values; NaN when there are none. */
function nanMean(values: readonly number[]): number {
  let s = 0;
  let n = 0;
  for (const v of values) {
    if (!Number.isNaN(v)) {
      s += v;
      n++;
    }
  }
  return n > 0 ? s / n : Number.NaN;
}

/** Checks the options every segmentation metric shares (no tensors involved). */
export function checkMetricOptions(fn: string, o: SegmentationMetricOptions): void {
  if (o.numClasses !== undefined) checkInt(`${fn}: numClasses`, o.numClasses, 2);
  if (o.ignoreIndex !== undefined) checkNumber(`${fn}: ignoreIndex`, o.ignoreIndex);
  if (o.threshold !== undefined) checkNumber(`${fn}: threshold`, o.threshold);
  if (o.fromLogits !== undefined) checkBoolean(`${fn}: fromLogits`, o.fromLogits);
}

/** Number of classes implied by yPred and the options (K). */
export function metricClasses(fn: string, yPred: tf.Tensor, o: SegmentationMetricOptions): number {
  checkTensor(`${fn}: yPred`, yPred, { dtype: ['float32', 'int32'] });
  if (yPred.dtype === 'int32') {
    if (o.numClasses === undefined) {
      throw new InputError(
        `${fn}: numClasses`,
        'a class count when yPred holds predicted class ids (int32)',
        'undefined',
      );
    }
    return o.numClasses;
  }
  if (yPred.rank < 2)
    throw new InputError(`${fn}: yPred`, 'a tensor of rank >= 2, [N, ...spatial, C]', `shape ${fmt(yPred.shape)}`);
  const c = yPred.shape[yPred.rank - 1];
  const k = c === 1 ? 2 : c;
  if (o.numClasses !== undefined && o.numClasses !== k) {
    throw new InputError(`${fn}: numClasses`, `${k} (from yPred's shape ${fmt(yPred.shape)})`, `${o.numClasses}`);
  }
  return k;
}

/**
 * The hard labels of one batch, flat: true class ids (float32, as given: not yet range-checked), predicted class
 * ids (int32: the argmax, or `yPred > threshold` for one channel, or yPred's own ids) and the counted pixels.
 * Call inside `tf.tidy`.
 */
export function hardLabels(
  fn: string,
  yTrue: tf.Tensor,
  yPred: tf.Tensor,
  o: SegmentationMetricOptions,
  k: number,
): { truth: tf.Tensor1D; pred: tf.Tensor1D; keep: tf.Tensor1D } {
  checkTensor(`${fn}: yTrue`, yTrue, { dtype: ['float32', 'int32', 'bool'] });
  checkTensor(`${fn}: yPred`, yPred, { dtype: ['float32', 'int32'] });
  let pred: tf.Tensor;
  let idShape: number[];
  if (yPred.dtype === 'int32') {
    idShape = yPred.shape.at(-1) === 1 ? yPred.shape.slice(0, -1) : yPred.shape;
    pred = tf.reshape(yPred, [-1]);
  } else {
    if (yPred.rank < 2)
      throw new InputError(`${fn}: yPred`, 'a tensor of rank >= 2, [N, ...spatial, C]', `shape ${fmt(yPred.shape)}`);
    const c = yPred.shape[yPred.rank - 1];
    if ((c === 1 ? 2 : c) !== k)
      throw new InputError(`${fn}: yPred`, `${k} classes on the last axis`, `shape ${fmt(yPred.shape)}`);
    idShape = yPred.shape.slice(0, -1);
    const threshold = o.threshold ?? (o.fromLogits ? 0 : 0.5);
    pred =
      c === 1
        ? tf.cast(tf.greater(tf.reshape(yPred, [-1]), threshold), 'int32')
        : tf.reshape(tf.argMax(yPred, -1), [-1]);
  }
  const m = idShape.reduce((a, b) => a * b, 1);
  let truth: tf.Tensor;
  const sameAs = (s: number[]) => yTrue.shape.length === s.length && yTrue.shape.every((d, i) => d === s[i]);
  if (sameAs(idShape) || sameAs([...idShape, 1])) {
    truth = tf.reshape(tf.cast(yTrue, 'float32'), [m]);
  } else if (sameAs([...idShape, k])) {
    // One-hot (K >= 2; for a single sigmoid channel, the 2-channel one-hot of background and foreground).
    if (o.ignoreIndex !== undefined) {
      throw new InputError(
        `${fn}: ignoreIndex`,
        'integer class ids in yTrue (one-hot yTrue has no ignore value)',
        'one-hot yTrue',
      );
    }
    truth = tf.cast(tf.reshape(tf.argMax(yTrue, -1), [m]), 'float32');
  } else {
    throw new InputError(
      `${fn}: yTrue`,
      `class ids of shape ${fmt(idShape)} or ${fmt([...idShape, 1])} or one-hot ${fmt([...idShape, k])}`,
      `shape ${fmt(yTrue.shape)}`,
    );
  }
  const keep = o.ignoreIndex === undefined ? tf.cast(tf.onesLike(truth), 'bool') : tf.notEqual(truth, o.ignoreIndex);
  return { truth: truth as tf.Tensor1D, pred: pred as tf.Tensor1D, keep: keep as tf.Tensor1D };
}

/** [count of counted values outside [0, K) or not integer or NaN, their min, their max]. Call inside `tf.tidy`. */
function rangeStats(ids: tf.Tensor, keep: tf.Tensor, k: number): tf.Tensor[] {
  const v = tf.cast(ids, 'float32');
  const bad = tf.logicalAnd(
    keep,
    tf.logicalOr(
      tf.logicalOr(tf.less(v, 0), tf.greater(v, k - 1)),
      tf.logicalOr(tf.notEqual(v, tf.floor(v)), tf.isNaN(v)),
    ),
  );
  return [
    tf.sum(tf.cast(bad, 'float32')),
    tf.min(tf.where(keep, v, tf.fill(v.shape, Number.POSITIVE_INFINITY))),
    tf.max(tf.where(keep, v, tf.fill(v.shape, Number.NEGATIVE_INFINITY))),
  ];
}

import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../errors.js';

/**
 * What the metrics accept for labels and predictions: a tensor or plain (nested) arrays.
 *
 * - rank 1 `[n]`: class indices (integers), or for predictions binary scores (see `threshold`);
 * - rank 2+ `[..., c]` with `c > 1`: one-hot labels, probabilities or logits; the class is the arg-max over the
 *   last axis (first maximum wins), so softmax is never needed;
 * - `[..., 1]`: same as without the trailing 1.
 * Leading axes are flattened, so per-pixel labels `[n, h, w, c]` work too.
 */
export type LabelInput = tf.Tensor | ArrayLike<number> | ArrayLike<ArrayLike<number>>;

/** Options shared by the label-based metrics. */
export interface LabelOptions {
  /**
   * Decision threshold for rank-1 (or `[n, 1]`) predictions that are not all integers, read as binary
   * scores: `score >= threshold` is class 1. Default 0.5 (probabilities); use 0 for logits.
   */
  threshold?: number;
}

interface Dense {
  values: ArrayLike<number>;
  /** Size of the last axis (1 for rank-1 input). */
  width: number;
  rows: number;
}

function describe(input: unknown): string {
  if (input instanceof tf.Tensor) return `a ${input.dtype} tensor of shape [${input.shape}]`;
  if (input == null) return String(input);
  if (typeof input === 'object' && 'length' in (input as object))
    return `an array of length ${(input as ArrayLike<unknown>).length}`;
  return typeof input;
}

/** Reads a tensor or (nested) array into a flat row-major buffer, arg-maxing on the device when it helps. */
async function readDense(input: LabelInput, name: string, keepScores: boolean): Promise<Dense> {
  if (input instanceof tf.Tensor) {
    if (input.isDisposed) throw new InputError(name, 'a live tensor', 'a disposed tensor');
    if (input.rank === 0) throw new InputError(name, 'a tensor of rank >= 1', 'a scalar');
    const width = input.rank === 1 ? 1 : input.shape[input.rank - 1];
    const rows = input.size / Math.max(width, 1);
    if (width > 1 && !keepScores) {
      // Arg-max on the device: only n integers travel back instead of n*c scores.
      const idx = tf.tidy(() => tf.argMax(tf.reshape(input, [rows, width]), 1));
      const values = await idx.data();
      idx.dispose();
      return { values, width: 1, rows };
    }
    return { values: await input.data<'float32'>(), width, rows };
  }
  if (input == null || typeof input !== 'object' || typeof (input as ArrayLike<unknown>).length !== 'number') {
    throw new InputError(name, 'a tensor or an array of numbers', describe(input));
  }
  const outer = input as ArrayLike<unknown>;
  if (outer.length > 0 && typeof outer[0] === 'object' && outer[0] !== null) {
    const width = (outer[0] as ArrayLike<number>).length;
    const values = new Float64Array(outer.length * width);
    for (let i = 0; i < outer.length; i++) {
      const row = outer[i] as ArrayLike<number>;
      if (row == null || row.length !== width) {
        throw new InputError(name, `rows of equal length ${width}`, `row ${i} of length ${row?.length}`);
      }
      for (let j = 0; j < width; j++) values[i * width + j] = row[j];
    }
    return { values, width, rows: outer.length };
  }
  return { values: outer as ArrayLike<number>, width: 1, rows: outer.length };
}

/** Arg-max of each row of a row-major buffer (first maximum wins, like `tf.argMax`). */
function argMaxRows(values: ArrayLike<number>, rows: number, width: number): Int32Array {
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    let bestValue = values[i * width];
    for (let j = 1; j < width; j++) {
      const v = values[i * width + j];
      if (v > bestValue) {
        best = j;
        bestValue = v;
      }
    }
    out[i] = best;
  }
  return out;
}

function checkFinite(values: ArrayLike<number>, name: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new InputError(name, 'finite numbers', `${values[i]} at index ${i}`);
  }
}

/**
 * Turns labels or predictions into class indices (see {@link LabelInput}). `kind: 'true'` rejects
 * non-integer rank-1 values (ground truth must be class indices or one-hot); `kind: 'pred'` thresholds them.
 * Throws {@link InputError} for NaN/Infinity, negative classes, or an empty input.
 */
export async function toLabels(
  input: LabelInput,
  name: string,
  kind: 'true' | 'pred',
  options: LabelOptions = {},
): Promise<Int32Array> {
  const dense = await readDense(input, name, false);
  if (dense.rows === 0) throw new InputError(name, 'at least one sample', 'none');
  checkFinite(dense.values, name);
  if (dense.width > 1) return argMaxRows(dense.values, dense.rows, dense.width);
  const { values } = dense;
  let integers = true;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isInteger(values[i])) {
      integers = false;
      break;
    }
  }
  const out = new Int32Array(values.length);
  if (integers) {
    for (let i = 0; i < values.length; i++) {
      if (values[i] < 0) throw new InputError(name, 'class indices >= 0', `${values[i]} at index ${i}`);
      out[i] = values[i];
    }
    return out;
  }
  if (kind === 'true') {
    const bad = Array.from(values).findIndex((v) => !Number.isInteger(v));
    throw new InputError(name, 'integer class indices or one-hot rows', `${values[bad]} at index ${bad}`);
  }
  const threshold = options.threshold ?? 0.5;
  for (let i = 0; i < values.length; i++) out[i] = values[i] >= threshold ? 1 : 0;
  return out;
}

/**
 * Reads prediction scores as a row-major `[rows, width]` buffer (for top-k). Rank-1 input is rejected:
 * top-k needs one score per class.
 */
export async function toScores(input: LabelInput, name: string): Promise<Dense> {
  const dense = await readDense(input, name, true);
  if (dense.rows === 0) throw new InputError(name, 'at least one sample', 'none');
  if (dense.width < 2)
    throw new InputError(name, 'scores of shape [n, numClasses] with numClasses >= 2', describe(input));
  checkFinite(dense.values, name);
  return dense;
}

/** Throws unless both label vectors have the same length. */
export function checkSameLength(fn: string, yTrue: ArrayLike<number>, yPred: ArrayLike<number>): void {
  if (yTrue.length !== yPred.length) {
    throw new InputError(`${fn}: yPred`, `${yTrue.length} samples (as many as yTrue)`, `${yPred.length}`);
  }
}

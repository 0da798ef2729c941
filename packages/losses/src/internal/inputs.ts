import * as tf from '@tensorflow/tfjs-core';
import { BackendError, checkTensor, InputError } from '@tiefe/core';
import type { SegmentationInputOptions, SegmentationMode } from '../types.js';

/** What the shapes of `yTrue` and `yPred` say, checked once per call (no data read). */
export interface ParsedInputs {
  mode: SegmentationMode;
  /** Size of `yPred`'s last axis. */
  numClasses: number;
  batch: number;
  /** Pixels (voxels) per image: the product of the spatial dimensions. */
  pixels: number;
  /** `'ids'`: integer class ids (or a binary mask, in binary mode); `'dense'`: one-hot / multi-hot, yPred's shape. */
  labels: 'ids' | 'dense';
}

export const fmt = (shape: readonly number[]): string => `[${shape.join(',')}]`;
const same = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * Checks shapes and dtypes of a segmentation loss's inputs and tells how to read them.
 * `yPred` is `[N, ...spatial, C]` float32; `yTrue` is either `yPred`'s shape (one-hot, multi-hot or a binary
 * mask) or `[N, ...spatial]` / `[N, ...spatial, 1]` integer class ids.
 */
export function parseSegmentationInputs(
  fn: string,
  yTrue: tf.Tensor,
  yPred: tf.Tensor,
  options: Pick<SegmentationInputOptions, 'mode' | 'ignoreIndex'>,
): ParsedInputs {
  checkTensor(`${fn}: yPred`, yPred, { dtype: 'float32' });
  checkTensor(`${fn}: yTrue`, yTrue, { dtype: ['float32', 'int32', 'bool'] });
  if (yPred.rank < 2) {
    throw new InputError(`${fn}: yPred`, 'a tensor of rank >= 2, [N, ...spatial, C]', `shape ${fmt(yPred.shape)}`);
  }
  const numClasses = yPred.shape[yPred.rank - 1];
  const mode = options.mode ?? (numClasses === 1 ? 'binary' : 'multiclass');
  if (mode !== 'binary' && mode !== 'multiclass' && mode !== 'multilabel') {
    throw new InputError(`${fn}: mode`, "'binary', 'multiclass' or 'multilabel'", `'${mode}'`);
  }
  if (mode === 'binary' && numClasses !== 1) {
    throw new InputError(`${fn}: yPred`, "one channel (last axis 1) in mode 'binary'", `shape ${fmt(yPred.shape)}`);
  }
  if (mode === 'multiclass' && numClasses < 2) {
    throw new InputError(
      `${fn}: yPred`,
      "at least 2 classes on the last axis in mode 'multiclass' (use mode 'binary' for one channel)",
      `shape ${fmt(yPred.shape)}`,
    );
  }
  const idShape = yPred.shape.slice(0, -1);
  let labels: ParsedInputs['labels'];
  if (same(yTrue.shape, yPred.shape)) {
    labels = mode === 'multiclass' ? 'dense' : 'ids';
  } else if (mode !== 'multilabel' && (same(yTrue.shape, idShape) || same(yTrue.shape, [...idShape, 1]))) {
    labels = 'ids';
  } else {
    const expected =
      mode === 'multilabel'
        ? `yPred's shape ${fmt(yPred.shape)} (multi-hot)`
        : `${fmt(yPred.shape)} (one-hot) or ${fmt(idShape)} / ${fmt([...idShape, 1])} (class ids)`;
    throw new InputError(`${fn}: yTrue`, `shape ${expected}`, `shape ${fmt(yTrue.shape)}`);
  }
  if (mode === 'multiclass' && labels === 'dense' && options.ignoreIndex !== undefined) {
    throw new InputError(
      `${fn}: ignoreIndex`,
      'integer class ids in yTrue (one-hot yTrue has no ignore value)',
      `one-hot yTrue of shape ${fmt(yTrue.shape)}`,
    );
  }
  const batch = yPred.shape[0];
  const pixels = idShape.slice(1).reduce((a, b) => a * b, 1);
  return { mode, numClasses, batch, pixels, labels };
}

/** Checks a per-class option array (class weights) against the class count. */
export function checkClassWeights(fn: string, weights: readonly number[] | undefined, numClasses: number): void {
  if (weights === undefined) return;
  if (!Array.isArray(weights) || weights.length !== numClasses) {
    throw new InputError(
      `${fn}: classWeights`,
      `${numClasses} weights (one per class of yPred)`,
      Array.isArray(weights) ? `${weights.length}` : typeof weights,
    );
  }
  if (weights.some((w) => !Number.isFinite(w) || w < 0)) {
    throw new InputError(`${fn}: classWeights`, 'finite non-negative numbers', `[${weights.join(', ')}]`);
  }
}

/**
 * Targets and the mask of counted pixels, as `[N, P, C]` and `[N, P, 1]` (`[N, P, C]` for multilabel, where
 * `ignoreIndex` applies per element). Ignored pixels have target 0. `masked` is false when every pixel counts
 * (the mask is all ones and multiplying by it can be skipped: broadcast multiplies are slow on cpu).
 * Call inside `tf.tidy`.
 */
export function targetsAndMask(
  yTrue: tf.Tensor,
  p: ParsedInputs,
  ignoreIndex: number | undefined,
): { target: tf.Tensor3D; valid: tf.Tensor3D; masked: boolean } {
  const { batch: n, pixels: px, numClasses: c } = p;
  if (p.labels === 'dense') {
    // One-hot multiclass: every pixel counts.
    return {
      target: tf.reshape(tf.cast(yTrue, 'float32'), [n, px, c]) as tf.Tensor3D,
      valid: tf.ones([n, px, 1]) as tf.Tensor3D,
      masked: false,
    };
  }
  if (p.mode === 'multiclass') {
    const raw = tf.reshape(tf.cast(yTrue, 'float32'), [n, px]);
    // oneHot gives an all-zero row for ids outside [0, C), so ignored ids (usually 255 or -1) need no masking;
    // the mask is still applied, for an ignoreIndex inside [0, C).
    const hot = tf.cast(tf.oneHot(tf.cast(raw, 'int32'), c), 'float32') as tf.Tensor3D;
    if (ignoreIndex === undefined) return { target: hot, valid: tf.ones([n, px, 1]), masked: false };
    const valid = tf.cast(tf.notEqual(raw, ignoreIndex), 'float32');
    const target = tf.mul(hot, tf.expandDims(valid, 2)) as tf.Tensor3D;
    return { target, valid: tf.reshape(valid, [n, px, 1]) as tf.Tensor3D, masked: true };
  }
  // Binary (one channel) or multilabel: a mask per channel.
  const raw = tf.reshape(tf.cast(yTrue, 'float32'), [n, px, c]) as tf.Tensor3D;
  if (ignoreIndex === undefined) return { target: raw, valid: tf.onesLike(raw), masked: false };
  const valid = tf.cast(tf.notEqual(raw, ignoreIndex), 'float32');
  return { target: tf.mul(raw, valid) as tf.Tensor3D, valid: valid as tf.Tensor3D, masked: true };
}

/** `yPred` as probabilities `[N, P, C]`: softmax / sigmoid of logits, or as given. Call inside `tf.tidy`. */
export function probabilities(yPred: tf.Tensor, p: ParsedInputs, fromLogits: boolean | undefined): tf.Tensor3D {
  const x = tf.reshape(yPred, [p.batch, p.pixels, p.numClasses]) as tf.Tensor3D;
  if (!fromLogits) return x;
  return p.mode === 'multiclass' ? tf.softmax(x) : tf.sigmoid(x);
}

/**
 * In-graph statistics of the values of `x` that are not `ignore`: [count outside [lo, hi] (or not integer, or
 * NaN), min, max]. Call inside `tf.tidy`.
 */
function rangeStats(x: tf.Tensor, lo: number, hi: number, integer: boolean, ignore?: number): tf.Tensor1D {
  const v = tf.cast(x, 'float32');
  const keep = ignore === undefined ? tf.cast(tf.onesLike(v), 'bool') : tf.notEqual(v, ignore);
  let bad = tf.logicalOr(tf.logicalOr(tf.less(v, lo), tf.greater(v, hi)), tf.isNaN(v));
  if (integer) bad = tf.logicalOr(bad, tf.notEqual(v, tf.floor(v)));
  bad = tf.logicalAnd(bad, keep);
  const count = tf.sum(tf.cast(bad, 'float32'));
  const min = tf.min(tf.where(keep, v, tf.fill(v.shape, Number.POSITIVE_INFINITY)));
  const max = tf.max(tf.where(keep, v, tf.fill(v.shape, Number.NEGATIVE_INFINITY)));
  return tf.stack([count, min, max]) as tf.Tensor1D;
}

/** The value checks behind `validate`, as a small tensor to read: [yTrue stats (3), yPred stats (3)]. */
function valueStats(
  yTrue: tf.Tensor,
  yPred: tf.Tensor | null,
  p: ParsedInputs,
  ignoreIndex: number | undefined,
): tf.Tensor1D {
  return tf.tidy(() => {
    const ids = p.labels === 'ids' && p.mode === 'multiclass';
    const t = ids
      ? rangeStats(yTrue, 0, p.numClasses - 1, true, ignoreIndex)
      : rangeStats(yTrue, 0, 1, false, ignoreIndex);
    const q = yPred ? rangeStats(yPred, 0, 1, false) : tf.tensor1d([0, 0, 0]);
    return tf.concat([t, q]);
  });
}

function reportValues(fn: string, stats: ArrayLike<number>, p: ParsedInputs, ignoreIndex: number | undefined): void {
  if (stats[0] > 0) {
    const ignore = ignoreIndex === undefined ? '' : ` or ignoreIndex ${ignoreIndex}`;
    const expected =
      p.labels === 'ids' && p.mode === 'multiclass'
        ? `integer class ids in [0, ${p.numClasses - 1}]${ignore}`
        : `mask values in [0, 1]${ignore}`;
    throw new InputError(
      `${fn}: yTrue`,
      expected,
      `${stats[0]} value(s) out of range (values from ${stats[1]} to ${stats[2]})`,
    );
  }
  if (stats[3] > 0) {
    throw new InputError(
      `${fn}: yPred`,
      'probabilities in [0, 1] (pass fromLogits: true for logits)',
      `${stats[3]} value(s) out of range or NaN (values from ${stats[4]} to ${stats[5]})`,
    );
  }
}

/** `validate: true` for losses: one synchronous read. */
export function validateValuesSync(
  fn: string,
  yTrue: tf.Tensor,
  yPred: tf.Tensor | null,
  p: ParsedInputs,
  ignoreIndex: number | undefined,
): void {
  assertSyncReads(`${fn}: validate`, 'check the inputs once with `await checkInputs(yTrue, yPred, options)` instead');
  const s = valueStats(yTrue, yPred, p, ignoreIndex);
  try {
    reportValues(fn, s.dataSync(), p, ignoreIndex);
  } finally {
    s.dispose();
  }
}

/** The same checks, with an asynchronous read (works on every backend). */
export async function validateValues(
  fn: string,
  yTrue: tf.Tensor,
  yPred: tf.Tensor | null,
  p: ParsedInputs,
  ignoreIndex: number | undefined,
): Promise<void> {
  const s = valueStats(yTrue, yPred, p, ignoreIndex);
  try {
    reportValues(fn, await s.data(), p, ignoreIndex);
  } finally {
    s.dispose();
  }
}

/** One loss object's value check (see {@link valueChecker}). */
export type ValueCheck = (
  yTrue: tf.Tensor,
  yPred: tf.Tensor | null,
  p: ParsedInputs,
  ignoreIndex: number | undefined,
) => void;

/** A loss's `validate` option: every call (`true`), never (`false`), or the first call only (`'first'`). */
export type ValidateOption = boolean | 'first';

/**
 * Whether the first-call check reads synchronously. Never on WebGPU: Node has no OffscreenCanvas for tfjs's
 * synchronous WebGPU read, and in Chromium (SwiftShader) that read left later `data()` calls failing with
 * "A valid external Instance reference no longer exists".
 */
function canReadSync(): boolean {
  return tf.getBackend() !== 'webgpu';
}

/**
 * The value check of one loss object, per its `validate` option (default `'first'`): `'first'` checks the
 * first call only (the first batch a model trains on: one small synchronous read, once), so that class ids out
 * of range, float ids or negative probabilities throw an `InputError` instead of giving a silently wrong loss.
 * On WebGPU (no dependable synchronous read) the first call's check runs asynchronously and the next
 * call throws its error. A failed check is repeated on the next call. Call inside the loss's `tf.tidy`.
 */
export function valueChecker(fn: string, validate: ValidateOption | undefined): ValueCheck {
  const mode = validate ?? 'first';
  if (mode === false) return () => {};
  if (mode === true) return (yTrue, yPred, p, ignoreIndex) => validateValuesSync(fn, yTrue, yPred, p, ignoreIndex);
  let passed = false;
  let pending: Promise<void> | undefined;
  let failure: unknown;
  return (yTrue, yPred, p, ignoreIndex) => {
    if (failure !== undefined) {
      const e = failure;
      failure = undefined;
      passed = false;
      throw e;
    }
    if (passed || pending) return;
    if (canReadSync()) {
      validateValuesSync(fn, yTrue, yPred, p, ignoreIndex);
      passed = true;
      return;
    }
    const s = tf.keep(valueStats(yTrue, yPred, p, ignoreIndex));
    pending = s
      .data()
      .then((stats) => {
        reportValues(fn, stats, p, ignoreIndex);
        passed = true;
      })
      .catch((e) => {
        failure = e;
      })
      .finally(() => {
        s.dispose();
        pending = undefined;
      });
  };
}

/** Gives a loss function its `name` (function names are read-only, hence defineProperty). */
export function named<F extends (...args: never[]) => unknown>(name: string, fn: F): F & { readonly name: string } {
  Object.defineProperty(fn, 'name', { value: name, configurable: true });
  return fn;
}

/**
 * Throws a BackendError when the active backend cannot read tensors synchronously: tfjs's WebGPU backend reads
 * through an OffscreenCanvas, which Node does not have.
 */
export function assertSyncReads(what: string, instead: string): void {
  if (
    tf.getBackend() === 'webgpu' &&
    typeof (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas === 'undefined'
  ) {
    throw new BackendError(`${what} needs a synchronous read, which the WebGPU backend has not in Node; ${instead}`);
  }
}

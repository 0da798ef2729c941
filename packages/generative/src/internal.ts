/** Small pieces shared by the training loops of this package (not exported from the package). */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkTensor, InputError } from '@tiefe/core';
import { TrainingDivergedError } from './errors.js';

/** A symbolic tensor of the functional API. */
export type Sym = tfl.SymbolicTensor;

/** Applies a layer to a symbolic tensor (or several), typed. */
export function on(layer: tfl.layers.Layer, x: Sym | Sym[]): Sym {
  return layer.apply(x) as Sym;
}

/** The tf.Variables behind a model's trainable weights: the explicit list every optimizer step here uses. */
export function trainableVariables(model: tfl.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => (w as unknown as { read(): tf.Variable }).read());
}

/** The tf.Variables behind a model's non-trainable weights (batch-norm moving statistics). */
function nonTrainableVariables(model: tfl.LayersModel): tf.Variable[] {
  return model.nonTrainableWeights.map((w) => (w as unknown as { read(): tf.Variable }).read());
}

/**
 * Runs `f` and then puts `model`'s non-trainable weights back. Why: tfjs-layers' BatchNormalization updates its
 * moving statistics whenever it runs with `training: true`, so a generator step that runs the discriminator in
 * training mode (batch statistics, as in its own step) would otherwise change the discriminator. With
 * `onlyOnError`, the statistics are put back only when `f` throws (a diverged step then changes nothing).
 */
export async function keepStatistics<T>(model: tfl.LayersModel, f: () => Promise<T>, onlyOnError = false): Promise<T> {
  const vars = nonTrainableVariables(model);
  if (vars.length === 0) return f();
  const saved = vars.map((v) => tf.clone(v));
  const restore = () =>
    vars.forEach((v, i) => {
      v.assign(saved[i]);
    });
  try {
    const out = await f();
    if (!onlyOnError) restore();
    return out;
  } catch (e) {
    restore(); // a diverged step changes nothing, statistics included
    throw e;
  } finally {
    tf.dispose(saved);
  }
}

/**
 * One optimizer step on `loss` over exactly `vars` (nothing else is updated), returning the loss value read back.
 * Throws {@link TrainingDivergedError} when the loss is not finite, before the update is applied.
 */
export async function minimizeOver(
  optimizer: tf.Optimizer,
  vars: tf.Variable[],
  loss: () => tf.Scalar,
  what: string,
  step: number,
): Promise<number> {
  const { value, grads } = tf.variableGrads(loss, vars);
  const v = (await value.data())[0];
  if (!Number.isFinite(v)) {
    tf.dispose([value, ...Object.values(grads)]);
    throw new TrainingDivergedError(what, step, v);
  }
  optimizer.applyGradients(grads);
  tf.dispose([value, ...Object.values(grads)]);
  return v;
}

/** Reads a scalar asynchronously (WebGPU in Node cannot read synchronously) and disposes it. */
export async function readScalar(t: tf.Tensor): Promise<number> {
  try {
    return (await t.data())[0];
  } finally {
    t.dispose();
  }
}

/**
 * Whether the active backend may be read synchronously: not WebGPU. Node's Dawn has no OffscreenCanvas (tfjs's
 * sync read needs one), and in Chromium (SwiftShader, 4.22) a `dataSync` of a computed tensor breaks every later
 * read ("A valid external Instance reference no longer exists"); the gallery's test caught it.
 */
export function canReadSync(): boolean {
  return tf.getBackend() !== 'webgpu';
}

/** Checks that a tensor holds only finite numbers (no NaN, no Infinity). */
export async function checkFinite(name: string, x: tf.Tensor): Promise<void> {
  const bad = await readScalar(tf.tidy(() => tf.cast(tf.logicalNot(tf.all(tf.isFinite(x))), 'float32')));
  if (bad) throw new InputError(name, 'finite values (no NaN or Infinity)', 'a tensor containing NaN or Infinity');
}

/** Checks that every value of `x` lies in [lo, hi]. */
export async function checkRange(name: string, x: tf.Tensor, lo: number, hi: number, expected: string): Promise<void> {
  const bad = await readScalar(
    tf.tidy(() => tf.cast(tf.any(tf.logicalOr(tf.less(x, lo), tf.greater(x, hi))), 'float32')),
  );
  if (bad) throw new InputError(name, expected, 'values outside');
}

/** A rank>=2 float tensor of images/rows whose per-example shape is `shape`. */
export function checkExamples(name: string, x: unknown, shape: readonly number[]): tf.Tensor {
  const t = checkTensor(name, x, { dtype: 'float32' });
  const got = t.shape.slice(1);
  if (t.rank !== shape.length + 1 || got.some((d, i) => d !== shape[i])) {
    throw new InputError(name, `a float32 tensor of shape [n, ${shape.join(', ')}]`, `shape [${t.shape.join(',')}]`);
  }
  return t;
}

function labelCount(name: string, labels: unknown, n: number): tf.Tensor1D {
  const t = checkTensor(name, labels, { rank: 1 });
  if (t.shape[0] !== n) throw new InputError(name, `${n} labels (one per example)`, `${t.shape[0]} labels`);
  return t as tf.Tensor1D;
}

function badIds(t: tf.Tensor, classes: number): tf.Tensor {
  return tf.tidy(() => {
    const f = tf.cast(t, 'float32');
    const out = tf.logicalOr(tf.logicalOr(tf.less(f, 0), tf.greaterEqual(f, classes)), tf.notEqual(f, tf.round(f)));
    return tf.cast(tf.any(out), 'float32');
  });
}

/**
 * Labels for `n` examples: a tensor of n class ids in [0, classes). The ids' range is checked where the backend
 * reads synchronously (not WebGPU in Node: there only their count is; the `train` methods check both, with
 * {@link checkLabelsAsync}).
 */
export function checkLabels(name: string, labels: unknown, n: number, classes: number): tf.Tensor1D {
  const t = labelCount(name, labels, n);
  if (canReadSync()) {
    const bad = badIds(t, classes);
    const v = bad.dataSync()[0];
    bad.dispose();
    if (v) throw new InputError(name, `class ids in [0, ${classes - 1}]`, 'an id outside that range');
  }
  return t;
}

/** {@link checkLabels}, always checking the ids' range (asynchronously). */
export async function checkLabelsAsync(
  name: string,
  labels: unknown,
  n: number,
  classes: number,
): Promise<tf.Tensor1D> {
  const t = labelCount(name, labels, n);
  if (await readScalar(badIds(t, classes)))
    throw new InputError(name, `class ids in [0, ${classes - 1}]`, 'an id outside that range');
  return t;
}

/** Rows `idx` of `x` (a batch). */
export function rows(x: tf.Tensor, idx: number[]): tf.Tensor {
  return tf.tidy(() => tf.gather(x, tf.tensor1d(idx, 'int32')));
}

/** A shuffled order of `n` indices drawn from Math.random (which core's `seed` makes reproducible). */
export function shuffled(n: number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

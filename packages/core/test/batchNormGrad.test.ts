import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, test } from 'vitest';
import { createRng, initBackend } from '../src/index.js';

/**
 * Core's gradients of `FusedBatchNorm` and `Mean` (fewer full-size ops than tfjs-core's) against the gradients of
 * the same functions written as elementary ops, whose gradients are tfjs-core's own: batch norm as
 * (x - mean) * rsqrt(variance + eps) * scale + offset, the mean as sum / n.
 */
const rng = createRng(7);
const random = (shape: number[], positive = false) =>
  tf.tensor(
    Array.from({ length: tf.util.sizeFromShape(shape) }, () => (positive ? 0.2 + rng.next() : rng.normal())),
    shape,
  );

/** max |a - b| over all gradients, relative to 1 + max |b|. */
function worst(a: tf.Tensor[], b: tf.Tensor[]): number {
  let w = 0;
  for (let i = 0; i < a.length; i++) {
    expect(a[i].shape, `gradient ${i}: shape`).toEqual(b[i].shape);
    const [x, y] = [a[i].dataSync(), b[i].dataSync()];
    let scale = 0;
    for (const v of y) scale = Math.max(scale, Math.abs(v));
    expect(scale, `gradient ${i} is not all zero`).toBeGreaterThan(0);
    for (let j = 0; j < x.length; j++) w = Math.max(w, Math.abs(x[j] - y[j]) / (1 + scale));
  }
  return w;
}

describe.each(['cpu', 'wasm'])('batch norm gradients on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ prefer: [backend as 'cpu' | 'wasm'] });
  });

  test.each([
    ['rank 4', [2, 3, 4, 5]],
    ['rank 2', [7, 3]],
  ] as const)('FusedBatchNorm, %s: x, mean, variance, offset and scale against elementary ops', (_, shape) => {
    // (tfjs-core cannot differentiate batchNorm without an offset or a scale at all: its tape meets the
    // missing input.)
    const before = tf.memory().numTensors;
    const c = shape[shape.length - 1];
    const eps = 1e-3;
    const inputs = [random([...shape]), random([c]), random([c], true), random([c]), random([c])];
    const r = random([...shape]);
    const got = tf.grads((x: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s: tf.Tensor) =>
      tf.sum(tf.mul(tf.batchNorm(x, m, v, o, s, eps), r)),
    )(inputs);
    const want = tf.grads((x: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s: tf.Tensor) =>
      tf.sum(tf.mul(tf.add(tf.mul(tf.mul(tf.sub(x, m), tf.rsqrt(tf.add(v, eps))), s), o), r)),
    )(inputs);
    expect(worst(got, want)).toBeLessThan(1e-5);
    tf.dispose([...got, ...want, ...inputs, r]);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('FusedBatchNorm with statistics of different shapes keeps tfjs-core gradient', () => {
    const [x, r] = [random([3, 4]), random([3, 4])];
    const [mean, variance, offset, scale] = [random([1, 4]), random([1, 4], true), random([1, 4]), random([3, 4])];
    const bn = (x: tf.Tensor) => tf.batchNorm(x, mean, variance, offset, scale, 1e-3);
    const plain = (x: tf.Tensor) =>
      tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-3))), scale), offset);
    const got = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(bn(x), r)))(x);
    const want = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(plain(x), r)))(x);
    expect(worst([got], [want])).toBeLessThan(1e-5);
    tf.dispose([x, r, mean, variance, offset, scale, got, want]);
  });

  test('Mean over any axes, keepDims or not, against sum / n', () => {
    const before = tf.memory().numTensors;
    const x = random([3, 4, 5]);
    const volume = random([2, 3, 2, 2, 3]);
    for (const [axis, keepDims, t] of [
      [[0, 1], false, x],
      [1, true, x],
      [[0, 2], false, x],
      [undefined, false, x],
      [[0, 1, 2, 3], false, volume],
    ] as Array<[number | number[] | undefined, boolean, tf.Tensor]>) {
      const m = tf.mean(t, axis, keepDims);
      const r = random(m.shape);
      m.dispose();
      const got = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.mean(t, axis, keepDims), r)))(t);
      const n = tf.util.sizeFromShape(t.shape) / tf.util.sizeFromShape(r.shape);
      const want = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.div(tf.sum(t, axis, keepDims), n), r)))(t);
      expect(worst([got], [want]), `rank ${t.rank}, axis ${axis}`).toBeLessThan(1e-6);
      tf.dispose([r, got, want]);
    }
    tf.dispose([x, volume]);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('a BatchNormalization layer in training: the gradient of x through its moments and FusedBatchNorm', () => {
    // The layer computes its statistics with tf.moments (two Means, a Square) and normalises with
    // FusedBatchNorm: the whole chain against the same function of elementary ops.
    const before = tf.memory().numTensors;
    const x = random([4, 3, 3, 6]);
    const r = random([4, 3, 3, 6]);
    const layer = tfl.layers.batchNormalization({ epsilon: 1e-3, gammaInitializer: 'randomNormal' });
    tf.dispose(layer.apply(x, { training: true }) as tf.Tensor);
    const [gamma, beta] = layer.trainableWeights.map((w) => w.read());
    const got = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(layer.apply(x, { training: true }) as tf.Tensor, r)))(x);
    const want = tf.grad((x: tf.Tensor) => {
      const m = tf.div(tf.sum(x, [0, 1, 2]), 36);
      const v = tf.div(tf.sum(tf.square(tf.sub(x, m)), [0, 1, 2]), 36);
      return tf.sum(tf.mul(tf.add(tf.mul(tf.mul(tf.sub(x, m), tf.rsqrt(tf.add(v, 1e-3))), gamma), beta), r));
    })(x);
    expect(worst([got], [want])).toBeLessThan(1e-5);
    tf.dispose([x, r, got, want]);
    layer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

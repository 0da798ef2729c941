import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { createRng } from '@tiefe/core';

/** The shared data folder beside the repository (see the common brief). */
export const MNIST_DIR = fileURLToPath(new URL('../../../../shared/data/mnist', import.meta.url));

/** Reads `count` MNIST test digits starting at `offset` as [count, 28, 28, 1] in [0, 1] plus labels. */
export function loadMnist(count: number, offset = 0): { x: tf.Tensor4D; labels: number[] } {
  const images = gunzipSync(readFileSync(`${MNIST_DIR}/t10k-images-idx3-ubyte.gz`));
  const labels = gunzipSync(readFileSync(`${MNIST_DIR}/t10k-labels-idx1-ubyte.gz`));
  if (images.readUInt32BE(0) !== 2051 || labels.readUInt32BE(0) !== 2049) throw new Error('not IDX files');
  const px = new Float32Array(count * 784);
  for (let i = 0; i < count * 784; i++) px[i] = images[16 + offset * 784 + i] / 255;
  return {
    x: tf.tensor4d(px, [count, 28, 28, 1]),
    labels: Array.from(labels.subarray(8 + offset, 8 + offset + count)),
  };
}

/** Sets every weight of the model to seeded uniform values in [-scale, scale]. */
export function fixWeights(model: tfl.LayersModel, seedValue: number, scale = 0.5): void {
  const rng = createRng(seedValue);
  const ws = model.getWeights().map((w) =>
    tf.tensor(
      Float32Array.from({ length: w.size }, () => (2 * rng.next() - 1) * scale),
      w.shape,
    ),
  );
  model.setWeights(ws);
  for (const w of ws) w.dispose();
}

/** Seeded uniform tensor in [lo, hi). */
export function uniform(shape: number[], seedValue: number, lo = -1, hi = 1): tf.Tensor {
  const rng = createRng(seedValue);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.next()),
    shape,
  );
}

/** Max |a - b| / max(|b|) between two arrays. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / (m || 1);
}

/** Trains a model with Adam on (x, labels) for a few epochs, quietly. */
export async function train(
  model: tfl.LayersModel,
  x: tf.Tensor,
  labels: number[],
  classes: number,
  epochs: number,
  lr = 0.01,
  batchSize = 32,
): Promise<void> {
  model.compile({ optimizer: tf.train.adam(lr), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), classes));
  await model.fit(x, y, { epochs, batchSize, shuffle: true, verbose: 0 });
  y.dispose();
}

/** Accuracy of the model on (x, labels). */
export function accuracy(model: tfl.LayersModel, x: tf.Tensor, labels: number[]): number {
  const pred = tf.tidy(() => tf.argMax(model.predict(x) as tf.Tensor, 1));
  const p = pred.dataSync();
  pred.dispose();
  return labels.filter((l, i) => l === p[i]).length / labels.length;
}

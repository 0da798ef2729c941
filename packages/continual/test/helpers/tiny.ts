/**
 * A softmax regression (continualMlp with no hidden layer: logits = x W + b) with fixed weights, and the
 * closed-form gradients the tests check the strategies against.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Batch, ContinualTrainer, continualMlp, type Plugin } from '../../src/index.js';

export const W0 = [
  [0.2, -0.1],
  [0.05, 0.3],
  [-0.4, 0.1],
];
export const B0 = [0.1, -0.2];
export const X = [
  [1, 0.5, -1],
  [0.2, -0.3, 0.8],
  [-0.5, 1, 0.4],
  [0.9, 0.1, 0.3],
];
export const Y = [0, 1, 1, 0];

export function tinyModel(w = W0, b = B0) {
  const model = continualMlp({ inputSize: 3, hidden: [], outputs: 2 });
  const ws = [tf.tensor2d(w), tf.tensor1d(b)];
  model.setWeights(ws);
  tf.dispose(ws);
  return model;
}

export function tinyTrainer(
  plugins: Plugin[],
  options: { learningRate?: number; optimizer?: 'sgd' | 'adam'; epochs?: number; batchSize?: number } = {},
) {
  return new ContinualTrainer({
    model: tinyModel(),
    plugins,
    optimizer: 'sgd',
    learningRate: 0.1,
    batchSize: 4,
    ...options,
  });
}

export function tinyBatch(x = X, y = Y): Batch {
  return { x: tf.tensor2d(x), y: tf.tensor1d(y, 'float32'), taskIds: tf.zeros([x.length], 'int32') as tf.Tensor1D };
}

export function tinyExperience(x = X, y = Y, id = 0) {
  return { id, taskId: 0, x: tf.tensor2d(x), y: tf.tensor1d(y, 'float32'), classes: [0, 1] };
}

export function logits(w: number[][], b: number[], x: number[]): number[] {
  return b.map((bj, j) => bj + x.reduce((s, xi, i) => s + xi * w[i][j], 0));
}

export function softmax(z: number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, c) => a + c, 0);
  return e.map((v) => v / s);
}

/** Gradient of -log softmax(xW + b)[y] for one row: dW = x (p - e_y)^T, db = p - e_y. */
export function ceGrad(w: number[][], b: number[], x: number[], y: number): { dw: number[][]; db: number[] } {
  const p = softmax(logits(w, b, x));
  const d = p.map((v, j) => v - (j === y ? 1 : 0));
  return { dw: x.map((xi) => d.map((dj) => xi * dj)), db: d };
}

/** Flattens [W, b] into one list (the variables' order in the model). */
export function flat(w: number[][], b: number[]): number[] {
  return [...w.flat(), ...b];
}

export async function weightsOf(t: { getWeights(): tf.Tensor[] }): Promise<number[]> {
  const ws = t.getWeights();
  return [...(await ws[0].data()), ...(await ws[1].data())];
}

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '@tiefe/core';
import { beforeAll, expect, test } from 'vitest';
import { fusedLstm } from '../src/index.js';

beforeAll(() => initBackend({ prefer: ['webgpu'] }));

// dataSync is not available on webgpu in Node: read asynchronously
const rel = async (a: tf.Tensor, b: tf.Tensor) => {
  const [d, m] = [tf.max(tf.abs(tf.sub(a, b))), tf.max(tf.abs(b))];
  return (await d.data())[0] / (await m.data())[0];
};

// FusedLSTM (its WGSL step kernels) on webgpu against tfjs-layers' LSTM on the same backend, tiny (lavapipe
// emulates the GPU on the CPU): masked steps, initial states, every output and gradient.
test('webgpu: FusedLSTM outputs and gradients equal tfjs-layers LSTM within 1e-5 relative (mask, initial states)', async () => {
  expect(tf.getBackend()).toBe('webgpu');
  const args = { units: 3, returnSequences: true, returnState: true };
  const ref = tfl.layers.lstm({ ...args, recurrentActivation: 'sigmoid' });
  const fused = fusedLstm(args);
  for (const layer of [ref, fused]) layer.apply(tfl.input({ shape: [4, 3] }));
  ref.setWeights(ref.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.5, 'float32', 20 + i)));
  fused.setWeights(ref.getWeights());
  const x = tf.randomNormal([2, 4, 3], 0, 1, 'float32', 3);
  const mask = tf.tensor2d([1, 0, 1, 1, 1, 1, 0, 0], [2, 4], 'bool');
  const states = [tf.randomNormal([2, 3], 0, 1, 'float32', 4), tf.randomNormal([2, 3], 0, 1, 'float32', 5)];
  const run = (layer: tfl.layers.Layer, a: tf.Tensor[]) =>
    layer.apply(a[0], { mask, initialState: a.slice(1) }) as tf.Tensor[];
  const yRef = run(ref, [x, ...states]);
  const yFused = run(fused, [x, ...states]);
  for (let i = 0; i < 3; i++) expect(await rel(yFused[i], yRef[i])).toBeLessThan(1e-5);
  const rs = yRef.map((y, i) => tf.randomNormal(y.shape, 0, 1, 'float32', 40 + i));
  const grads = (layer: tfl.layers.Layer) =>
    tf.grads((...a: tf.Tensor[]) => tf.addN(run(layer, a.slice(0, 3)).map((o, i) => tf.sum(tf.mul(o, rs[i])))))([
      x,
      ...states,
      ...layer.trainableWeights.map((v) => v.read()),
    ]);
  const gRef = grads(ref);
  const gFused = grads(fused);
  expect(gFused.length).toBe(6);
  for (let i = 0; i < 6; i++) expect(await rel(gFused[i], gRef[i])).toBeLessThan(1e-5);
});

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '@tiefe/core';
import { beforeAll, expect, test } from 'vitest';
import { fusedLstm } from '../src/index.js';

beforeAll(() => initBackend({ prefer: ['webgpu'] }));

// FusedLSTM on webgpu against tfjs-layers' LSTM on the same backend, tiny (lavapipe emulates the GPU on the CPU).
test('webgpu: FusedLSTM forward and gradients equal tfjs-layers LSTM within 1e-5 relative', async () => {
  expect(tf.getBackend()).toBe('webgpu');
  const input = tfl.input({ shape: [4, 3] });
  const ref = tfl.model({
    inputs: input,
    outputs: tfl.layers
      .lstm({ units: 3, returnSequences: true, recurrentActivation: 'sigmoid' })
      .apply(input) as tfl.SymbolicTensor,
  });
  const input2 = tfl.input({ shape: [4, 3] });
  const fused = tfl.model({
    inputs: input2,
    outputs: fusedLstm({ units: 3, returnSequences: true }).apply(input2) as tfl.SymbolicTensor,
  });
  ref.setWeights(ref.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.5, 'float32', 20 + i)));
  fused.setWeights(ref.getWeights());
  const x = tf.randomNormal([2, 4, 3], 0, 1, 'float32', 3);
  // dataSync is not available on webgpu in Node: read asynchronously
  const rel = async (a: tf.Tensor, b: tf.Tensor) => {
    const [d, m] = [tf.max(tf.abs(tf.sub(a, b))), tf.max(tf.abs(b))];
    return (await d.data())[0] / (await m.data())[0];
  };
  expect(await rel(fused.predict(x) as tf.Tensor, ref.predict(x) as tf.Tensor)).toBeLessThan(1e-5);
  const grads = (m: tfl.LayersModel) =>
    tf.grads((xi: tf.Tensor, ..._w: tf.Tensor[]) => tf.sum(tf.square(m.apply(xi) as tf.Tensor)))([
      x,
      ...m.trainableWeights.map((v) => v.read()),
    ]);
  const gRef = grads(ref);
  const gFused = grads(fused);
  for (let i = 0; i < 4; i++) expect(await rel(gFused[i], gRef[i])).toBeLessThan(1e-5);
});

// Kernel launches per training step of the reference CNN (the model wasm.bench.ts times and counts): an
// undilated convolution's filter gradient is used as it comes, without a strided copy (StridedSlice), while a
// dilated one is still read back at its taps.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect, test } from 'vitest';
import { referenceCnn } from '../bench/wasm.bench.js';
import { initBackend } from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: ['wasm'] });
});

const kernelCounts = (kernels: Array<{ name: string }>) => {
  const counts: Record<string, number> = {};
  for (const k of kernels) counts[k.name] = (counts[k.name] ?? 0) + 1;
  return counts;
};

test('a training step of the reference CNN launches no strided copy of the filter gradients', async () => {
  const model = referenceCnn();
  const x = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.tensor1d([1, 2, 3, 4], 'int32'), 10);
  await model.trainOnBatch(x, y); // optimizer slots are made on the first step
  const before = tf.memory().numTensors;
  const profile = await tf.profile(async () => {
    await model.trainOnBatch(x, y);
  });
  const counts = kernelCounts(profile.kernels);
  expect(counts.Conv2DBackpropFilter).toBe(2);
  expect(counts.StridedSlice ?? 0).toBe(0);
  // 208 on tfjs 4.22 (bench/results: 'kernels per training step'); 132 of them are Adam's updates.
  expect(profile.kernels.length).toBeLessThanOrEqual(208);
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([x, y]);
  model.optimizer.dispose();
  model.dispose();
});

test('a dilated convolution still reads its filter gradient at the taps (and matches the cpu backend)', async () => {
  const x = tf.randomNormal([2, 9, 9, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 3) as tf.Tensor4D;
  const loss = (f: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x, f as tf.Tensor4D, 1, 'same', 'NHWC', 2)));
  const profile = await tf.profile(() => tf.grad(loss)(w));
  expect(kernelCounts(profile.kernels).StridedSlice).toBe(1);
  const onWasm = await (profile.result as tf.Tensor).data();
  tf.dispose(profile.result as tf.Tensor);
  await tf.setBackend('cpu');
  const want = tf.tidy(() => tf.grad(loss)(w)); // cpu runs the same dilation-aware gradient
  const wantValues = await want.data();
  want.dispose();
  for (let i = 0; i < wantValues.length; i++) expect(onWasm[i]).toBeCloseTo(wantValues[i], 2);
  await tf.setBackend('wasm');
  tf.dispose([x, w]);
});

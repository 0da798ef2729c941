/**
 * The WebGPU backend (Dawn in Node, here on a software Vulkan driver) against the cpu backend: the ops and
 * gradients a conv net trains with, and one training step of a small CNN.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, test } from 'vitest';
import { on } from '../../../test-support/backends.js';
import { initBackend } from '../src/index.js';

const TOL = 1e-4; // relative to the largest magnitude of the cpu result: float32 with different summation orders

function expectClose(got: Float32Array[], want: Float32Array[], tol = TOL): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    const w = want[i];
    expect(g.length).toBe(w.length);
    const scale = Math.max(1e-6, ...w.map(Math.abs));
    let worst = 0;
    for (let j = 0; j < w.length; j++) worst = Math.max(worst, Math.abs(g[j] - w[j]) / scale);
    expect(worst).toBeLessThan(tol);
  });
}

/** Fixed pseudo-random data (the same on both backends). */
function data(shape: number[], seed: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    v[i] = s / 1073741824 - 1;
  }
  return tf.tensor(v, shape);
}

async function compare(f: () => tf.Tensor | tf.Tensor[], tol = TOL): Promise<void> {
  const want = await on('cpu', f);
  const got = await on('webgpu', f);
  expectClose(got, want, tol);
}

describe('webgpu backend matches cpu', () => {
  beforeAll(async () => {
    const got = await initBackend({ prefer: ['webgpu'] });
    console.log(`WebGPU adapter: ${JSON.stringify(got.adapter)}`);
    expect(got.name).toBe('webgpu');
  });

  test('matMul, including transposed operands and batches', async () => {
    await compare(() => [
      tf.matMul(data([33, 47], 1), data([47, 29], 2)),
      tf.matMul(data([47, 33], 3), data([29, 47], 4), true, true),
      tf.matMul(data([3, 8, 16], 5), data([3, 16, 5], 6)),
    ]);
  });

  const convCases: Array<{ stride: number; pad: 'same' | 'valid'; dilation: number }> = [
    { stride: 1, pad: 'valid', dilation: 1 },
    { stride: 2, pad: 'same', dilation: 1 },
    { stride: 1, pad: 'same', dilation: 2 },
  ];
  for (const { stride, pad, dilation } of convCases) {
    test(`conv2d and its gradients (stride ${stride}, ${pad}, dilation ${dilation})`, async () => {
      await compare(() => {
        const x = data([2, 9, 8, 3], 7) as tf.Tensor4D;
        const w = data([3, 3, 3, 4], 8) as tf.Tensor4D;
        const conv = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.conv2d(a, b, stride, pad, 'NHWC', dilation);
        const y = conv(x, w);
        const [dx, dw] = tf.grads((...[a, b]: tf.Tensor[]) =>
          tf.sum(tf.square(conv(a as tf.Tensor4D, b as tf.Tensor4D))),
        )([x, w]);
        return [y, dx, dw];
      });
    });
  }

  test('pooling and its gradients', async () => {
    await compare(() => {
      const x = data([2, 8, 7, 3], 9) as tf.Tensor4D;
      const max = (a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, 2, 2, 'same');
      const avg = (a: tf.Tensor) => tf.avgPool(a as tf.Tensor4D, 3, 2, 'valid');
      return [max(x), avg(x), tf.grad((a) => tf.sum(max(a)))(x), tf.grad((a) => tf.sum(avg(a)))(x)];
    });
  });

  test('softmax, logSoftmax and reductions', async () => {
    await compare(() => {
      const x = tf.mul(data([5, 13], 10), 4);
      return [
        tf.softmax(x),
        tf.logSoftmax(x),
        tf.sum(x),
        tf.mean(x, 1),
        tf.max(x, 0),
        tf.min(x, 1),
        tf.moments(x, 0).variance,
      ];
    });
  });

  test('one Adam training step of a small CNN gives the same loss and weights as on cpu', async () => {
    const step = async (backend: string) => {
      expect(await tf.setBackend(backend)).toBe(true);
      const model = tfl.sequential({
        layers: [
          tfl.layers.conv2d({
            inputShape: [12, 12, 1],
            filters: 4,
            kernelSize: 3,
            activation: 'relu',
            kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }),
          }),
          tfl.layers.maxPooling2d({ poolSize: 2 }),
          tfl.layers.flatten(),
          tfl.layers.dense({
            units: 3,
            activation: 'softmax',
            kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }),
          }),
        ],
      });
      model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
      const x = data([8, 12, 12, 1], 11);
      const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3);
      const losses = [(await model.trainOnBatch(x, y)) as number]; // creates Adam's moment variables
      const before = tf.memory().numTensors;
      losses.push((await model.trainOnBatch(x, y)) as number);
      expect(tf.memory().numTensors).toBe(before);
      const weights = await Promise.all(model.getWeights().map(async (w) => new Float32Array(await w.data())));
      tf.dispose([x, y]);
      model.dispose();
      return { losses, weights };
    };
    const cpu = await step('cpu');
    const gpu = await step('webgpu');
    console.log(`CNN losses: cpu ${cpu.losses}, webgpu ${gpu.losses}`);
    expect(cpu.losses[1]).toBeLessThan(cpu.losses[0]);
    for (let i = 0; i < 2; i++)
      expect(Math.abs(gpu.losses[i] - cpu.losses[i])).toBeLessThan(1e-4 * Math.abs(cpu.losses[i]));
    expectClose(gpu.weights, cpu.weights, 1e-4);
  });
});

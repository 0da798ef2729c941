// Tiefe's SIMD kernels on the threaded wasm build (2 XNNPACK threads in Node): its heap is a shared memory, so the
// shared-memory variant of the module is the one instantiated, and the kernels agree with the cpu backend.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { configureWasmThreads } from '../src/backend/wasm/threads.js';
import { createRng, registerKernels } from '../src/index.js';
import '@tensorflow/tfjs-backend-cpu';

const rng = createRng(11);
const random = (n: number) => Float32Array.from({ length: n }, () => rng.normal());

beforeAll(async () => {
  const setup = await configureWasmThreads(2);
  registerKernels();
  try {
    expect(await tf.setBackend('wasm')).toBe(true);
  } finally {
    setup.done();
  }
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

test('pooling gradients, a leading-axis sum and a first-layer filter gradient match cpu on a shared heap', async () => {
  const heap = (tf.backend() as BackendWasm).wasm as unknown as { wasmMemory?: WebAssembly.Memory };
  expect(heap.wasmMemory?.buffer).toBeInstanceOf(SharedArrayBuffer);
  const x = random(4 * 12 * 12 * 8);
  const img = random(4 * 12 * 12);
  const run = async (name: string) => {
    await tf.setBackend(name);
    const before = tf.memory().numTensors;
    const outs = tf.tidy(() => {
      const xs = tf.tensor4d(x, [4, 12, 12, 8]);
      const r = tf.randomNormal([4, 6, 6, 8], 0, 1, 'float32', 5);
      const maxGrad = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid'), r)))(xs);
      const avgGrad = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(a as tf.Tensor4D, 2, 2, 'valid'), r)))(xs);
      const dy = tf.randomNormal([4, 10, 10, 32], 0, 1, 'float32', 6);
      const dw = tf
        .engine()
        .runKernel(
          'Conv2DBackpropFilter',
          { x: tf.tensor4d(img, [4, 12, 12, 1]), dy },
          { strides: 1, pad: 'valid', dataFormat: 'NHWC', dimRoundingMode: 'floor', filterShape: [3, 3, 1, 32] },
        ) as tf.Tensor;
      return [maxGrad, avgGrad, tf.sum(xs, [0, 1, 2]), dw];
    });
    const values = await Promise.all(outs.map((t) => t.data() as Promise<Float32Array>));
    tf.dispose(outs);
    expect(tf.memory().numTensors).toBe(before);
    return values;
  };
  const wasm = await run('wasm');
  const cpu = await run('cpu');
  for (let i = 0; i < cpu.length; i++) {
    let worst = 0;
    let scale = 0;
    for (let j = 0; j < cpu[i].length; j++) {
      worst = Math.max(worst, Math.abs(wasm[i][j] - cpu[i][j]));
      scale = Math.max(scale, Math.abs(cpu[i][j]));
    }
    expect(scale, `case ${i}: signal`).toBeGreaterThan(0);
    expect(worst, `case ${i}`).toBeLessThanOrEqual(1e-4 * (1 + scale));
  }
});

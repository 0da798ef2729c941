/** Tiefe's kernel registry on cpu and wasm, the cpu kernel it fixes, and a model loaded from disk training. */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, vi } from 'vitest';
import { GRADIENTS, KERNELS } from '../src/backend/kernels/registry.js';
import { initBackend, registerKernels } from '../src/index.js';
import { expectSameStepAsCpu } from './volumeModel.js';

describe('the kernel registry', () => {
  it('importing @tiefe/core registers the cpu kernels and the gradients, before any initBackend', () => {
    const cpu = KERNELS.filter((k) => k.backendName === 'cpu');
    expect(cpu.length).toBeGreaterThan(0);
    for (const k of cpu) expect(tf.getKernel(k.kernelName, 'cpu')?.kernelFunc, k.kernelName).toBe(k.kernelFunc);
    for (const g of GRADIENTS) expect(tf.getGradient(g.kernelName)?.gradFunc, g.kernelName).toBe(g.gradFunc);
    // The wasm and webgpu backends are not loaded yet in this process: nothing of theirs was registered.
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
  });

  it('registering again neither replaces, throws nor warns', () => {
    const warn = vi.spyOn(console, 'warn');
    try {
      const before = KERNELS.map((k) => tf.getKernel(k.kernelName, k.backendName)?.kernelFunc);
      registerKernels();
      registerKernels();
      expect(KERNELS.map((k) => tf.getKernel(k.kernelName, k.backendName)?.kernelFunc)).toEqual(before);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });
});

describe('cpu ResizeNearestNeighborGrad (the gradient of UpSampling2D)', () => {
  const cases: Array<{ x: [number, number, number, number]; size: [number, number]; alignCorners: boolean }> = [
    { x: [2, 2, 2, 1], size: [4, 4], alignCorners: false },
    { x: [3, 3, 5, 2], size: [6, 10], alignCorners: false },
    { x: [2, 3, 5, 2], size: [5, 7], alignCorners: false },
    { x: [2, 3, 4, 1], size: [5, 7], alignCorners: true },
  ];
  for (const c of cases) {
    it(`equals the transpose of the forward resize, by basis vectors (x [${c.x}], size [${c.size}], alignCorners ${c.alignCorners})`, async () => {
      await tf.setBackend('cpu');
      const x = tf.randomNormal(c.x, 0, 1, 'float32', 1);
      const g = tf.randomNormal([c.x[0], ...c.size, c.x[3]], 0, 1, 'float32', 2);
      const before = tf.memory().numTensors;
      const dx = tf.grad((t: tf.Tensor) =>
        tf.sum(tf.mul(tf.image.resizeNearestNeighbor(t as tf.Tensor4D, c.size, c.alignCorners), g)),
      )(x);
      // The loss is linear in x: dL/dx_i = sum(g * resize(e_i)) with e_i the i-th basis image (forward kernel only).
      const n = x.size;
      const ref = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const e = new Float32Array(n);
        e[i] = 1;
        ref[i] = tf.tidy(
          () =>
            tf
              .sum(tf.mul(tf.image.resizeNearestNeighbor(tf.tensor4d(e, c.x), c.size, c.alignCorners), g))
              .dataSync()[0],
        );
      }
      const got = dx.dataSync();
      for (let i = 0; i < n; i++) expect(got[i]).toBeCloseTo(ref[i], 4);
      dx.dispose();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, g]);
    });
  }
});

describe('a model loaded with tf.loadLayersModel (never built through Tiefe) trains with no extra call', () => {
  it('on wasm, as on cpu: PReLU on volumes and Conv3DTranspose', async () => {
    // initBackend loads wasm (and registers its kernels); the model is then trained on cpu and on wasm.
    expect((await initBackend({ prefer: ['wasm'] })).name).toBe('wasm');
    await expectSameStepAsCpu('wasm');
  });
});

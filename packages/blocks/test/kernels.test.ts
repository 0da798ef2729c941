import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerKernelFixes } from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: ['cpu'] });
});

describe('cpu ResizeNearestNeighborGrad (the gradient of UpSampling2D)', () => {
  const cases: Array<{ x: [number, number, number, number]; size: [number, number]; alignCorners: boolean }> = [
    { x: [2, 2, 2, 1], size: [4, 4], alignCorners: false },
    { x: [3, 3, 5, 2], size: [6, 10], alignCorners: false },
    { x: [2, 3, 5, 2], size: [5, 7], alignCorners: false },
    { x: [2, 3, 4, 1], size: [5, 7], alignCorners: true },
  ];
  for (const c of cases) {
    it(`equals the transpose of the forward resize, by basis vectors (x [${c.x}], size [${c.size}], alignCorners ${c.alignCorners})`, () => {
      expect(registerKernelFixes().cpu).toBe(true);
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

import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tiefe/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { augmentImages, augmentSegmentation } from '../src/index.js';

beforeAll(async () => {
  const got = await initBackend({ prefer: ['webgpu'] });
  expect(got.name).toBe('webgpu');
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

/** Runs `f` on webgpu and on cpu with the same inputs; returns both results as arrays. */
async function onBoth(f: () => tf.Tensor[]): Promise<{ gpu: Float32Array[]; cpu: Float32Array[] }> {
  await tf.setBackend('webgpu');
  const g = f();
  const gpu = await Promise.all(g.map(async (t) => Float32Array.from(await t.data())));
  tf.dispose(g);
  await tf.setBackend('cpu');
  const c = f();
  const cpu = await Promise.all(c.map(async (t) => Float32Array.from(await t.data())));
  tf.dispose(c);
  await tf.setBackend('webgpu');
  return { gpu, cpu };
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('augmentation on WebGPU matches cpu', () => {
  it('images: flips, rotation, translation, crop, brightness, contrast, noise (tolerance 1e-4)', async () => {
    const x = Float32Array.from({ length: 4 * 10 * 10 * 3 }, (_, i) => ((i * 37) % 101) / 100);
    const { gpu, cpu } = await onBoth(() => {
      const input = tf.tensor4d(x, [4, 10, 10, 3]);
      const out = augmentImages(input, {
        seed: 3,
        flipHorizontal: true,
        flipVertical: true,
        rotationDegrees: 20,
        translate: 0.1,
        cropPadding: 2,
        brightness: 0.1,
        contrast: 0.3,
        noiseStd: 0.05,
        clip: [0, 1],
      });
      input.dispose();
      return [out];
    });
    expect(maxDiff(gpu[0], cpu[0])).toBeLessThan(1e-4);
  });

  it('image + mask pairs move together identically on both backends (masks exactly)', async () => {
    const labels = Int32Array.from({ length: 2 * 8 * 8 }, (_, i) => (i * 5) % 19);
    const { gpu, cpu } = await onBoth(() => {
      const masks = tf.tensor3d(labels, [2, 8, 8], 'int32');
      const images = tf.tidy(() => tf.expandDims(tf.cast(masks, 'float32'), 3)) as tf.Tensor4D;
      const out = augmentSegmentation(images, masks, {
        seed: 4,
        flipHorizontal: true,
        rotationDegrees: 15,
        cropPadding: 1,
      });
      tf.dispose([images, masks]);
      return [out.images, out.masks];
    });
    expect(maxDiff(gpu[0], cpu[0])).toBeLessThan(1e-4);
    expect(Array.from(gpu[1])).toEqual(Array.from(cpu[1]));
  });
});

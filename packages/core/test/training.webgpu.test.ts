import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test } from 'vitest';
import {
  accuracy,
  classificationReport,
  createRng,
  heaviside,
  initBackend,
  Standardizer,
  topKError,
} from '../src/index.js';

/** Runs `f` on WebGPU and on cpu with the same inputs (plain arrays) and returns both results. */
async function both<T>(f: () => Promise<T>): Promise<[T, T]> {
  await initBackend({ prefer: ['webgpu'] });
  expect(tf.getBackend()).toBe('webgpu');
  const gpu = await f();
  await tf.setBackend('cpu');
  const cpu = await f();
  return [gpu, cpu];
}

describe('training utilities and metrics on WebGPU (compared with cpu)', () => {
  test('metrics read WebGPU tensors asynchronously and agree with cpu exactly', async () => {
    const rng = createRng(1);
    const labels = Array.from({ length: 64 }, () => rng.int(4));
    const logits = labels.map((l) => Array.from({ length: 4 }, (_, j) => rng.normal() + (j === l ? 1 : 0)));
    const [gpu, cpu] = await both(async () => {
      const before = tf.memory().numTensors;
      const y = tf.tensor1d(labels, 'int32');
      const p = tf.tensor2d(logits);
      const out = {
        acc: await accuracy(y, p),
        top2: await topKError(y, p, 2),
        report: JSON.parse(JSON.stringify(await classificationReport(y, p))),
      };
      tf.dispose([y, p]);
      expect(tf.memory().numTensors).toBe(before);
      return out;
    });
    expect(gpu).toEqual(cpu);
    expect(gpu.acc).toBeGreaterThan(0.25);
  });

  test('Standardizer and step give the same numbers (tolerance 1e-5)', async () => {
    const values = Array.from({ length: 24 }, (_, i) => Math.sin(i) * 10 + i);
    const [gpu, cpu] = await both(async () => {
      const x = tf.tensor2d(values, [8, 3]);
      const s = await new Standardizer().fit(x);
      const z = s.transform(x);
      const h = tf.tidy(() => heaviside(tf.sub(x, 10)));
      const g = tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(heaviside(v, { gradient: 'clipped' })))(tf.div(x, 10)));
      const out = {
        mean: s.mean,
        z: Array.from(await z.data()),
        h: Array.from(await h.data()),
        g: Array.from(await g.data()),
      };
      tf.dispose([x, z, h, g]);
      s.dispose();
      return out;
    });
    expect(gpu.mean).toEqual(cpu.mean); // computed in float64 on the CPU from identical data
    for (const [i, v] of gpu.z.entries()) expect(Math.abs(v - cpu.z[i])).toBeLessThan(1e-5);
    expect(gpu.h).toEqual(cpu.h);
    expect(gpu.g).toEqual(cpu.g);
  });
});

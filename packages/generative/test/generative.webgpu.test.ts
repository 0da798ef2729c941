/** The training steps on WebGPU (Mesa lavapipe in CI: CPU-emulated, so a few tiny steps). */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { GanTrainer, ganDiscriminator, ganGenerator, gradientPenalty, vae } from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: ['webgpu'] });
});

const weights = (m: { getWeights(): tf.Tensor[] }) =>
  Promise.all(m.getWeights().map(async (w) => Array.from(await w.data())));

describe('webgpu', () => {
  test('conditional DCGAN steps: each updates only its own network; no leak', async () => {
    expect(tf.getBackend()).toBe('webgpu');
    const generator = ganGenerator({ outputShape: [8, 8, 1], latentDim: 4, filters: [8, 4], classes: 3 });
    const discriminator = ganDiscriminator({ inputShape: [8, 8, 1], filters: [4, 8], classes: 3 });
    const t = new GanTrainer({ generator, discriminator });
    const real = tf.randomUniform([4, 8, 8, 1], -1, 1);
    const labels = tf.tensor1d([0, 1, 2, 0]);
    await t.discriminatorStep(real, labels);
    await t.generatorStep(4);
    const before = tf.memory().numTensors;
    const d0 = await weights(discriminator);
    await t.generatorStep(4);
    expect(await weights(discriminator)).toEqual(d0);
    const g0 = await weights(generator);
    const loss = await t.discriminatorStep(real, labels);
    expect(Number.isFinite(loss)).toBe(true);
    expect(await weights(generator)).toEqual(g0);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([real, labels]);
    t.dispose();
  });

  test('gradient penalty of a linear critic and one VAE step', async () => {
    const w = tf.tensor2d([[0.3], [-0.4], [1.2]]);
    const a = tf.randomNormal([3, 3]);
    const b = tf.randomNormal([3, 3]);
    const gp = gradientPenalty((x) => tf.matMul(x, w), a, b);
    expect((await gp.data())[0]).toBeCloseTo((Math.hypot(0.3, -0.4, 1.2) - 1) ** 2, 4);
    const model = vae({ inputShape: [4, 4, 1], latentDim: 2, hidden: [8] });
    const x = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([8, 4, 4, 1]), 0.5), 'float32'));
    const h = await model.train(x, { epochs: 2, batchSize: 8 });
    expect(h.every((e) => Number.isFinite(e.loss))).toBe(true);
    tf.dispose([w, a, b, gp, x]);
  });
});

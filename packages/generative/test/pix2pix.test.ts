import * as tf from '@tensorflow/tfjs-core';
import { InputError, initBackend, seed } from '@tiefe/core';
import { syntheticShapes2d } from '@tiefe/datasets';
import { beforeAll, describe, expect, test } from 'vitest';
import { Pix2PixTrainer, patchGan, pix2pixGenerator } from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: ['wasm', 'cpu'] });
});

/** masks (one-hot, in [-1, 1]) -> shape scenes (in [-1, 1]). */
function pairs(n: number, seedValue: number) {
  const { images, masks } = syntheticShapes2d({ n, size: 16, seed: seedValue, noise: 0 });
  const out = tf.tidy(() => ({
    inputs: tf.sub(tf.mul(tf.oneHot(masks, 4), 2), 1) as tf.Tensor4D,
    targets: tf.sub(tf.mul(tf.clipByValue(images, 0, 1), 2), 1) as tf.Tensor4D,
  }));
  tf.dispose([images, masks]);
  return out;
}

describe('pix2pix', () => {
  test('PatchGAN gives a map of patch logits; the U-Net generator keeps the size, in [-1, 1]', () => {
    const d = patchGan({ inputShape: [16, 16, 4], filters: [8, 16, 16] });
    expect(d.outputs[0].shape).toEqual([null, 4, 4, 1]);
    const g = pix2pixGenerator({ inputShape: [16, 16, 4], depth: 2, baseFilters: 4 });
    expect(g.outputs[0].shape).toEqual([null, 16, 16, 1]);
    const x = tf.randomNormal([2, 16, 16, 4]);
    const y = g.predict(x) as tf.Tensor;
    expect(tf.max(tf.abs(y)).dataSync()[0]).toBeLessThanOrEqual(1);
    tf.dispose([x, y]);
    d.dispose();
    g.dispose();
  });

  test('training on masks -> scenes cuts held-out L1 well below step 0, without leaks', async () => {
    seed(8);
    const train = pairs(64, 1);
    const test = pairs(16, 2);
    const trainer = new Pix2PixTrainer({
      generator: pix2pixGenerator({ inputShape: [16, 16, 4], depth: 2, baseFilters: 8 }),
      discriminator: patchGan({ inputShape: [16, 16, 4], filters: [8, 16] }),
      generatorOptimizer: tf.train.adam(2e-3, 0.5),
    });
    const l1Start = await trainer.l1(test.inputs, test.targets);
    await trainer.train(train.inputs, train.targets, { steps: 2, batchSize: 8 });
    const before = tf.memory().numTensors;
    const h = await trainer.train(train.inputs, train.targets, { steps: 48, batchSize: 8 });
    expect(tf.memory().numTensors).toBe(before);
    expect(h.every((s) => Number.isFinite(s.dLoss) && Number.isFinite(s.gLoss))).toBe(true);
    const l1End = await trainer.l1(test.inputs, test.targets);
    expect(l1End).toBeLessThan(l1Start * 0.5);
    expect(l1End).toBeLessThan(0.3);
    tf.dispose([train.inputs, train.targets, test.inputs, test.targets]);
    trainer.dispose();
  });

  test('mismatched networks and bad pairs: typed errors', async () => {
    const g = pix2pixGenerator({ inputShape: [16, 16, 4], depth: 2, baseFilters: 4, targetChannels: 3 });
    const d = patchGan({ inputShape: [16, 16, 4], filters: [8] });
    expect(() => new Pix2PixTrainer({ generator: g, discriminator: d })).toThrow(InputError);
    const ok = new Pix2PixTrainer({
      generator: pix2pixGenerator({ inputShape: [16, 16, 4], depth: 2, baseFilters: 4 }),
      discriminator: d,
    });
    const a = tf.zeros([4, 16, 16, 4]);
    const b = tf.zeros([3, 16, 16, 1]);
    await expect(ok.train(a, b)).rejects.toMatchObject({ input: 'Pix2PixTrainer.train: targets' });
    await expect(ok.train(tf.zeros([4, 8, 8, 4]), b)).rejects.toMatchObject({ input: 'Pix2PixTrainer.train: inputs' });
    tf.dispose([a, b]);
    ok.dispose();
  });
});

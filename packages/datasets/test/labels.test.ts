/**
 * The loaders' class labels work with the standard tfjs losses as they come: float32 class ids, which
 * tfjs-layers' 'sparseCategoricalCrossentropy' floors (it rejected int32 labels: "must be float32 tensor, but
 * got int32"), and which splits, stratification, batching, augmentation and core's metrics all accept.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { classificationReport, initBackend, seed } from '@tiefe/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  augmentImages,
  loadMnist,
  splitData,
  syntheticShapeClasses,
  toTfDataset,
  trainTestSplit,
} from '../src/index.js';
import { MNIST_DIR } from './helpers.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

describe('class labels', () => {
  it('loadMnist and syntheticShapeClasses give float32 whole-number class ids', async () => {
    const mnist = await loadMnist({ dir: MNIST_DIR, split: 'test', limit: 10 });
    const shapes = syntheticShapeClasses({ count: 12, size: 8, seed: 1 });
    for (const labels of [mnist.labels, shapes.labels]) {
      expect(labels.dtype).toBe('float32');
      expect(Array.from(await labels.data()).every(Number.isInteger)).toBe(true);
    }
    expect(Array.from(await mnist.labels.data())).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    tf.dispose([mnist.images, mnist.labels, shapes.images, shapes.labels]);
  });

  it("train with 'sparseCategoricalCrossentropy' as loaded: stratified split, augmented batches, fitDataset, metrics", async () => {
    seed(3);
    const before = tf.memory().numTensors;
    const mnist = await loadMnist({ dir: MNIST_DIR, split: 'test', limit: 1200 });
    const { train, test } = trainTestSplit(mnist, { testSize: 200, seed: 1, stratify: true });
    const parts = splitData(train, [0.5, 0.5], { seed: 2, stratify: true });
    // Stratified: each class's share of the test part is within one digit of its share of the whole.
    const all = Array.from(await mnist.labels.data());
    const held = Array.from(await test.labels.data());
    for (let c = 0; c < 10; c++) {
      const expected = (all.filter((l) => l === c).length * 200) / 1200;
      expect(Math.abs(held.filter((l) => l === c).length - expected)).toBeLessThanOrEqual(1);
    }
    const model = tfl.sequential({
      layers: [tfl.layers.flatten({ inputShape: [28, 28, 1] }), tfl.layers.dense({ units: 10, activation: 'softmax' })],
    });
    const optimizer = tf.train.adam(0.01);
    model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const ds = toTfDataset(train.images, train.labels, {
      batchSize: 50,
      shuffle: true,
      seed: 1,
      augment: (xs, epoch, b) => augmentImages(xs, { seed: epoch * 1000 + b, translate: 0.05 }),
    });
    const history = await model.fitDataset(ds, { epochs: 3, verbose: 0 });
    const loss = history.history.loss as number[];
    expect(loss.every(Number.isFinite)).toBe(true);
    expect(loss[2]).toBeLessThan(loss[0]);
    // A softmax regression after 3 x 1,000 digits: ~85% here (chance 10%).
    const probabilities = model.predict(test.images) as tf.Tensor;
    const report = await classificationReport(test.labels, probabilities);
    expect(report.accuracy).toBeGreaterThan(0.75);
    const evaluated = model.evaluate(test.images, test.labels) as tf.Scalar[];
    expect((await evaluated[1].data())[0]).toBeCloseTo(report.accuracy, 5);
    tf.dispose([mnist.images, mnist.labels, train.images, train.labels, test.images, test.labels, probabilities]);
    tf.dispose([...parts.flatMap((p) => [p.images, p.labels]), ...evaluated]);
    model.dispose();
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

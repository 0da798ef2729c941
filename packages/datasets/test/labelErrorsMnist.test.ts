import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createRng, initBackend, seed, stratifiedKFold } from '@tiefe/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { datasetReport, formatDatasetReport, loadMnist, outOfFoldProbabilities } from '../src/index.js';
import { MNIST_DIR } from './helpers.js';

/**
 * The issue's test on real digits: 2,400 MNIST digits with 2% of their labels flipped on purpose, out-of-fold
 * probabilities from 3-fold cross-validation of a tiny CNN, then datasetReport. Also 12 test digits
 * replaced by copies of training digits (6 exact, 6 rescaled with noise) must come out as leakage.
 * The precision/recall of a larger run (10,000 digits, a CNN) is in bench/labelErrors.bench.ts.
 */

beforeAll(() => initBackend({ prefer: ['wasm', 'cpu'] }));

const TRAIN = 2400;
const TEST = 600;
const PIX = 28 * 28;

describe('datasetReport on MNIST with injected label errors and leaked digits', () => {
  it('finds most flipped labels (precision and recall stated) and every injected cross-split duplicate', async () => {
    const before = tf.memory().numTensors;
    const mnist = await loadMnist({ dir: MNIST_DIR, split: 'test', limit: TRAIN + TEST });
    const pixels = await mnist.images.data();
    const labels = Array.from(await mnist.labels.data());
    tf.dispose([mnist.images, mnist.labels]);

    // 2% of the training labels flipped to another class, chosen with a seeded generator.
    const rng = createRng(2021);
    const order = rng.shuffle(Array.from({ length: TRAIN }, (_, i) => i));
    const flipped = new Set(order.slice(0, Math.round(0.02 * TRAIN)));
    const noisyLabels = labels.slice(0, TRAIN).map((l, i) => (flipped.has(i) ? (l + 1 + rng.int(9)) % 10 : l));

    // Leakage: test digits 0..5 become exact copies, 6..11 rescaled noisy copies of training digits.
    const testPixels = Float32Array.from(pixels.subarray(TRAIN * PIX));
    const leaked = Array.from({ length: 12 }, (_, k) => ({ train: 100 * k + 7, test: k }));
    for (const { train, test } of leaked) {
      const src = pixels.subarray(train * PIX, (train + 1) * PIX);
      const copy = test < 6 ? src : src.map((v) => Math.min(1, Math.max(0, 0.9 * v + 0.04 * (rng.next() - 0.5))));
      testPixels.set(copy, test * PIX);
    }

    const xs = tf.tensor4d(pixels.subarray(0, TRAIN * PIX), [TRAIN, 28, 28, 1]);
    const ys = tf.tensor1d(noisyLabels, 'float32');
    const xt = tf.tensor4d(testPixels, [TEST, 28, 28, 1]);
    const createModel = (fold: number) => {
      seed(fold);
      const model = tfl.sequential({
        layers: [
          tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 5, activation: 'relu' }),
          tfl.layers.maxPooling2d({ poolSize: 2 }),
          tfl.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }),
          tfl.layers.maxPooling2d({ poolSize: 2 }),
          tfl.layers.flatten(),
          tfl.layers.dense({ units: 10, activation: 'softmax' }),
        ],
      });
      model.compile({ optimizer: tf.train.adam(0.003), loss: 'sparseCategoricalCrossentropy' });
      return model;
    };
    const t0 = performance.now();
    const { probabilities, cv } = await outOfFoldProbabilities({
      createModel,
      x: xs,
      y: ys,
      splitter: stratifiedKFold(noisyLabels, { k: 3, shuffle: true, seed: 1 }),
      fitArgs: { epochs: 5, batchSize: 32 },
    });
    seed(undefined);
    const report = await datasetReport(xs, ys, {
      testImages: xt,
      testLabels: labels.slice(TRAIN),
      outOfFoldProbs: probabilities,
    });
    const seconds = (performance.now() - t0) / 1000;
    tf.dispose([xs, ys, xt, probabilities]);
    expect(tf.memory().numTensors).toBe(before);

    const found = report.labelIssues?.indices ?? [];
    const hits = found.filter((i) => flipped.has(i)).length;
    const precision = hits / found.length;
    const recall = hits / flipped.size;
    console.log(
      `MNIST label errors (${TRAIN} digits, ${flipped.size} flipped, 3-fold CNN, out-of-fold accuracy ` +
        `${cv.mean.toFixed(3)}, ${tf.getBackend()}, ${seconds.toFixed(1)} s): flagged ${found.length}, ` +
        `precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}; estimated noise ${(100 * (report.labelIssues?.estimatedNoiseRate ?? 0)).toFixed(2)}%`,
    );
    expect(recall).toBeGreaterThanOrEqual(0.8);
    expect(precision).toBeGreaterThanOrEqual(0.3);

    // Every injected leak is reported, the exact ones as exact, and (almost) nothing else.
    const across = report.acrossSplits;
    const key = (a: number, b: number) => `${a}-${b}`;
    const reported = new Map(across?.pairs.map((p) => [key(p.first, p.second), p.exact]));
    for (const { train, test } of leaked) expect(reported.get(key(train, test))).toBe(test < 6);
    expect(across?.exact).toBe(6);
    expect(across?.near).toBeLessThanOrEqual(8);
    expect(formatDatasetReport(report)).toContain('Training/test pairs');
  }, 60_000);
});

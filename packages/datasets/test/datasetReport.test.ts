import * as tf from '@tensorflow/tfjs-core';
import { createRng, initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { datasetReport, formatDatasetReport, loadMnist } from '../src/index.js';
import { MNIST_DIR } from './helpers.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

const H = 12;
const W = 12;
const C = 3;
const PIX = H * W * C;

/** `n` random images (uniform noise, seeded), flat NHWC. */
function noiseImages(seed: number, n: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n * PIX }, () => rng.next());
}

/** A copy of image `i` of `src` with brightness 0.9x and uniform noise of +-0.02. */
function noisyCopy(src: Float32Array, i: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return src.slice(i * PIX, (i + 1) * PIX).map((v) => 0.9 * v + 0.04 * (rng.next() - 0.5));
}

describe('datasetReport', () => {
  it('counts classes, computes channel statistics, finds corrupt, constant and injected duplicate images', async () => {
    const train = noiseImages(1, 40);
    train.set(train.subarray(3 * PIX, 4 * PIX), 10 * PIX); // exact duplicate: 3 and 10
    train.set(noisyCopy(train, 5, 2), 20 * PIX); // near duplicate: 5 and 20
    train.fill(0.25, 30 * PIX, 31 * PIX); // constant
    train[33 * PIX + 7] = Number.NaN; // corrupt
    train[34 * PIX + 1] = Number.POSITIVE_INFINITY; // corrupt
    const test = noiseImages(3, 15);
    test.set(train.subarray(7 * PIX, 8 * PIX), 2 * PIX); // leaked exactly: train 7 = test 2
    test.set(noisyCopy(train, 12, 4), 9 * PIX); // leaked near: train 12 ~ test 9
    const trainLabels = Array.from({ length: 40 }, (_, i) => (i < 25 ? 0 : i < 35 ? 1 : 2)); // 25 / 10 / 5
    const testLabels = Array.from({ length: 15 }, (_, i) => i % 3);

    const before = tf.memory().numTensors;
    const xs = tf.tensor4d(train, [40, H, W, C]);
    const ys = tf.tensor1d(trainLabels);
    const xt = tf.tensor4d(test, [15, H, W, C]);
    const report = await datasetReport(xs, ys, { testImages: xt, testLabels, numClasses: 4 });
    tf.dispose([xs, ys, xt]);
    expect(tf.memory().numTensors).toBe(before);

    expect(report.imageShape).toEqual([H, W, C]);
    expect(report.train.classCounts).toEqual([25, 10, 5, 0]);
    expect(report.train.imbalanceRatio).toBe(5);
    expect(report.train.emptyClasses).toEqual([3]);
    expect(report.test?.classCounts).toEqual([5, 5, 5, 0]);
    expect(report.train.nonFinite).toEqual([33, 34]);
    expect(report.train.constant).toEqual([30]);
    // Channel statistics over the finite values, computed independently here.
    for (let c = 0; c < C; c++) {
      const v: number[] = [];
      for (let k = c; k < train.length; k += C) if (Number.isFinite(train[k])) v.push(train[k]);
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
      expect(report.train.channels[c].mean).toBeCloseTo(mean, 5);
      expect(report.train.channels[c].std).toBeCloseTo(std, 5);
      expect(report.train.channels[c].min).toBe(Math.min(...v));
      expect(report.train.channels[c].max).toBe(Math.max(...v));
    }
    // Exactly the injected pairs, nothing else.
    const pairs = (d: { pairs: { first: number; second: number; exact: boolean }[] }) =>
      d.pairs.map((p) => `${p.first}-${p.second}${p.exact ? '=' : '~'}`);
    expect(pairs(report.train.duplicates)).toEqual(['3-10=', '5-20~']);
    expect(report.train.duplicates).toMatchObject({ exact: 1, near: 1 });
    expect(report.test?.duplicates).toMatchObject({ exact: 0, near: 0 });
    expect(pairs(report.acrossSplits as never)).toEqual(['7-2=', '12-9~']);
    const near = report.acrossSplits?.pairs[1];
    expect(near?.hashDistance).toBeLessThanOrEqual(4);
    expect(near?.correlation).toBeGreaterThan(0.995);
    expect(report.labelIssues).toBeUndefined();

    const md = formatDatasetReport(report, { classNames: ['a', 'b', 'c', 'd'] });
    expect(md).toContain('| samples | 25 | 10 | 5 | 0 |');
    expect(md).toContain('Imbalance ratio (largest / smallest class): 5.');
    expect(md).toContain('Classes without samples: d.');
    expect(md).toContain('- Non-finite (NaN/inf) samples: 2 (33, 34)');
    expect(md).toContain('- Constant samples: 1 (30)');
    expect(md).toContain('## Leakage across splits');
    expect(md).toMatch(/\| 7 \| 2 \| yes \| 0 \| 1 \|/);
    expect(JSON.parse(JSON.stringify(report)).train.classCounts).toEqual([25, 10, 5, 0]);
  });

  it('keeps distinct real digits apart: none of 1,000 MNIST digits, nor their 1-pixel shifts, is called a duplicate', async () => {
    // pHash alone is too coarse here (many different 1s share a hash): the thumbnail correlation must decide.
    const mnist = await loadMnist({ dir: MNIST_DIR, split: 'test', limit: 1000 });
    const padded = tf.pad(mnist.images, [
      [0, 0],
      [0, 0],
      [1, 0],
      [0, 0],
    ]);
    const shifted = tf.slice(padded, [0, 0, 0, 0], [1000, 28, 28, 1]);
    padded.dispose();
    const report = await datasetReport(mnist.images, mnist.labels, { testImages: shifted, testLabels: mnist.labels });
    tf.dispose([mnist.images, mnist.labels, shifted]);
    expect(report.train.duplicates).toMatchObject({ exact: 0, near: 0 });
    expect(report.acrossSplits).toMatchObject({ exact: 0, near: 0 });
    expect(report.train.classCounts).toEqual([85, 126, 116, 107, 110, 87, 87, 99, 89, 94]);
  });

  it('adds label issues from out-of-fold probabilities and refuses bad input', async () => {
    const xs = tf.tensor4d(noiseImages(5, 6), [6, H, W, C]);
    const probs = tf.tensor2d([
      [0.9, 0.1],
      [0.8, 0.2],
      [0.2, 0.8],
      [0.1, 0.9],
      [0.3, 0.7],
      [0.7, 0.3],
    ]);
    const report = await datasetReport(xs, [0, 0, 0, 1, 1, 1], { outOfFoldProbs: probs });
    expect(report.labelIssues?.indices).toEqual([2, 5]);
    expect(formatDatasetReport(report)).toContain('| 2 | 0 | 1 | 0.2 |');
    await expect(datasetReport(xs, [0, 1])).rejects.toThrow(/datasetReport: labels: expected 6 labels/);
    await expect(datasetReport(xs, [0, 0, 0, 1, 1, 1], { testLabels: [0] })).rejects.toThrow(
      /testImages and testLabels together/,
    );
    await expect(datasetReport(xs, [0, 0, 0, 1, 1, 1], { nearDuplicateDistance: 65 })).rejects.toThrow(
      /nearDuplicateDistance/,
    );
    await expect(datasetReport(xs, [0, 0, 0, 1, 1, 1], { numClasses: 1 })).rejects.toThrow(/numClasses/);
    tf.dispose([xs, probs]);
  });
});

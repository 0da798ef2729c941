import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, test } from 'vitest';
import { accuracy, crossValidate, InputError, initBackend, kFold, kFoldIndices, seed } from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: ['cpu'] });
});

describe('kFoldIndices', () => {
  test("sklearn's KFold split rule: contiguous folds, the first n % k one larger", () => {
    expect(kFoldIndices(4, 2)).toEqual([
      { train: [2, 3], test: [0, 1] },
      { train: [0, 1], test: [2, 3] },
    ]);
    const folds = kFoldIndices(10, 3);
    expect(folds.map((f) => f.test)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    expect(folds[1].train).toEqual([0, 1, 2, 3, 7, 8, 9]);
  });

  test('shuffled folds partition 0..n-1, are reproducible per seed and differ between seeds', () => {
    const a = kFoldIndices(23, 5, { shuffle: true, seed: 1 });
    const b = kFoldIndices(23, 5, { shuffle: true, seed: 1 });
    const c = kFoldIndices(23, 5, { shuffle: true, seed: 2 });
    expect(a).toEqual(b);
    expect(a.map((f) => f.test)).not.toEqual(c.map((f) => f.test));
    expect(a.map((f) => f.test.length)).toEqual([5, 5, 5, 4, 4]);
    expect(a.flatMap((f) => f.test).sort((p, q) => p - q)).toEqual(Array.from({ length: 23 }, (_, i) => i));
    for (const f of a) {
      expect(f.train.length + f.test.length).toBe(23);
      expect(f.train.some((i) => f.test.includes(i))).toBe(false);
    }
    expect(kFold({ k: 5, shuffle: true, seed: 1 }).split(23)).toEqual(a);
    expect(() => kFoldIndices(3, 4)).toThrow(/k: expected an integer in \[2, n = 3\], got 4/);
  });
});

function classifier(fold: number): tfl.LayersModel {
  seed(100 + fold);
  const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, activation: 'softmax', inputShape: [2] })] });
  // A fresh optimizer object per fold: crossValidate disposes it with the model.
  model.compile({ optimizer: tf.train.adam(0.1), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

function blobs(n: number) {
  return tf.tidy(() => {
    const labels = tf.tensor1d(
      Array.from({ length: n }, (_, i) => i % 2),
      'int32',
    );
    const centres = tf.expandDims(tf.mul(tf.sub(tf.cast(labels, 'float32'), 0.5), 4), 1);
    const x = tf.add(tf.randomNormal([n, 2], 0, 1, 'float32', 9), centres);
    return { x, y: tf.oneHot(labels, 2) };
  });
}

describe('crossValidate', () => {
  test('default score = first compiled metric; folds, mean and std; models and data disposed', async () => {
    const { x, y } = blobs(60);
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    const cv = await crossValidate({
      createModel: classifier,
      x,
      y,
      k: 3,
      seed: 4,
      fitArgs: { epochs: 10, batchSize: 10 },
      onFold: (r) => seen.push(r.fold),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(seen).toEqual([0, 1, 2]);
    expect(cv.metric).toBe('acc');
    expect(cv.scores).toHaveLength(3);
    expect(cv.folds.map((f) => [f.trainSize, f.testSize])).toEqual([
      [40, 20],
      [40, 20],
      [40, 20],
    ]);
    const mean = cv.scores.reduce((a, b) => a + b, 0) / 3;
    expect(cv.mean).toBeCloseTo(mean, 12);
    expect(cv.std).toBeCloseTo(Math.sqrt(cv.scores.reduce((a, s) => a + (s - mean) ** 2, 0) / 3), 12);
    // Separable blobs 4 standard deviations apart: well above chance.
    expect(cv.mean).toBeGreaterThan(0.85);
    for (const f of cv.folds) {
      expect(Object.keys(f.evaluation)).toEqual(['loss', 'acc']);
      expect(f.score).toBe(f.evaluation.acc);
      expect(f.history.loss).toHaveLength(10);
    }
    tf.dispose([x, y]);
  });

  test('a custom metric sees exactly the held-out rows of each fold', async () => {
    const n = 12;
    const x = tf.tensor2d(Array.from({ length: n }, (_, i) => [i, -i]));
    const y = tf.tidy(() =>
      tf.oneHot(
        tf.tensor1d(
          Array.from({ length: n }, (_, i) => (i * 7) % 2),
          'int32',
        ),
        2,
      ),
    );
    const folds = kFoldIndices(n, 4, { shuffle: true, seed: 3 });
    const before = tf.memory().numTensors;
    const cv = await crossValidate({
      createModel: classifier,
      x,
      y,
      k: 4,
      seed: 3,
      fitArgs: { epochs: 1 },
      // Not a real score: the sum of the first feature of the held-out rows, i.e. of their indices.
      metric: async (_model, xTest) => {
        const col = tf.tidy(() => tf.sum(tf.slice(xTest, [0, 0], [-1, 1])));
        const v = (await col.data())[0];
        col.dispose();
        return v;
      },
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(cv.metric).toBe('custom');
    expect(cv.scores).toEqual(folds.map((f) => f.test.reduce((a, b) => a + b, 0)));
    // And accuracy() from the metrics module plugs in directly.
    const acc = await crossValidate({
      createModel: classifier,
      x,
      y,
      k: 2,
      fitArgs: { epochs: 1 },
      metric: async (m, xt, yt) => {
        const p = m.predict(xt) as tf.Tensor;
        const a = await accuracy(yt, p);
        p.dispose();
        return a;
      },
    });
    expect(acc.scores.every((s) => s >= 0 && s <= 1)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
    await expect(crossValidate({ createModel: classifier, x: tf.zeros([4, 2]), y: tf.zeros([3, 2]) })).rejects.toThrow(
      InputError,
    );
  });
});
